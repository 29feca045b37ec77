// GMA's output, one launch after gma_mix: out[b·N + t, n] = Σ_k Y[t, k]·projW[n, k] + projB[n]
// (+ out when `accumulate`: a backbone's residual add), with Y[t, :] the concatenation of
//   columns e·CH + m < cp: scale·Σ_i q'[t, e·CH + i]·M_e[i, m] + q'[t, e·CH + m]·R[t, e·CH + m]
//   columns cp + o:        Agg_0's Z[b·N + t, o] (written by gma_mix after A)
// R = the CRPE depthwise conv of v' (with bias): heads [0, e1) 3×3, [e1, e2) 5×5, [e2, heads) 7×7
// (ConvRelPosEnc window {3: 2, 5: 3, 7: 3}), zero pad k/2. A is [B, 3, N, cp] (q', k', v').
// One workgroup per (64 output columns, 64 tokens, image), 16×16 threads. Phase 1, HG heads at a
// time: combine gma_mix's chunk partials into their M_e in workgroup memory (per channel i:
// g_i = max_c mx_ci and S_i = Σ_c sum_ci·exp(mx_ci − g_i), each over the chunks split between lanes
// of threads and then the lanes combined; M_e[i, m] = Σ_c part_c[i, m]·exp(mx_ci − g_i) / S_i, one
// thread per entry), then write the tile's Y columns of those heads into this column tile's own
// copy Yc[wg.x] ([ncol, B·N, cp]: the copies keep workgroups of one token tile from sharing rows).
// Phase 2: the proj product on lib/gemm.wgsl, reading Y from that copy and Z. The (0, 0, b)
// workgroups also write stats [B, cp, 2] = (g, S) per channel, for the maps.
// CRPE weights (packed): 3×3 [e1·CH, 9] at 0, 5×5 at off5, 7×7 at off7, bias [cp] at offb.
struct Params {
  N: u32, H: u32, W: u32, cp: u32,
  C: u32, heads: u32, e1: u32, e2: u32,
  off5: u32, off7: u32, offb: u32, scale: f32,
  nchunks: u32, BN: u32, zoff: u32, has_bias: u32,
  accumulate: u32,
}
@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> part: array<f32>; // keep-f32: partial sums
@group(0) @binding(2) var<storage, read> crpe: array<f32>;
@group(0) @binding(3) var<storage, read_write> Yc: array<f32>;
@group(0) @binding(4) var<storage, read_write> stats: array<f32>; // keep-f32: partial sums
@group(0) @binding(5) var<storage, read> projW: array<f32>;
@group(0) @binding(6) var<storage, read> projB: array<f32>;
@group(0) @binding(7) var<storage, read_write> out: array<f32>;
@group(0) @binding(8) var<uniform> P: Params;

//#include lib/gemm.wgsl

const CH: u32 = {{CH}}u;
const HG: u32 = {{HG}}u;
var<workgroup> ms: array<f32, {{HGCHCH}}>;
var<workgroup> gs: array<f32, {{HGCH}}>;
var<workgroup> ss: array<f32, {{HGCH}}>;
var<workgroup> red: array<f32, 256>;
// the image and this workgroup's Y copy, for the GEMM hooks
var<private> img: u32;
var<private> ycopy: u32;

