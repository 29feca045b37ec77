// FAT stem: dense conv2d (groups 1, zero padding, any kernel/stride) + bias (+ ReLU when relu = 1)
// on channel-first maps [B, Cin, H, W] → [B, Cout, Ho, Wo], as an implicit GEMM per image (z):
// y[co, p] = Σ_k w[co, k] · x̂[k, p], k = (ci, ky, kx) (torch's weight [Cout, Cin, kh, kw] is
// w[Cout, K] row-major), x̂ gathered on the fly (lib/im2col.wgsl, channel_first = 1). The stem's
// BatchNorms are folded into w and b on the host. The tiling is lib/gemm.wgsl's, pixels along n so
// the writes of a channel plane are contiguous.
struct Params {
  Cin: u32, H: u32, W: u32, Ho: u32, Wo: u32, kh: u32, kw: u32, sh: u32,
  sw: u32, ph: u32, pw: u32, channel_first: u32, Cout: u32, relu: u32,
}
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> P: Params;

//#include lib/gemm.wgsl
const MM_WY: u32 = 16u; // 64-row tiles
//#include lib/im2col.wgsl

var<private> img: u32;

const MM_B_ALONG_N = true;
fn mm_readA(co: u32, k: u32) -> f32 { return w[co * P.Cin * P.kh * P.kw + k]; }
fn mm_readB(k: u32, p: u32) -> f32 { return im2col(img * P.Ho * P.Wo + p, k); }
fn mm_write(co: u32, p: u32, s: f32) {
  var v = s + b[co];
  if (P.relu == 1u) { v = max(v, 0.0); }
  y[(img * P.Cout + co) * P.Ho * P.Wo + p] = v;
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  img = wg.z;
  let K = P.Cin * P.kh * P.kw;
  mm_tile(wg.y * MM_TM, wg.x * MM_TN, lid, P.Cout, P.Ho * P.Wo, K, 0u, mm_steps(K));
}
