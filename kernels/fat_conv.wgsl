// FAT stem: dense conv2d (groups 1, zero padding, any kernel/stride) + bias (+ ReLU when relu = 1)
// on channel-first maps [B, Cin, H, W] → [B, Cout, Ho, Wo], as an implicit GEMM per image (z):
// y[co, p] = Σ_k w[co, k] · x̂[k, p], k = (ci, ky, kx) (torch's weight [Cout, Cin, kh, kw] is
// w[Cout, K] row-major), x̂ gathered on the fly. The stem's BatchNorms are folded into w and b on the
// host. Same 64×64 tile / 4×4 micro-tile scheme as fasa_conv1x1, pixels along x so the writes of a
// channel plane are contiguous.
struct Params { Cin: u32, H: u32, W: u32, Cout: u32, Ho: u32, Wo: u32, k: u32, stride: u32, pad: u32, relu: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> U: Params;

const TM: u32 = 64u; // output channels per tile
const TN: u32 = 64u; // pixels per tile
const TK: u32 = 16u;
var<workgroup> ws: array<f32, 1024>; // [k][co]
var<workgroup> xs: array<f32, 1024>; // [k][pixel]

fn gather(img: u32, p: u32, k: u32) -> f32 {
  let kk = U.k * U.k;
  let ci = k / kk;
  let r = k % kk;
  let iy = i32((p / U.Wo) * U.stride + r / U.k) - i32(U.pad);
  let ix = i32((p % U.Wo) * U.stride + r % U.k) - i32(U.pad);
  if (iy < 0 || ix < 0 || iy >= i32(U.H) || ix >= i32(U.W)) { return 0.0; }
  return x[((img * U.Cin + ci) * U.H + u32(iy)) * U.W + u32(ix)];
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let P = U.Ho * U.Wo;
  let K = U.Cin * U.k * U.k;
  let co0 = wg.y * TM;
  let p0 = wg.x * TN;
  let img = wg.z;
  let tid = lid.y * 16u + lid.x;
  var acc: array<f32, 16>;
  for (var i = 0u; i < 16u; i++) { acc[i] = 0.0; }
  let nk = (K + TK - 1u) / TK;
  for (var t = 0u; t < nk; t++) {
    let k0 = t * TK;
    for (var l = 0u; l < 4u; l++) {
      let e = tid + l * 256u;
      let wk = e % TK;
      let wm = e / TK;
      var wv = 0.0;
      if (co0 + wm < U.Cout && k0 + wk < K) { wv = w[(co0 + wm) * K + k0 + wk]; }
      ws[wk * TM + wm] = wv;
      let xn = e % TN;
      let xk = e / TN;
      var xv = 0.0;
      if (p0 + xn < P && k0 + xk < K) { xv = gather(img, p0 + xn, k0 + xk); }
      xs[xk * TN + xn] = xv;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      var a: array<f32, 4>;
      var c: array<f32, 4>;
      for (var i = 0u; i < 4u; i++) {
        a[i] = ws[kk * TM + lid.y * 4u + i];
        c[i] = xs[kk * TN + lid.x * 4u + i];
      }
      for (var i = 0u; i < 4u; i++) {
        for (var j = 0u; j < 4u; j++) { acc[i * 4u + j] = fma(a[i], c[j], acc[i * 4u + j]); }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let co = co0 + lid.y * 4u + i;
    if (co >= U.Cout) { continue; }
    for (var j = 0u; j < 4u; j++) {
      let px = p0 + lid.x * 4u + j;
      if (px >= P) { continue; }
      var v = acc[i * 4u + j] + b[co];
      if (U.relu == 1u) { v = max(v, 0.0); }
      y[(img * U.Cout + co) * P + px] = v;
    }
  }
}
