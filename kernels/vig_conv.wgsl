// Dense conv2d (groups 1, zero padding, any kernel/stride) as an implicit GEMM: the patch-embed and
// downsample convs of ViG / ViG-H. y[m, n] = Σ_k x̂[m, k] · w[n, k] + b[n] with m = (image, oy, ox),
// k = (ci, ky, kx) (torch's weight [Cout, Cin, kh, kw] is already w[N, K]) and x̂ gathered on the
// fly from x (channel-first [B, Cin, H, W] or tokens [B, H·W, Cin]). Output is tokens
// [B, Ho·Wo, Cout]. Same 64×64 tile / 4×4 micro-tile scheme as linear.wgsl.
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

const TM: u32 = 64u;
const TN: u32 = 64u;
const TK: u32 = 16u;
var<workgroup> xs: array<f32, 1024>; // [k][m]
var<workgroup> ws: array<f32, 1024>; // [k][n]

fn gather(m: u32, k: u32) -> f32 {
  let hw = P.Ho * P.Wo;
  let img = m / hw;
  let p = m % hw;
  let oy = p / P.Wo;
  let ox = p % P.Wo;
  let kk = P.kh * P.kw;
  let ci = k / kk;
  let r = k % kk;
  let iy = i32(oy * P.sh + r / P.kw) - i32(P.ph);
  let ix = i32(ox * P.sw + r % P.kw) - i32(P.pw);
  if (iy < 0 || ix < 0 || iy >= i32(P.H) || ix >= i32(P.W)) { return 0.0; }
  let pix = u32(iy) * P.W + u32(ix);
  if (P.channel_first != 0u) { return x[(img * P.Cin + ci) * P.H * P.W + pix]; }
  return x[(img * P.H * P.W + pix) * P.Cin + ci];
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let M = P.B * P.Ho * P.Wo;
  let N = P.Cout;
  let K = P.Cin * P.kh * P.kw;
  let row0 = wg.y * TM;
  let col0 = wg.x * TN;
  let tid = lid.y * 16u + lid.x;
  var acc: array<f32, 16>;
  for (var i = 0u; i < 16u; i++) { acc[i] = 0.0; }
  let nk = (K + TK - 1u) / TK;
  for (var t = 0u; t < nk; t++) {
    let k0 = t * TK;
    for (var l = 0u; l < 4u; l++) {
      let e = tid + l * 256u;
      let kk = e % TK;
      let mm = e / TK;
      let gr = row0 + mm;
      let gk = k0 + kk;
      var xv = 0.0;
      if (gr < M && gk < K) { xv = gather(gr, gk); }
      xs[kk * TM + mm] = xv;
      let gc = col0 + mm;
      var wv = 0.0;
      if (gc < N && gk < K) { wv = w[gc * K + gk]; }
      ws[kk * TN + mm] = wv;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      var a: array<f32, 4>;
      var c: array<f32, 4>;
      for (var i = 0u; i < 4u; i++) {
        a[i] = xs[kk * TM + lid.y * 4u + i];
        c[i] = ws[kk * TN + lid.x * 4u + i];
      }
      for (var i = 0u; i < 4u; i++) {
        for (var j = 0u; j < 4u; j++) { acc[i * 4u + j] = fma(a[i], c[j], acc[i * 4u + j]); }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let r = row0 + lid.y * 4u + i;
    if (r >= M) { continue; }
    for (var j = 0u; j < 4u; j++) {
      let cidx = col0 + lid.x * 4u + j;
      if (cidx >= N) { continue; }
      var v = acc[i * 4u + j];
      if (P.has_bias != 0u) { v += b[cidx]; }
      y[r * N + cidx] = v;
    }
  }
}
