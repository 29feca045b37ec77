// Chunk-parallel GLA scan, step 1 of 3: every chunk's own state contribution, all chunks at once.
//   dS[ch] = Σ_{j in ch} (k_j ⊙ exp(b_last − b_j)) v_jᵀ   [DK × dv]   and   blast[ch] = b_last [DK]
// (b = in-chunk cumulative log-decay). gla_chunk_scan.wgsl then runs the recurrence over chunks,
// S_ch+1 = diag(exp(blast[ch])) S_ch + dS[ch], and gla_scan.wgsl computes each chunk's output from
// the state entering it. Workgroup = (chunk, value-column block + head, image·dirs + direction).
struct Params { L: u32, K: u32, dv: u32, heads: u32, stride: u32, ncb: u32, nchunks: u32, dir0: u32, dirs: u32 }
@group(0) @binding(0) var<storage, read> proj: array<f32>; // [B, L, stride]: q | k | v | …
@group(0) @binding(1) var<storage, read> gam: array<f32>;  // [B, 2, heads, L, DK]
@group(0) @binding(2) var<storage, read_write> dS: array<f32>;    // keep-f32: partial sums; [B·dirs, heads, nchunks, DK, dv]
@group(0) @binding(3) var<storage, read_write> blast: array<f32>; // keep-f32: partial sums; [B·dirs, heads, nchunks, DK]
@group(0) @binding(4) var<uniform> P: Params;

const DK: u32 = {{DK}}u;
const BT: u32 = {{BT}}u;
const DVB: u32 = {{DVB}}u;
const NT: u32 = BT * DVB;

//#include lib/gla_chunk.wgsl

@compute @workgroup_size(NT)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let tid = lid.x;
  let ch = wg.x;
  let cb = wg.y % P.ncb;
  let n = wg.y / P.ncb;
  let img = wg.z / P.dirs;
  let dir = P.dir0 + wg.z % P.dirs;
  let col0 = cb * DVB;
  load_chunk(tid, dir, n, img * P.L, ((img * 2u + dir) * P.heads + n) * P.L, ch * BT, col0, false);
  decay_keys(tid);
  workgroupBarrier();
  let slot = (wg.z * P.heads + n) * P.nchunks + ch;
  for (var e = tid; e < DK * DVB; e += NT) {
    let c = e / DVB;
    let col = col0 + e % DVB;
    var s = 0.0;
    for (var j = 0u; j < BT; j++) { s = fma(ks[j * DK + c], vs[j * DVB + e % DVB], s); }
    if (col < P.dv) { dS[(slot * DK + c) * P.dv + col] = s; }
  }
  if (cb == 0u) {
    for (var c = tid; c < DK; c += NT) { blast[slot * DK + c] = bs[(BT - 1u) * DK + c]; }
  }
}
