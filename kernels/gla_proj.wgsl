// ViG's local branch and every projection from it, one GEMM (lib/gemm.wgsl):
//   loc = depthwise 3×3 conv of x (padding 1, no bias) (+ SiLU when act: use_act_in_conv)
//   proj[m, :] = loc[m, :]·Wᵀ + b,  W = [q | k | v | g_proj | gk_proj.0] stacked (b: g_proj's bias, else 0)
// The A operand is the conv, computed on the fly (9 taps per value); the first column tile, which
// loads every loc value of its rows exactly once, also stores loc [B·L, C] for the l_norm branch.
// x is tokens [B, L, C] (ViG) or channel-first [B, C, L] (ViG-H).
struct Params { M: u32, N: u32, C: u32, H: u32, W: u32, channel_first: u32, act: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> wc: array<f32>; // [C, 1, 3, 3]
@group(0) @binding(2) var<storage, read> w: array<f32>;  // [N, C]
@group(0) @binding(3) var<storage, read> b: array<f32>;  // [N]
@group(0) @binding(4) var<storage, read_write> proj: array<f32>; // [B·L, N]
@group(0) @binding(5) var<storage, read_write> loc: array<f32>;  // [B·L, C]
@group(0) @binding(6) var<uniform> P: Params;

//#include lib/gemm.wgsl

var<private> store_loc: bool;

const MM_B_ALONG_N = false;
fn mm_readA(m: u32, c: u32) -> f32 {
  let L = P.H * P.W;
  let img = (m / L) * L * P.C;
  let t = m % L;
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
      s = fma(x[xi], wc[c * 9u + u32(ky * 3 + kx)], s);
    }
  }
  if (P.act != 0u) { s = s / (1.0 + exp(-s)); }
  if (store_loc) { loc[m * P.C + c] = s; }
  return s;
}
fn mm_readB(k: u32, n: u32) -> f32 { return w[n * P.C + k]; }
fn mm_write(m: u32, n: u32, s: f32) { proj[m * P.N + n] = s + b[n]; }

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  store_loc = wg.x == 0u;
  mm_tile(wg.y * MM_TM, wg.x * MM_TN, lid, P.M, P.N, P.C, 0u, mm_steps(P.C));
}
