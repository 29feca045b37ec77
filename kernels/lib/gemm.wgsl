// The one tiled GEMM of the kernels that multiply matrices (linear, conv2d_gemm, gemm_splitk,
// conv1x1, fat_conv, vicinity_stats, vicinity_apply): out[m, n] = Σ_k A[m, k]·B[k, n] over K
// steps [t0, t1) of 16.
// 64×64 output tile per workgroup of 16×16 threads, each computing a 4×4 micro-tile; K in steps of
// 16 through workgroup memory, so every loaded value is reused 4× from registers. One fma per k in
// ascending k, zero-padded K slices: every includer sums in the same order (bit-identical results).
// The including kernel supplies the operands and the epilogue, as tfjs's matmul programs do:
//   fn mm_readA(m: u32, k: u32) -> f32        A[m, k]; called only for m < M, k < K (fused prologue)
//   fn mm_readB(k: u32, n: u32) -> f32        B[k, n]; called only for k < K, n < N
//   fn mm_write(m: u32, n: u32, v: f32)       v = the sum; called only for m < M, n < N (epilogue)
//   const MM_B_ALONG_N: bool                  how B's tile is fetched: consecutive threads along n
//                                             (B stored [K, N], e.g. channel planes) or along k
//                                             (B stored [N, K], e.g. a torch Linear weight)
// and calls mm_tile(row0, col0, lid, M, N, K, t0, t1) from uniform control flow (it has barriers).
const MM_TM: u32 = 64u;
const MM_TN: u32 = 64u;
const MM_TK: u32 = 16u;
var<workgroup> mm_as: array<f32, 1024>; // [k][m]
var<workgroup> mm_bs: array<f32, 1024>; // [k][n]

/** K steps of 16 of a K-long product. */
fn mm_steps(K: u32) -> u32 { return (K + MM_TK - 1u) / MM_TK; }

fn mm_tile(row0: u32, col0: u32, lid: vec3<u32>, M: u32, N: u32, K: u32, t0: u32, t1: u32) {
  let tid = lid.y * 16u + lid.x;
  var acc: array<f32, 16>;
  for (var i = 0u; i < 16u; i++) { acc[i] = 0.0; }
  for (var t = t0; t < t1; t++) {
    let k0 = t * MM_TK;
    // 256 threads load 1024 values of each tile: 4 each.
    for (var l = 0u; l < 4u; l++) {
      let e = tid + l * 256u;
      let ak = e % MM_TK;
      let am = e / MM_TK;
      var av = 0.0;
      if (row0 + am < M && k0 + ak < K) { av = mm_readA(row0 + am, k0 + ak); }
      mm_as[ak * MM_TM + am] = av;
      var bk = e % MM_TK;
      var bn = e / MM_TK;
      if (MM_B_ALONG_N) {
        bk = e / MM_TN;
        bn = e % MM_TN;
      }
      var bv = 0.0;
      if (col0 + bn < N && k0 + bk < K) { bv = mm_readB(k0 + bk, col0 + bn); }
      mm_bs[bk * MM_TN + bn] = bv;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < MM_TK; kk++) {
      var a: array<f32, 4>;
      var c: array<f32, 4>;
      for (var i = 0u; i < 4u; i++) {
        a[i] = mm_as[kk * MM_TM + lid.y * 4u + i];
        c[i] = mm_bs[kk * MM_TN + lid.x * 4u + i];
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
      let c = col0 + lid.x * 4u + j;
      if (c >= N) { continue; }
      mm_write(r, c, acc[i * 4u + j]);
    }
  }
}
