// LITv2 DWMlp middle: depthwise k×k conv (stride 1, zero padding `pad`, bias) on the fc1 output
// seen as an H×W grid, then exact (erf) GELU. x and y are tokens [B, H·W, C] (channels last, as
// the Linears read them). One thread per (channel, pixel); z = image of the batch.
struct Params { H: u32, W: u32, C: u32, k: u32, pad: u32 }
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
  let img = gid.z * L;
  let row = i32(t / P.W);
  let col = i32(t % P.W);
  let k = i32(P.k);
  var s = b[c];
  for (var ky = 0; ky < k; ky++) {
    let iy = row + ky - i32(P.pad);
    if (iy < 0 || iy >= i32(P.H)) { continue; }
    for (var kx = 0; kx < k; kx++) {
      let ix = col + kx - i32(P.pad);
      if (ix < 0 || ix >= i32(P.W)) { continue; }
      let it = img + u32(iy) * P.W + u32(ix);
      s = fma(x[it * P.C + c], w[c * P.k * P.k + u32(ky * k + kx)], s);
    }
  }
  y[(img + t) * P.C + c] = gelu(s);
}
