// Dense conv2d (groups 1, zero padding, any kernel/stride) as an implicit GEMM: the patch-embed,
// stem and downsample convs of ViG / ViG-H, LITv2, VVT and GroupMixFormer.
// y[m, n] = Σ_k x̂[m, k] · w[n, k] + b[n], x̂ gathered on the fly (lib/im2col.wgsl); output is
// tokens [B, Ho·Wo, Cout]. The tiling is lib/gemm.wgsl's.
struct Params {
  B: u32, Cin: u32, H: u32, W: u32,
  Cout: u32, Ho: u32, Wo: u32, kh: u32,
  kw: u32, sh: u32, sw: u32, ph: u32,
  pw: u32, channel_first: u32, has_bias: u32, _pad: u32,
}
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> P: Params;

//#include lib/gemm.wgsl
const MM_WY: u32 = {{WY}}u; // 16: 64-row tiles; 8: 32-row tiles (a small product: src/gpu/gemm.ts's linearRows)
//#include lib/im2col.wgsl

const MM_B_ALONG_N = false;
fn mm_readA(m: u32, k: u32) -> f32 { return im2col(m, k); }
fn mm_readB(k: u32, n: u32) -> f32 { return w[n * P.Cin * P.kh * P.kw + k]; }
fn mm_write(m: u32, n: u32, s: f32) {
  var v = s;
  if (P.has_bias != 0u) { v += b[n]; }
  y[m * P.Cout + n] = v;
}

@compute @workgroup_size(16, MM_WY)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let K = P.Cin * P.kh * P.kw;
  mm_tile(wg.y * MM_TM, wg.x * MM_TN, lid, P.B * P.Ho * P.Wo, P.Cout, K, 0u, mm_steps(K));
}
