// ViG local branch: depthwise 3×3 conv (padding 1, no bias) + optional SiLU (use_act_in_conv).
// x is tokens [L, C] (ViG) or channel-first [C, L] (ViG-H); loc is always tokens [L, C] because
// every projection after it reads token rows. One thread per (channel, token); z = image of a batch
// (images [B, L, C] / [B, C, L] back to back).
struct Params { H: u32, W: u32, C: u32, channel_first: u32, act: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>; // [C, 1, 3, 3]
@group(0) @binding(2) var<storage, read_write> loc: array<f32>;
@group(0) @binding(3) var<uniform> P: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  let t = gid.y;
  if (c >= P.C) { return; }
  let L = P.H * P.W;
  let img = gid.z * L * P.C;
  let row = i32(t / P.W);
  let col = i32(t % P.W);
  var s = 0.0;
  for (var ky = 0; ky < 3; ky++) {
    let iy = row + ky - 1;
    if (iy < 0 || iy >= i32(P.H)) { continue; }
    for (var kx = 0; kx < 3; kx++) {
      let ix = col + kx - 1;
      if (ix < 0 || ix >= i32(P.W)) { continue; }
      let it = u32(iy) * P.W + u32(ix);
      let xi = img + select(it * P.C + c, c * L + it, P.channel_first != 0u);
      s = fma(x[xi], w[c * 9u + u32(ky * 3 + kx)], s);
    }
  }
  if (P.act != 0u) { s = s / (1.0 + exp(-s)); }
  loc[img + t * P.C + c] = s;
}
