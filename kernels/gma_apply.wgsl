// Y[b·N + t, e·CH + m] = scale·Σ_i q'[t, e·CH + i]·M_e[i, m] + q'[t, e·CH + m]·R[t, e·CH + m]
// with R the CRPE depthwise conv of v' (with bias) computed here: heads [0, e1) 3×3, [e1, e2) 5×5,
// [e2, heads) 7×7 (ConvRelPosEnc window {3: 2, 5: 3, 7: 3}), zero pad k/2. Written into columns
// [0, cp) of the [B·N, C] buffer feeding proj. A is [B, 3, N, cp], M [B, heads, CH, CH].
// One workgroup per (tile of TOK tokens, head, image): M_e and the q' tile sit in workgroup memory.
// CRPE weights (packed): 3×3 [e1·CH, 9] at 0, 5×5 at off5, 7×7 at off7, bias [cp] at offb.
struct Params {
  N: u32, H: u32, W: u32, cp: u32,
  C: u32, heads: u32, e1: u32, e2: u32,
  off5: u32, off7: u32, offb: u32, scale: f32,
}
@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> M: array<f32>; // keep-f32: partial sums
@group(0) @binding(2) var<storage, read> wts: array<f32>;
@group(0) @binding(3) var<storage, read_write> Y: array<f32>;
@group(0) @binding(4) var<uniform> P: Params;

const CH: u32 = {{CH}}u;
const TOK: u32 = {{TOK}}u;
var<workgroup> ms: array<f32, {{CHCH}}>;
var<workgroup> qs: array<f32, {{TOKCH}}>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let e = wg.y;
  let b = wg.z;
  let row0 = wg.x * TOK;
  let tid = lid.x;
  let qb = b * 3u * P.N * P.cp;
  let vb = qb + 2u * P.N * P.cp;
  for (var l = tid; l < CH * CH; l += 256u) { ms[l] = M[(b * P.heads + e) * CH * CH + l]; }
  for (var l = tid; l < TOK * CH; l += 256u) {
    let t = row0 + l / CH;
    qs[l] = select(0.0, A[qb + t * P.cp + e * CH + l % CH], t < P.N);
  }
  workgroupBarrier();
  var K = 3u;
  var w0 = e * CH * 9u;
  if (e >= P.e2) {
    K = 7u;
    w0 = P.off7 + (e - P.e2) * CH * 49u;
  } else if (e >= P.e1) {
    K = 5u;
    w0 = P.off5 + (e - P.e1) * CH * 25u;
  }
  let pad = i32(K / 2u);
  for (var l = tid; l < TOK * CH; l += 256u) {
    let tt = l / CH;
    let m = l % CH;
    let t = row0 + tt;
    if (t >= P.N) { continue; }
    var a = 0.0;
    for (var i = 0u; i < CH; i++) { a = fma(qs[tt * CH + i], ms[i * CH + m], a); }
    let col = e * CH + m;
    var r = wts[P.offb + col];
    let y = i32(t / P.W);
    let x = i32(t % P.W);
    let wb = w0 + m * K * K;
    for (var ky = 0u; ky < K; ky++) {
      let iy = y + i32(ky) - pad;
      if (iy < 0 || iy >= i32(P.H)) { continue; }
      for (var kx = 0u; kx < K; kx++) {
        let ix = x + i32(kx) - pad;
        if (ix < 0 || ix >= i32(P.W)) { continue; }
        r = fma(A[vb + (u32(iy) * P.W + u32(ix)) * P.cp + col], wts[wb + ky * K + kx], r);
      }
    }
    Y[(b * P.N + t) * P.C + col] = fma(P.scale, a, qs[l] * r);
  }
}
