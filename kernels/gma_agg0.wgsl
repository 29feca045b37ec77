// Non-attention branch (Agg_0): Y[b·N + t, 4s + o] = hswish(LN(Σ_c DW([q4|k4|v4])[t, c]·PW[o, c]))
// with DW a 3×3 depthwise conv (pad 1, no bias) over the 3s channels [q seg 4 | k seg 4 | v seg 4]
// of the qkv Linear output [B·N, 3C], PW [s, 3s] (no bias), LayerNorm over s (eps 1e-5, affine).
// Writes zeros when the branch is off. One workgroup per (tile of TT tokens, image).
// Weights (packed): DW [3s, 9], PW [s, 3s], gamma [s], beta [s].
struct Params { N: u32, H: u32, W: u32, C: u32, s: u32, on: u32 }
@group(0) @binding(0) var<storage, read> qkv: array<f32>;
@group(0) @binding(1) var<storage, read> wts: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;
@group(0) @binding(3) var<uniform> P: Params;

const TT: u32 = {{TT}}u;
var<workgroup> d: array<f32, {{TT3S}}>;
var<workgroup> pv: array<f32, {{TTS}}>;

fn hswish(v: f32) -> f32 { return v * clamp(v + 3.0, 0.0, 6.0) / 6.0; }

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let b = wg.y;
  let t0 = wg.x * TT;
  let s = P.s;
  let s3 = 3u * s;
  let cp = 4u * s;
  let ld = 3u * P.C;
  if (P.on == 0u) {
    for (var l = lid.x; l < TT * s; l += 256u) {
      let t = t0 + l / s;
      if (t < P.N) { Y[(b * P.N + t) * P.C + cp + l % s] = 0.0; }
    }
    return;
  }
  for (var l = lid.x; l < TT * s3; l += 256u) {
    let ci = l % s3;
    let t = t0 + l / s3;
    let col = (ci / s) * P.C + cp + ci % s;
    var acc = 0.0;
    if (t < P.N) {
      let y = i32(t / P.W);
      let x = i32(t % P.W);
      for (var ky = 0; ky < 3; ky++) {
        let iy = y + ky - 1;
        if (iy < 0 || iy >= i32(P.H)) { continue; }
        for (var kx = 0; kx < 3; kx++) {
          let ix = x + kx - 1;
          if (ix < 0 || ix >= i32(P.W)) { continue; }
          let tt = b * P.N + u32(iy) * P.W + u32(ix);
          acc = fma(qkv[tt * ld + col], wts[ci * 9u + u32(ky * 3 + kx)], acc);
        }
      }
    }
    d[l] = acc;
  }
  workgroupBarrier();
  let pw0 = 9u * s3;
  for (var l = lid.x; l < TT * s; l += 256u) {
    let tt = l / s;
    let o = l % s;
    var acc = 0.0;
    for (var c = 0u; c < s3; c++) { acc = fma(d[tt * s3 + c], wts[pw0 + o * s3 + c], acc); }
    pv[l] = acc;
  }
  workgroupBarrier();
  let g0 = pw0 + s * s3;
  for (var tt = lid.x; tt < TT; tt += 256u) {
    let t = t0 + tt;
    if (t >= P.N) { continue; }
    var mean = 0.0;
    for (var o = 0u; o < s; o++) { mean += pv[tt * s + o]; }
    mean /= f32(s);
    var vr = 0.0;
    for (var o = 0u; o < s; o++) { let e = pv[tt * s + o] - mean; vr = fma(e, e, vr); }
    let inv = inverseSqrt(vr / f32(s) + 1e-5);
    for (var o = 0u; o < s; o++) {
      Y[(b * P.N + t) * P.C + cp + o] = hswish(fma((pv[tt * s + o] - mean) * inv, wts[g0 + o], wts[g0 + s + o]));
    }
  }
}
