// 1×1 convolution on channel-first maps, a batch of images along workgroup z:
//   y[b, Co, P] = act(W[Co, Ci] · x[b, Ci, P] + bias[Co]) (+ res[b, Co, P] when has_res)
// (P = pixels; conv weight [Co, Ci, 1, 1] is W row-major). act: 0 none, 1 exact (erf) GELU (FAT's
// ConvFFN fc1); res is the residual stream a backbone adds here instead of in a separate pass.
// A GEMM with the activation in [K, N] layout, so no transposes are needed around it; the tiling is
// lib/gemm.wgsl's, pixels along n (contiguous in a channel plane).
struct Params { Co: u32, P: u32, Ci: u32, act: u32, has_res: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read> res: array<f32>;
@group(0) @binding(5) var<uniform> U: Params;

//#include lib/gemm.wgsl
const MM_WY: u32 = 16u; // 64-row tiles
//#include lib/gelu.wgsl

var<private> xo: u32;
var<private> yo: u32;

const MM_B_ALONG_N = true;
fn mm_readA(co: u32, k: u32) -> f32 { return w[co * U.Ci + k]; }
fn mm_readB(k: u32, p: u32) -> f32 { return x[xo + k * U.P + p]; }
fn mm_write(co: u32, p: u32, s: f32) {
  let idx = yo + co * U.P + p;
  var v = s + b[co];
  if (U.act == 1u) { v = gelu(v); }
  if (U.has_res != 0u) { v += res[idx]; }
  y[idx] = v;
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  xo = wg.z * U.Ci * U.P;
  yo = wg.z * U.Co * U.P;
  mm_tile(wg.y * MM_TM, wg.x * MM_TN, lid, U.Co, U.P, U.Ci, 0u, mm_steps(U.Ci));
}
