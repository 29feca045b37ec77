// LITv2 DTM: the deformable im2col of DCNv1 (mm_modules/DCN deform_2d_im2col, one deformable
// group), exactly as src/models/litv2/dcn.ts. Tap (i, j) of output (oy, ox) samples
//   py = oy·s − p + i + Δy,  px = ox·s − p + j + Δx   (Δy, Δx = offset channels 2·tap, 2·tap + 1)
// bilinearly; the sample is 0 unless −1 < py < H and −1 < px < W, and each corner outside the grid
// weighs 0. x: tokens [B, H·W, C]; off: the offset conv's output, tokens [B, Ho·Wo, 2k²];
// cols: [B·Ho·Wo, C·k²] with column c·k² + tap (torch's weight [O, C, k, k] flattened), so the
// deformable conv is then one Linear. One thread per (channel, output position); z = image.
struct Params { H: u32, W: u32, C: u32, Ho: u32, Wo: u32, k: u32, stride: u32, pad: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> off: array<f32>;
@group(0) @binding(2) var<storage, read_write> cols: array<f32>;
@group(0) @binding(3) var<uniform> P: Params;

fn at(img: u32, yy: i32, xx: i32, c: u32) -> f32 {
  return x[(img + u32(yy) * P.W + u32(xx)) * P.C + c];
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  let pos = gid.y;
  if (c >= P.C) { return; }
  let K2 = P.k * P.k;
  let img = gid.z * P.H * P.W;
  let row = gid.z * P.Ho * P.Wo + pos;
  let oy = i32(pos / P.Wo);
  let ox = i32(pos % P.Wo);
  let Hf = f32(P.H);
  let Wf = f32(P.W);
  for (var tap = 0u; tap < K2; tap++) {
    let i = i32(tap / P.k);
    let j = i32(tap % P.k);
    let py = f32(oy * i32(P.stride) - i32(P.pad) + i) + off[row * 2u * K2 + 2u * tap];
    let px = f32(ox * i32(P.stride) - i32(P.pad) + j) + off[row * 2u * K2 + 2u * tap + 1u];
    var v = 0.0;
    if (py > -1.0 && px > -1.0 && py < Hf && px < Wf) {
      let fy = floor(py);
      let fx = floor(px);
      let y0 = i32(fy);
      let x0 = i32(fx);
      let ly = py - fy;
      let lx = px - fx;
      let yIn0 = y0 >= 0;
      let yIn1 = y0 + 1 <= i32(P.H) - 1;
      let xIn0 = x0 >= 0;
      let xIn1 = x0 + 1 <= i32(P.W) - 1;
      if (yIn0 && xIn0) { v += (1.0 - ly) * (1.0 - lx) * at(img, y0, x0, c); }
      if (yIn0 && xIn1) { v += (1.0 - ly) * lx * at(img, y0, x0 + 1, c); }
      if (yIn1 && xIn0) { v += ly * (1.0 - lx) * at(img, y0 + 1, x0, c); }
      if (yIn1 && xIn1) { v += ly * lx * at(img, y0 + 1, x0 + 1, c); }
    }
    cols[(row * P.C + c) * K2 + tap] = v;
  }
}
