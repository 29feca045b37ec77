// y[M, N] = act(x[M, K] · W[N, K]ᵀ + b[N])   (torch.nn.Linear layout), for products with enough
// 128-row tiles to fill the GPU. Same arithmetic as linear.wgsl — one fma per k in ascending k,
// zero-padded K slices, bias added last — so its outputs are bit-identical; what changes is the
// cost per fma: each of the 256 threads computes 8×RN outputs from vec4 reads of workgroup memory
// (4 reads per 64 fma at RN = 8) where linear.wgsl's compute 4×4.
// Tile: TM = 128 rows × TN = 16·RN columns, K in slices of 8. A thread owns rows ty·4 + {0, 64} + i
// and columns tx·4 + {0, 64} + j (4×4 blocks 64 apart), so a warp's vec4 reads of workgroup memory
// hit consecutive addresses (no bank conflicts). The slices alternate between two buffers of
// workgroup memory, so one barrier per slice suffices: a thread storing slice t + 1 writes the
// buffer nobody reads during slice t, and the next slice's global reads are issued into registers
// before slice t is multiplied. (Against one buffer and two barriers: up to 17 % less time on
// LITv2/ViG batch-32 shapes on an H100 and an H200; slices of 16 or 32 were slower. Adding
// linear.wgsl's Hardswish and in-place residual to this epilogue made the RN = 8 kernel 7-18×
// slower on an H100 — the accumulators no longer stay in registers — so those stay on linear.wgsl:
// BENCHMARKS.md 2026-12-06, third section.)
// Needs K % 4 == 0 and N % 4 == 0 (vec4 rows).
// act: 0 none, 2 exact (erf) GELU (the folded-BatchNorm DTM tail).
struct Params { M: u32, N: u32, K: u32, has_bias: u32, act: u32 }
@group(0) @binding(0) var<storage, read> x: array<vec4<f32>>;       // [M, K/4]
@group(0) @binding(1) var<storage, read> w: array<vec4<f32>>;       // [N, K/4]
@group(0) @binding(2) var<storage, read> b: array<f32>;             // [N]
@group(0) @binding(3) var<storage, read_write> y: array<vec4<f32>>; // [M, N/4]
@group(0) @binding(4) var<uniform> P: Params;

const RN: u32 = {{RN}}u;   // columns per thread: 4 or 8
const VN: u32 = RN / 4u;   // 4-column blocks per thread
const TM: u32 = 128u;
const TN: u32 = 16u * RN;
const TK: u32 = 8u;
var<workgroup> xs: array<vec4<f32>, 512>;     // [buffer][k][m/4], 2 × TK × TM/4
var<workgroup> ws: array<vec4<f32>, 512>;     // [buffer][k][n/4], 2 × TK × TN/4 (half used at RN = 4)

//#include lib/gelu.wgsl

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row0 = wg.y * TM;
  let col0 = wg.x * TN;
  let tid = lid.y * 16u + lid.x;
  let K4 = P.K / 4u;
  // global → registers: thread tid brings 4 consecutive k of one x row and (tid < TN·2) of one W row
  let lr = tid / 2u;
  let lq = tid % 2u;
  let xr = row0 + lr;
  let wr = col0 + lr;
  let loadW = tid < TN * 2u;
  var acc: array<vec4<f32>, 2u * 4u * VN>; // [u·4 + i][v]: row block u, row i, column block v
  for (var i = 0u; i < 8u * VN; i++) { acc[i] = vec4<f32>(0.0); }
  let nk = (P.K + TK - 1u) / TK;
  var xv = vec4<f32>(0.0);
  var wv = vec4<f32>(0.0);
  if (xr < P.M && lq < K4) { xv = x[xr * K4 + lq]; }
  if (loadW && wr < P.N && lq < K4) { wv = w[wr * K4 + lq]; }
  for (var t = 0u; t < nk; t++) {
    let sb = (t % 2u) * 256u;
    // registers → workgroup memory, transposed to [k][row]
    for (var c = 0u; c < 4u; c++) {
      xs[sb + (lq * 4u + c) * (TM / 4u) + lr / 4u][lr % 4u] = xv[c];
      if (loadW) { ws[sb + (lq * 4u + c) * (TN / 4u) + lr / 4u][lr % 4u] = wv[c]; }
    }
    workgroupBarrier();
    // the next slice's reads, in flight while this one is multiplied
    let kq = (t + 1u) * 2u + lq;
    xv = vec4<f32>(0.0);
    wv = vec4<f32>(0.0);
    if (t + 1u < nk) {
      if (xr < P.M && kq < K4) { xv = x[xr * K4 + kq]; }
      if (loadW && wr < P.N && kq < K4) { wv = w[wr * K4 + kq]; }
    }
    for (var kk = 0u; kk < TK; kk++) {
      let a0 = xs[sb + kk * (TM / 4u) + lid.y];
      let a1 = xs[sb + kk * (TM / 4u) + lid.y + 16u];
      var bv: array<vec4<f32>, VN>;
      for (var v = 0u; v < VN; v++) { bv[v] = ws[sb + kk * (TN / 4u) + lid.x + v * 16u]; }
      for (var i = 0u; i < 4u; i++) {
        for (var v = 0u; v < VN; v++) {
          acc[i * VN + v] = fma(vec4<f32>(a0[i]), bv[v], acc[i * VN + v]);
          acc[(4u + i) * VN + v] = fma(vec4<f32>(a1[i]), bv[v], acc[(4u + i) * VN + v]);
        }
      }
    }
  }
  let N4 = P.N / 4u;
  for (var u = 0u; u < 2u; u++) {
    for (var i = 0u; i < 4u; i++) {
      let r = row0 + u * 64u + lid.y * 4u + i;
      if (r >= P.M) { continue; }
      for (var v = 0u; v < VN; v++) {
        let c = col0 + v * 64u + lid.x * 4u;
        if (c >= P.N) { continue; }
        var o = acc[(u * 4u + i) * VN + v];
        if (P.has_bias != 0u) { o += vec4<f32>(b[c], b[c + 1u], b[c + 2u], b[c + 3u]); }
        if (P.act == 2u) { o = vec4<f32>(gelu(o.x), gelu(o.y), gelu(o.z), gelu(o.w)); }
        y[r * N4 + c / 4u] = o;
      }
    }
  }
}
