// Depthwise k×k conv (any stride, zero padding, optional bias) on tokens [B, Hin·Win, C] →
// [B, Ho·Wo, C]: the first half of GroupMixFormer's PatchEmbedLayer (SeparableConv2d).
// in_act = 1 applies Hardswish to the input on load (the conv stem's last activation, fused here;
// hswish(0) = 0, so the zero padding is unchanged). One thread per (output pixel, channel),
// channels fastest; z = image.
struct Params { Hin: u32, Win: u32, Ho: u32, Wo: u32, C: u32, K: u32, stride: u32, pad: u32, has_bias: u32, in_act: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>; // [C, 1, K, K]
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> P: Params;

fn hswish(v: f32) -> f32 { return v * clamp(v + 3.0, 0.0, 6.0) / 6.0; }

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let idx = (wg.y * nwg.x + wg.x) * 256u + lid.x;
  let L = P.Ho * P.Wo;
  if (idx >= L * P.C) { return; }
  let img = wg.z;
  let c = idx % P.C;
  let p = idx / P.C;
  let oy = i32(p / P.Wo);
  let ox = i32(p % P.Wo);
  let K = i32(P.K);
  var s = 0.0;
  if (P.has_bias != 0u) { s = b[c]; }
  for (var ky = 0; ky < K; ky++) {
    let iy = oy * i32(P.stride) + ky - i32(P.pad);
    if (iy < 0 || iy >= i32(P.Hin)) { continue; }
    for (var kx = 0; kx < K; kx++) {
      let ix = ox * i32(P.stride) + kx - i32(P.pad);
      if (ix < 0 || ix >= i32(P.Win)) { continue; }
      var v = x[(img * P.Hin * P.Win + u32(iy) * P.Win + u32(ix)) * P.C + c];
      if (P.in_act != 0u) { v = hswish(v); }
      s = fma(v, w[c * P.K * P.K + u32(ky * K + kx)], s);
    }
  }
  y[(img * L + p) * P.C + c] = s;
}
