// out_proj with the module's tail fused into the epilogue:
//   y[m, n] = clampA(v + v·s[m / L, n]),  v = clampA(Σ_k o[m, k]·W[n, k] + b[n])
// (o [B·L, r], W [C, r] torch layout, s the SE gate [B, C]). The tiling is lib/gemm.wgsl's.
struct Params { M: u32, N: u32, K: u32, L: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> s: array<f32>; // keep-f32: partial sums
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<uniform> P: Params;

//#include lib/gemm.wgsl

fn abs_clamp(v: f32) -> f32 { return sign(v) * clamp(abs(v), 1e-4, 1e4); }

const MM_B_ALONG_N = false;
fn mm_readA(m: u32, k: u32) -> f32 { return x[m * P.K + k]; }
fn mm_readB(k: u32, n: u32) -> f32 { return w[n * P.K + k]; }
fn mm_write(m: u32, n: u32, sum: f32) {
  let v = abs_clamp(sum + b[n]);
  y[m * P.N + n] = abs_clamp(v + v * s[(m / P.L) * P.N + n]);
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  mm_tile(wg.y * MM_TM, wg.x * MM_TN, lid, P.M, P.N, P.K, 0u, mm_steps(P.K));
}
