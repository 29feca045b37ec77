// Bidirectional gated linear attention, chunked (the fla chunk form, spec/vig.md §5), step 3 of 3
// of the chunk-parallel scan: every chunk's output from the state entering it (gla_chunk_state +
// gla_chunk_scan), all chunks, both directions and the whole batch in one dispatch. Workgroup =
// (chunk, value-column block + head, image·dirs + direction). The backward scan is the forward
// recurrence over reversed token order with γb, so one code path serves both.
//
// Per chunk of BT tokens (scan order i), with b_i = in-chunk cumulative log-decay (per key channel):
//   intra:  A[i,j] = s Σ_c q_i[c] k_j[c] exp(b_i[c] − b_j[c])   (j ≤ i, exponent ≤ 0: stable)
//   output: o_i = Σ_j A[i,j] v_j + (s q_i ⊙ exp(b_i))ᵀ S_ch
// When write_cum ≠ 0 the first column block also writes the global cumulative log-decay
// G [2, heads, L, dk] (Gf prefix sums, Gb suffix sums) for the map kernel.
// Batches: each image's rows follow the previous image's (BL = B·L).
struct Params { L: u32, K: u32, dv: u32, heads: u32, stride: u32, V: u32, scale: f32, write_cum: u32, dir0: u32, dirs: u32, BL: u32, ncb: u32, nchunks: u32 }
@group(0) @binding(0) var<storage, read> proj: array<f32>; // [B, L, stride]: q | k | v | …
@group(0) @binding(1) var<storage, read> gam: array<f32>;  // [B, 2, heads, L, DK]
@group(0) @binding(2) var<storage, read> states: array<f32>; // keep-f32: partial sums; [B·dirs, heads, nchunks, DK, dv]
@group(0) @binding(3) var<storage, read> carry: array<f32>;  // keep-f32: partial sums; [B·dirs, heads, nchunks, DK]
@group(0) @binding(4) var<storage, read_write> o: array<f32>;    // [2, B·L, V]
@group(0) @binding(5) var<storage, read_write> gcum: array<f32>; // keep-f32 (partial sums); [B, 2, heads, L, DK]
@group(0) @binding(6) var<uniform> P: Params;

const DK: u32 = {{DK}}u;
const BT: u32 = {{BT}}u;
const DVB: u32 = {{DVB}}u;
const NT: u32 = BT * DVB;

//#include lib/gla_chunk.wgsl

var<workgroup> A: array<f32, BT * BT>;
var<workgroup> S: array<f32, DK * DVB>;

@compute @workgroup_size(NT)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let tid = lid.x;
  let ch = wg.x;
  let cb = wg.y % P.ncb;
  let n = wg.y / P.ncb;
  let img = wg.z / P.dirs;
  let dir = P.dir0 + wg.z % P.dirs;
  let col0 = cb * DVB;
  let gbase = ((img * 2u + dir) * P.heads + n) * P.L;
  let row0 = img * P.L; // the image's first row of proj and o
  let i0 = ch * BT;
  let slot = (wg.z * P.heads + n) * P.nchunks + ch;
  for (var e = tid; e < DK * DVB; e += NT) {
    let col = col0 + e % DVB;
    var s = 0.0;
    if (col < P.dv) { s = states[(slot * DK + e / DVB) * P.dv + col]; }
    S[e] = s;
  }
  load_chunk(tid, dir, n, row0, gbase, i0, col0, true);
  if (P.write_cum != 0u && cb == 0u) {
    for (var c = tid; c < DK; c += NT) {
      for (var i = 0u; i < BT; i++) {
        if (i0 + i < P.L) { gcum[(gbase + token(dir, i0 + i)) * DK + c] = carry[slot * DK + c] + bs[i * DK + c]; }
      }
    }
  }
  for (var e = tid; e < BT * BT; e += NT) {
    let i = e / BT;
    let j = e % BT;
    var s = 0.0;
    if (j <= i) {
      for (var c = 0u; c < DK; c++) {
        s = fma(qs[i * DK + c] * ks[j * DK + c], exp(bs[i * DK + c] - bs[j * DK + c]), s);
      }
    }
    A[e] = s * P.scale;
  }
  workgroupBarrier();
  for (var e = tid; e < BT * DK; e += NT) { qs[e] *= P.scale * exp(bs[e]); }
  workgroupBarrier();
  let i = tid / DVB;
  let cc = tid % DVB;
  var acc = 0.0;
  for (var j = 0u; j <= i; j++) { acc = fma(A[i * BT + j], vs[j * DVB + cc], acc); }
  for (var c = 0u; c < DK; c++) { acc = fma(qs[i * DK + c], S[c * DVB + cc], acc); }
  let si = i0 + i;
  let col = col0 + cc;
  if (si < P.L && col < P.dv) { o[(dir * P.BL + row0 + token(dir, si)) * P.V + n * P.dv + col] = acc; }
}
