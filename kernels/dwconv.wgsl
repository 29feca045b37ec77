// Depthwise k×k conv (stride 1, zero padding `pad`, optional bias) + activation, one thread per
// (channel, pixel); z = image of the batch. act: 0 none, 1 SiLU, 2 exact (erf) GELU.
// x is tokens [B, H·W, C] or, with channel_first, channel planes [B, C, H·W]; y is always tokens
// (the Linears after it read token rows). Users: LITv2's and VVT's DWMlp middle (bias, GELU) and
// ViG's local branch before the GLA projections (no bias, SiLU when use_act_in_conv; ViG-H's
// input is channel-first).
struct Params { H: u32, W: u32, C: u32, k: u32, pad: u32, has_bias: u32, act: u32, channel_first: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>; // [C, 1, k, k]
@group(0) @binding(2) var<storage, read> b: array<f32>; // [C]
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> P: Params;

//#include lib/gelu.wgsl

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  let t = gid.y;
  if (c >= P.C) { return; }
  let L = P.H * P.W;
  let img = gid.z * L * P.C;
  let row = i32(t / P.W);
  let col = i32(t % P.W);
  let k = i32(P.k);
  var s = 0.0;
  if (P.has_bias != 0u) { s = b[c]; }
  for (var ky = 0; ky < k; ky++) {
    let iy = row + ky - i32(P.pad);
    if (iy < 0 || iy >= i32(P.H)) { continue; }
    for (var kx = 0; kx < k; kx++) {
      let ix = col + kx - i32(P.pad);
      if (ix < 0 || ix >= i32(P.W)) { continue; }
      let it = u32(iy) * P.W + u32(ix);
      let xi = img + select(it * P.C + c, c * L + it, P.channel_first != 0u);
      s = fma(x[xi], w[c * P.k * P.k + u32(ky * k + kx)], s);
    }
  }
  if (P.act == 1u) { s = s / (1.0 + exp(-s)); }
  if (P.act == 2u) { s = gelu(s); }
  y[img + t * P.C + c] = s;
}
