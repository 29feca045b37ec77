// y[M, N] = act(x[M, K] · W[N, K]ᵀ + b[N]) (+ y[M, N] when `accumulate`: the residual stream is
// updated in place, each element by the thread that owns it)   (torch.nn.Linear layout).
// act: 0 none, 1 Hardswish, 2 exact (erf) GELU. The tiling is lib/gemm.wgsl's.
struct Params { M: u32, N: u32, K: u32, has_bias: u32, act: u32, accumulate: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> P: Params;

//#include lib/gemm.wgsl
const MM_WY: u32 = {{WY}}u; // 16: 64-row tiles; 8: 32-row tiles (a small product: src/gpu/gemm.ts's linearRows)
//#include lib/gelu.wgsl

const MM_B_ALONG_N = false;
fn mm_readA(m: u32, k: u32) -> f32 { return x[m * P.K + k]; }
fn mm_readB(k: u32, n: u32) -> f32 { return w[n * P.K + k]; }
fn mm_write(m: u32, n: u32, s: f32) {
  var v = s;
  if (P.has_bias != 0u) { v += b[n]; }
  if (P.act == 1u) { v = v * clamp(v + 3.0, 0.0, 6.0) / 6.0; }
  if (P.act == 2u) { v = gelu(v); }
  let o = m * P.N + n;
  if (P.accumulate != 0u) { v += y[o]; }
  y[o] = v;
}

@compute @workgroup_size(16, MM_WY)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  mm_tile(wg.y * MM_TM, wg.x * MM_TN, lid, P.M, P.N, P.K, 0u, mm_steps(P.K));
}
