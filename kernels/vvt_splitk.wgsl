// Split-K GEMM for the small-M products of VVT's late stages at small batch (7×7 grids: 49 rows
// against K up to 2880), which one 64×64 tile per workgroup runs as a few long serial K loops:
//   part[z, m, n] = Σ_{k in split z} x̂[m, k]·w[n, k]
// x̂ = x [M, K] (a Linear), or the conv patch gathered on the fly as in vig_conv.wgsl (conv = 1:
// m = (image, oy, ox), k = (ci, ky, kx), x channel-first or tokens). vvt_splitk_reduce.wgsl adds the
// splits and the bias. Tiling as linear.wgsl: 64×64 tile, 16×16 threads with 4×4 micro-tiles,
// K in steps of 16 through workgroup memory; split z takes k-steps [z·kper, (z+1)·kper).
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

const TM: u32 = 64u;
const TN: u32 = 64u;
const TK: u32 = 16u;
var<workgroup> xs: array<f32, 1024>; // [k][m]
var<workgroup> ws: array<f32, 1024>; // [k][n]

fn load_x(m: u32, k: u32) -> f32 {
  if (P.conv == 0u) { return x[m * P.K + k]; }
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
  let row0 = wg.y * TM;
  let col0 = wg.x * TN;
  let tid = lid.y * 16u + lid.x;
  var acc: array<f32, 16>;
  for (var i = 0u; i < 16u; i++) { acc[i] = 0.0; }
  let nk = (P.K + TK - 1u) / TK;
  let t0 = wg.z * P.kper;
  let t1 = min(t0 + P.kper, nk);
  for (var t = t0; t < t1; t++) {
    let k0 = t * TK;
    for (var l = 0u; l < 4u; l++) {
      let e = tid + l * 256u;
      let kk = e % TK;
      let mm = e / TK;
      let gr = row0 + mm;
      let gk = k0 + kk;
      var xv = 0.0;
      if (gr < P.M && gk < P.K) { xv = load_x(gr, gk); }
      xs[kk * TM + mm] = xv;
      let gc = col0 + mm;
      var wv = 0.0;
      if (gc < P.N && gk < P.K) { wv = w[gc * P.K + gk]; }
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
  let base = wg.z * P.M * P.N;
  for (var i = 0u; i < 4u; i++) {
    let r = row0 + lid.y * 4u + i;
    if (r >= P.M) { continue; }
    for (var j = 0u; j < 4u; j++) {
      let cidx = col0 + lid.x * 4u + j;
      if (cidx >= P.N) { continue; }
      part[base + r * P.N + cidx] = acc[i * 4u + j];
    }
  }
}
