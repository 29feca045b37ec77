// GMA's attention output before the projection, one launch after gma_m, written as the proj
// Linear's input rows Yz[b·N + t, :] = [Y | Z] (C columns):
//   columns e·CH + m < cp: scale·Σ_i q'[t, e·CH + i]·M_e[i, m] + q'[t, e·CH + m]·R[t, e·CH + m]
//   columns cp + o:        Agg_0's Z[b·N + t, o] (written by gma_mix after A), copied
// R = the CRPE depthwise conv of v' (with bias): heads [0, e1) 3×3, [e1, e2) 5×5, [e2, heads) 7×7
// (ConvRelPosEnc window {3: 2, 5: 3, 7: 3}), zero pad k/2. A is [B, 3, N, cp] (q', k', v');
// M_e = softmax_N(k'_e)ᵀ v'_e comes from gma_m. One workgroup per (head e, TY tokens, image): M_e
// into workgroup memory, then its tokens' CH columns of Y; the head-0 workgroups also copy their
// tokens' Z. (With the projection folded in, as gma_out did, every 64-column tile recomputed all of
// Y and every M_e: 169 µs a GroupMixFormer-M block at batch 1 on an H100.)
// CRPE weights (packed): 3×3 [e1·CH, 9] at 0, 5×5 at off5, 7×7 at off7, bias [cp] at offb.
struct Params {
  N: u32, H: u32, W: u32, cp: u32,
  C: u32, heads: u32, e1: u32, e2: u32,
  off5: u32, off7: u32, offb: u32, scale: f32,
  zoff: u32,
}
@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> M: array<f32>;
@group(0) @binding(2) var<storage, read> crpe: array<f32>;
@group(0) @binding(3) var<storage, read_write> Yz: array<f32>;
@group(0) @binding(4) var<uniform> P: Params;

const CH: u32 = {{CH}}u;
const TY: u32 = {{TY}}u;
var<workgroup> ms: array<f32, {{CHCH}}>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let e = wg.x;
  let b = wg.z;
  let row0 = wg.y * TY;
  let qb = b * 3u * P.N * P.cp;
  let vb = qb + 2u * P.N * P.cp;
  let mb = (b * P.heads + e) * CH * CH;
  for (var r = tid; r < CH * CH; r += 256u) { ms[r] = M[mb + r]; }
  workgroupBarrier();
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
  for (var l = tid; l < TY * CH; l += 256u) {
    let t = row0 + l / CH;
    let m = l % CH;
    if (t >= P.N) { continue; }
    let q0 = qb + t * P.cp + e * CH;
    var a = 0.0;
    for (var i = 0u; i < CH; i++) { a = fma(A[q0 + i], ms[i * CH + m], a); }
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
    Yz[(b * P.N + t) * P.C + col] = fma(P.scale, a, A[q0 + m] * r);
  }
  if (e == 0u) {
    let zw = P.C - P.cp;
    for (var l = tid; l < TY * zw; l += 256u) {
      let t = row0 + l / zw;
      if (t >= P.N) { continue; }
      let row = b * P.N + t;
      Yz[row * P.C + P.cp + l % zw] = A[P.zoff + row * zw + l % zw];
    }
  }
}
