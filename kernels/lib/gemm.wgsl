// The one tiled GEMM of the kernels that multiply matrices (linear, conv2d_gemm, gemm_splitk,
// conv1x1, fat_conv, vicinity_stats, vicinity_apply): out[m, n] = Σ_k A[m, k]·B[k, n] over K
// steps [t0, t1) of 16.
// (4·MM_WY)×64 output tile per workgroup of 16×MM_WY threads, each computing a 4×4 micro-tile; K in steps of
// 16 through workgroup memory held as vec4s, so each k of the inner loop is two 16-byte reads for
// 16 fmas (with scalar reads, 8 reads, a backbone's batch-1 GPU time was 11-27 % longer on an H100
// and 1.6× on SwiftShader: BENCHMARKS.md 2026-12-06, "The GEMM's tiles as vec4"). Two steps share
// a barrier pair: small-M products are chains of steps, and one pair per step made every backbone's
// batch-1 GPU time 4-8 % longer on an H100 (BENCHMARKS.md 2026-12-06, fourth section). One fma per k in
// ascending k, zero-padded K slices: every includer sums in the same order (bit-identical results).
// The including kernel supplies the operands and the epilogue, as tfjs's matmul programs do:
//   fn mm_readA(m: u32, k: u32) -> f32        A[m, k]; called only for m < M, k < K (fused prologue)
//   fn mm_readB(k: u32, n: u32) -> f32        B[k, n]; called only for k < K, n < N
//   fn mm_write(m: u32, n: u32, v: f32)       v = the sum; called only for m < M, n < N (epilogue)
//   const MM_B_ALONG_N: bool                  how B's tile is fetched: consecutive threads along n
//                                             (B stored [K, N], e.g. channel planes) or along k
//                                             (B stored [N, K], e.g. a torch Linear weight)
//   const MM_WY: u32                          thread rows of the workgroup (16, 8) → 16·MM_WY threads,
//                                             4·MM_WY-row output tiles (32 rows: twice the workgroups
//                                             for a small-M product; each output's sum is unchanged)
// and calls mm_tile(row0, col0, lid, M, N, K, t0, t1) from uniform control flow (it has barriers).
const MM_TM: u32 = 4u * MM_WY;
const MM_BR: u32 = 16u / MM_WY; // B fetches (of 4 values) per thread and K step
const MM_TN: u32 = 64u;
const MM_TK: u32 = 16u;
var<workgroup> mm_as: array<vec4<f32>, 512>; // [step][k][m / 4], two steps
var<workgroup> mm_bs: array<vec4<f32>, 512>; // [step][k][n / 4]

/** K steps of 16 of a K-long product. */
fn mm_steps(K: u32) -> u32 { return (K + MM_TK - 1u) / MM_TK; }

// One K step's share of this thread: 4 consecutive rows of A at one k and MM_BR runs of 4
// consecutive columns of B at one k (zero padded), each stored as one vec4. A is read along k (16 threads cover a 64-byte
// run of a row); B along k or along n as MM_B_ALONG_N says.
struct MmFetch { mm_fa: vec4<f32>, mm_fb: array<vec4<f32>, MM_BR> }

fn mm_fetch(tid: u32, row0: u32, col0: u32, M: u32, N: u32, K: u32, t: u32) -> MmFetch {
  let k0 = t * MM_TK;
  var mm_f: MmFetch;
  let ak = k0 + tid % 16u;
  let am = row0 + (tid / 16u) * 4u;
  //#unroll
  for (var l = 0u; l < 4u; l++) {
    mm_f.mm_fa[l] = 0.0;
    if (am + l < M && ak < K) { mm_f.mm_fa[l] = mm_readA(am + l, ak); }
  }
  //#unroll
  for (var j = 0u; j < MM_BR; j++) {
    var bk = k0 + tid % 16u;
    var bn = col0 + (tid / 16u + j * MM_WY) * 4u;
    if (MM_B_ALONG_N) {
      bk = k0 + tid / 16u + j * MM_WY;
      bn = col0 + (tid % 16u) * 4u;
    }
    //#unroll
    for (var l = 0u; l < 4u; l++) {
      mm_f.mm_fb[j][l] = 0.0;
      if (bn + l < N && bk < K) { mm_f.mm_fb[j][l] = mm_readB(bk, bn + l); }
    }
  }
  return mm_f;
}

fn mm_store(tid: u32, mm_f: MmFetch, half: u32) {
  mm_as[half + (tid % 16u) * 16u + tid / 16u] = mm_f.mm_fa;
  //#unroll
  for (var j = 0u; j < MM_BR; j++) {
    var bi = (tid % 16u) * 16u + tid / 16u + j * MM_WY;
    if (MM_B_ALONG_N) { bi = tid + j * MM_WY * 16u; } // [k][n / 4] with k = tid / 16 + j·MM_WY, n / 4 = tid % 16
    mm_bs[half + bi] = mm_f.mm_fb[j];
  }
}

fn mm_tile(row0: u32, col0: u32, lid: vec3<u32>, M: u32, N: u32, K: u32, t0: u32, t1: u32) {
  let tid = lid.y * 16u + lid.x;
  var acc: array<vec4<f32>, 4>;
  //#unroll
  for (var i = 0u; i < 4u; i++) { acc[i] = vec4<f32>(0.0); }
  for (var t = t0; t < t1; t += 2u) {
    // two K steps per barrier pair (the second only when the range has it)
    let two = t + 1u < t1;
    let f0 = mm_fetch(tid, row0, col0, M, N, K, t);
    var f1: MmFetch;
    if (two) { f1 = mm_fetch(tid, row0, col0, M, N, K, t + 1u); }
    mm_store(tid, f0, 0u);
    if (two) { mm_store(tid, f1, 256u); }
    workgroupBarrier();
    //#unroll
    for (var half = 0u; half < 2u; half++) {
      if (half == 0u || two) {
        //#unroll
        for (var kk = 0u; kk < MM_TK; kk++) {
          let a = mm_as[half * 256u + kk * 16u + lid.y];
          let c = mm_bs[half * 256u + kk * 16u + lid.x];
          //#unroll
          for (var i = 0u; i < 4u; i++) { acc[i] = fma(vec4<f32>(a[i]), c, acc[i]); }
        }
      }
    }
    workgroupBarrier();
  }
  //#unroll
  for (var i = 0u; i < 4u; i++) {
    let r = row0 + lid.y * 4u + i;
    //#unroll
    for (var j = 0u; j < 4u; j++) {
      let c = col0 + lid.x * 4u + j;
      if (r < M && c < N) { mm_write(r, c, acc[i][j]); }
    }
  }
}
