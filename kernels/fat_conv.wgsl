// FAT stem: dense conv2d (groups 1, zero padding, any kernel/stride) + bias (+ ReLU when relu = 1)
// on channel-first maps [B, Cin, H, W] → [B, Cout, Ho, Wo], as an implicit GEMM per image (z):
// y[co, p] = Σ_k w[co, k] · x̂[k, p], k = (ci, ky, kx) (torch's weight [Cout, Cin, kh, kw] is
// w[Cout, K] row-major), x̂ gathered on the fly. The stem's BatchNorms are folded into w and b on the
// host. The tiling is lib/gemm.wgsl's, pixels along n so the writes of a channel plane are contiguous.
struct Params { Cin: u32, H: u32, W: u32, Cout: u32, Ho: u32, Wo: u32, k: u32, stride: u32, pad: u32, relu: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> U: Params;

//#include lib/gemm.wgsl

var<private> img: u32;

const MM_B_ALONG_N = true;
fn mm_readA(co: u32, k: u32) -> f32 { return w[co * U.Cin * U.k * U.k + k]; }
fn mm_readB(k: u32, p: u32) -> f32 {
  let kk = U.k * U.k;
  let ci = k / kk;
  let r = k % kk;
  let iy = i32((p / U.Wo) * U.stride + r / U.k) - i32(U.pad);
  let ix = i32((p % U.Wo) * U.stride + r % U.k) - i32(U.pad);
  if (iy < 0 || ix < 0 || iy >= i32(U.H) || ix >= i32(U.W)) { return 0.0; }
  return x[((img * U.Cin + ci) * U.H + u32(iy)) * U.W + u32(ix)];
}
fn mm_write(co: u32, p: u32, s: f32) {
  var v = s + b[co];
  if (U.relu == 1u) { v = max(v, 0.0); }
  y[(img * U.Cout + co) * U.Ho * U.Wo + p] = v;
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  img = wg.z;
  let K = U.Cin * U.k * U.k;
  mm_tile(wg.y * MM_TM, wg.x * MM_TN, lid, U.Cout, U.Ho * U.Wo, K, 0u, mm_steps(K));
}
