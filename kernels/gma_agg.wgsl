// Aggregator segments 0..3 of q, k and v (weights shared by the three) into
//   A[b, which, t, j·s + o]   (A is [B, 3, N, 4s]; which = 0 q, 1 k, 2 v)
//   j = 0: hswish(raw[t, o]·sc[o] + sh[o])                          (BN0 as an affine)
//   j ≥ 1: hswish(Σ_c DW_j(raw)[t, c]·PW_j[o, c] + bias_j[o])       (BN_j folded into PW_j)
// raw = segment j of q/k/v in the qkv Linear output [B·N, 3C] (columns which·C + j·s + [0, s)).
// DW_j is k×k (3, 5, 7), stride 1, zero pad k/2, no bias. A segment off (mask bit clear) writes 0.
// One workgroup per (tile of TT tokens, which·4 + j, image): the tile's depthwise outputs sit in
// workgroup memory for the pointwise product. Weights (packed, see src/ops/gma/gpu.ts):
// sc [s], sh [s], then per segment j ≥ 1 at offset off_j: DW [s, k²], PW [s, s], bias [s].
struct Params { N: u32, H: u32, W: u32, C: u32, s: u32, mask: u32, off1: u32, off2: u32, off3: u32 }
@group(0) @binding(0) var<storage, read> qkv: array<f32>;
@group(0) @binding(1) var<storage, read> wts: array<f32>;
@group(0) @binding(2) var<storage, read_write> A: array<f32>;
@group(0) @binding(3) var<uniform> P: Params;

const TT: u32 = {{TT}}u;
var<workgroup> d: array<f32, {{TTS}}>;

fn hswish(v: f32) -> f32 { return v * clamp(v + 3.0, 0.0, 6.0) / 6.0; }

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let which = wg.y / 4u;
  let seg = wg.y % 4u;
  let b = wg.z;
  let t0 = wg.x * TT;
  let s = P.s;
  let n = TT * s;
  let cp = 4u * s;
  let ld = 3u * P.C;
  let arow = (b * 3u + which) * P.N;
  let col0 = which * P.C + seg * s;
  if (((P.mask >> seg) & 1u) == 0u) {
    for (var l = lid.x; l < n; l += 256u) {
      let t = t0 + l / s;
      if (t < P.N) { A[(arow + t) * cp + seg * s + l % s] = 0.0; }
    }
    return;
  }
  if (seg == 0u) {
    for (var l = lid.x; l < n; l += 256u) {
      let t = t0 + l / s;
      let c = l % s;
      if (t < P.N) { A[(arow + t) * cp + c] = hswish(fma(qkv[(b * P.N + t) * ld + col0 + c], wts[c], wts[s + c])); }
    }
    return;
  }
  let K = 2u * seg + 1u;
  let pad = i32(seg);
  var dw0 = P.off1;
  if (seg == 2u) { dw0 = P.off2; }
  if (seg == 3u) { dw0 = P.off3; }
  let pw0 = dw0 + s * K * K;
  let bi0 = pw0 + s * s;
  for (var l = lid.x; l < n; l += 256u) {
    let c = l % s;
    let t = t0 + l / s;
    var acc = 0.0;
    if (t < P.N) {
      let y = i32(t / P.W);
      let x = i32(t % P.W);
      for (var ky = 0u; ky < K; ky++) {
        let iy = y + i32(ky) - pad;
        if (iy < 0 || iy >= i32(P.H)) { continue; }
        for (var kx = 0u; kx < K; kx++) {
          let ix = x + i32(kx) - pad;
          if (ix < 0 || ix >= i32(P.W)) { continue; }
          let tt = b * P.N + u32(iy) * P.W + u32(ix);
          acc = fma(qkv[tt * ld + col0 + c], wts[dw0 + (c * K + ky) * K + kx], acc);
        }
      }
    }
    d[l] = acc;
  }
  workgroupBarrier();
  for (var l = lid.x; l < n; l += 256u) {
    let tt = l / s;
    let o = l % s;
    let t = t0 + tt;
    if (t >= P.N) { continue; }
    var acc = wts[bi0 + o];
    for (var c = 0u; c < s; c++) { acc = fma(d[tt * s + c], wts[pw0 + o * s + c], acc); }
    A[(arow + t) * cp + seg * s + o] = hswish(acc);
  }
}
