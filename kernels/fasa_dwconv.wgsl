// Depthwise KS×KS convolution, stride STRIDE, zero padding KS/2, on channel-first maps
// [B, C, H, W] → channels [off, off + C) of [B, OC, Ho, Wo] (OC > C lets a backbone write two
// convs side by side for one following 1×1 conv), plus bias (a following eval BatchNorm is folded
// into w and b on the host), then + the input pixel itself when res = 1 (stride 1: x + conv(x),
// FAT's cpe and ConvFFN), then SiLU when act = 1 (FASA's self-modulated local branch L0·σ(L0)).
// One workgroup = one channel × a T×T output tile of one image (y = image·tiles_y + tile row,
// z = channel); its input patch (with halo) and the channel's kernel are staged in workgroup
// memory so each input is read from global once.
struct Params { C: u32, H: u32, W: u32, Ho: u32, Wo: u32, act: u32, res: u32, tiles_y: u32, OC: u32, off: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> U: Params;

const KS: u32 = {{KS}}u;
const STRIDE: u32 = {{STRIDE}}u;
const T: u32 = {{T}}u;
const IN_T: u32 = {{IN_T}}u; // (T-1)*STRIDE + KS
var<workgroup> tile_in: array<f32, {{IN_T2}}>;
var<workgroup> kern: array<f32, {{KS2}}>;

@compute @workgroup_size({{T}}, {{T}})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let ch = wg.z;
  let img = wg.y / U.tiles_y;
  let oy0 = (wg.y % U.tiles_y) * T;
  let ox0 = wg.x * T;
  let tid = lid.y * T + lid.x;
  let pad = i32(KS / 2u);
  let iy0 = i32(oy0 * STRIDE) - pad;
  let ix0 = i32(ox0 * STRIDE) - pad;
  let plane = (img * U.C + ch) * U.H * U.W;
  for (var e = tid; e < IN_T * IN_T; e += T * T) {
    let iy = iy0 + i32(e / IN_T);
    let ix = ix0 + i32(e % IN_T);
    var v = 0.0;
    if (iy >= 0 && ix >= 0 && u32(iy) < U.H && u32(ix) < U.W) { v = x[plane + u32(iy) * U.W + u32(ix)]; }
    tile_in[e] = v;
  }
  for (var e = tid; e < KS * KS; e += T * T) { kern[e] = w[ch * KS * KS + e]; }
  workgroupBarrier();
  let oy = oy0 + lid.y;
  let ox = ox0 + lid.x;
  if (oy >= U.Ho || ox >= U.Wo) { return; }
  var s = b[ch];
  let py = lid.y * STRIDE;
  let px = lid.x * STRIDE;
  for (var ky = 0u; ky < KS; ky++) {
    for (var kx = 0u; kx < KS; kx++) { s = fma(tile_in[(py + ky) * IN_T + px + kx], kern[ky * KS + kx], s); }
  }
  if (U.res == 1u) { s += tile_in[(py + KS / 2u) * IN_T + px + KS / 2u]; }
  if (U.act == 1u) { s = s / (1.0 + exp(-s)); }
  y[((img * U.OC + U.off + ch) * U.Ho + oy) * U.Wo + ox] = s;
}