const MM_B_ALONG_N = false;
fn mm_readA(m: u32, k: u32) -> f32 {
  let row = img * P.N + m;
  if (k < P.cp) { return Yc[(ycopy * P.BN + row) * P.cp + k]; }
  return A[P.zoff + row * (P.C - P.cp) + k - P.cp];
}
fn mm_readB(k: u32, n: u32) -> f32 { return projW[n * P.C + k]; }
fn mm_write(m: u32, n: u32, s: f32) {
  var v = s;
  if (P.has_bias != 0u) { v += projB[n]; }
  let o = (img * P.N + m) * P.C + n;
  if (P.accumulate != 0u) { v += out[o]; }
  out[o] = v;
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let b = wg.z;
  img = b;
  ycopy = wg.x;
  let row0 = wg.y * MM_TM;
  let tid = lid.y * 16u + lid.x;
  let qb = b * 3u * P.N * P.cp;
  let vb = qb + 2u * P.N * P.cp;
  let stride = CH * CH + 2u * CH;
  let nc = P.nchunks;
  for (var e0 = 0u; e0 < P.heads; e0 += HG) {
    let ng = min(HG, P.heads - e0);
    let items = ng * CH;
    let lanes = max(1u, 256u / items);
    // partials of head e0 + (j / CH), channel j % CH, chunk c
    let pb = (b * nc * P.heads + e0) * stride;
    for (var l = tid; l < items * lanes; l += 256u) {
      let j = l % items;
      let st = pb + (j / CH) * stride + CH * CH + j % CH;
      var g = -3.0e38;
      for (var c = l / items; c < nc; c += lanes) { g = max(g, part[st + c * P.heads * stride]); }
      red[l] = g;
    }
    workgroupBarrier();
    for (var j = tid; j < items; j += 256u) {
      var g = red[j];
      for (var ln = 1u; ln < lanes; ln++) { g = max(g, red[ln * items + j]); }
      gs[j] = g;
    }
    workgroupBarrier();
    for (var l = tid; l < items * lanes; l += 256u) {
      let j = l % items;
      let st = pb + (j / CH) * stride + CH * CH + j % CH;
      var sm = 0.0;
      for (var c = l / items; c < nc; c += lanes) {
        let o = st + c * P.heads * stride;
        sm = fma(part[o + CH], exp(part[o] - gs[j]), sm);
      }
      red[l] = sm;
    }
    workgroupBarrier();
    for (var j = tid; j < items; j += 256u) {
      var sm = red[j];
      for (var ln = 1u; ln < lanes; ln++) { sm += red[ln * items + j]; }
      ss[j] = sm;
      if (wg.x == 0u && wg.y == 0u) {
        let col = b * P.cp + e0 * CH + j;
        stats[2u * col] = gs[j];
        stats[2u * col + 1u] = sm;
      }
    }
    workgroupBarrier();
    for (var o = tid; o < ng * CH * CH; o += 256u) {
      let h = o / (CH * CH);
      let r = o % (CH * CH);
      let j = h * CH + r / CH;
      let st = pb + h * stride;
      var acc = 0.0;
      for (var c = 0u; c < nc; c++) {
        let cb = st + c * P.heads * stride;
        acc = fma(part[cb + r], exp(part[cb + CH * CH + j % CH] - gs[j]), acc);
      }
      ms[o] = acc / ss[j];
    }
    workgroupBarrier();
    for (var l = tid; l < MM_TM * ng * CH; l += 256u) {
      let t = row0 + l / (ng * CH);
      let h = (l % (ng * CH)) / CH;
      let m = l % CH;
      let e = e0 + h;
      if (t >= P.N) { continue; }
      var K = 3u;
      var w0 = e * CH * 9u;
      if (e >= P.e2) {
        K = 7u;
        w0 = P.off7 + (e - P.e2) * CH * 49u;
      } else if (e >= P.e1) {
        K = 5u;
        w0 = P.off5 + (e - P.e1) * CH * 25u;
      }
      let pad = i32(K / 2u);
      let q0 = qb + t * P.cp + e * CH;
      var a = 0.0;
      for (var i = 0u; i < CH; i++) { a = fma(A[q0 + i], ms[(h * CH + i) * CH + m], a); }
      let col = e * CH + m;
      var r = crpe[P.offb + col];
      let y = i32(t / P.W);
      let x = i32(t % P.W);
      let wb = w0 + m * K * K;
      for (var ky = 0u; ky < K; ky++) {
        let iy = y + i32(ky) - pad;
        if (iy < 0 || iy >= i32(P.H)) { continue; }
        for (var kx = 0u; kx < K; kx++) {
          let ix = x + i32(kx) - pad;
          if (ix < 0 || ix >= i32(P.W)) { continue; }
          r = fma(A[vb + (u32(iy) * P.W + u32(ix)) * P.cp + col], crpe[wb + ky * K + kx], r);
        }
      }
      Yc[(ycopy * P.BN + b * P.N + t) * P.cp + col] = fma(P.scale, a, A[q0 + m] * r);
    }
    workgroupBarrier();
  }
  storageBarrier();
  mm_tile(row0, wg.x * MM_TN, lid, P.N, P.C, P.C, 0u, mm_steps(P.C));
}
