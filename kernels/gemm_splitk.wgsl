// Split-K GEMM for products with few output tiles against a long K (small-M Linears and convs of
// late stages at small batch: 49 rows against K up to 3072), which one 64×64 tile per workgroup
// runs as a few long serial K loops:
//   part[z, m, n] = Σ_{k in split z} x̂[m, k]·w[n, k]
// x̂ = x [M, K] (a Linear), or the conv patch gathered on the fly (conv = 1, lib/im2col.wgsl).
// gemm_splitk_reduce.wgsl (or a row kernel) adds the splits and the bias. The tiling is
// lib/gemm.wgsl's; split z takes K steps [z·kper, (z+1)·kper).
struct Params {
  M: u32, N: u32, K: u32, kper: u32,
  conv: u32, Cin: u32, H: u32, W: u32,
  Ho: u32, Wo: u32, kh: u32, kw: u32,
  sh: u32, sw: u32, ph: u32, pw: u32,
  channel_first: u32, _p0: u32, _p1: u32, _p2: u32,
}
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> part: array<f32>; // keep-f32: partial sums
@group(0) @binding(3) var<uniform> P: Params;

//#include lib/gemm.wgsl
const MM_WY: u32 = 16u; // 64-row tiles
//#include lib/im2col.wgsl

var<private> part_base: u32;

const MM_B_ALONG_N = false;
fn mm_readA(m: u32, k: u32) -> f32 {
  if (P.conv == 0u) { return x[m * P.K + k]; }
  return im2col(m, k);
}
fn mm_readB(k: u32, n: u32) -> f32 { return w[n * P.K + k]; }
fn mm_write(m: u32, n: u32, s: f32) { part[part_base + m * P.N + n] = s; }

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  part_base = wg.z * P.M * P.N;
  let t0 = wg.z * P.kper;
  mm_tile(wg.y * MM_TM, wg.x * MM_TN, lid, P.M, P.N, P.K, t0, min(t0 + P.kper, mm_steps(P.K)));
}
