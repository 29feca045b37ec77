// Bidirectional gated linear attention, chunked (the fla chunk form, spec/vig.md §5), both scans
// in one dispatch: workgroup = (block of DVB value columns, head, direction). The backward scan is
// the forward recurrence run over reversed token order with γb, so one code path serves both.
//
// Per chunk of BT tokens (scan order i), with b_i = in-chunk cumulative log-decay (per key channel):
//   intra:  A[i,j] = s Σ_c q_i[c] k_j[c] exp(b_i[c] − b_j[c])   (j ≤ i, exponent ≤ 0: stable)
//   output: o_i = Σ_j A[i,j] v_j + (s q_i ⊙ exp(b_i))ᵀ S
//   state:  S ← diag(exp(b_last)) S + Σ_j (k_j ⊙ exp(b_last − b_j)) v_jᵀ
// S [DK × DVB] stays in workgroup memory for the whole sequence; work inside a chunk is parallel
// over (token, column) and (channel, column). Tokens past L are zero (k = v = 0, γ = 0).
// When write_cum ≠ 0 the first column block also writes the global cumulative log-decay
// G [2, heads, L, dk] (Gf prefix sums, Gb suffix sums) for the map kernel.
// Batches: z = image·dirs + direction; each image's rows follow the previous image's (BL = B·L).
struct Params { L: u32, K: u32, dv: u32, heads: u32, stride: u32, V: u32, scale: f32, write_cum: u32, dir0: u32, dirs: u32, BL: u32 }
@group(0) @binding(0) var<storage, read> proj: array<f32>; // [B, L, stride]: q | k | v | …
@group(0) @binding(1) var<storage, read> gam: array<f32>;  // [B, 2, heads, L, DK]
@group(0) @binding(2) var<storage, read_write> o: array<f32>;    // [2, B·L, V]
@group(0) @binding(3) var<storage, read_write> gcum: array<f32>; // keep-f32 (partial sums); [B, 2, heads, L, DK]
@group(0) @binding(4) var<uniform> P: Params;

const DK: u32 = {{DK}}u;
const BT: u32 = {{BT}}u;
const DVB: u32 = {{DVB}}u;
const NT: u32 = BT * DVB;

var<workgroup> qs: array<f32, BT * DK>; // q, then s·q·exp(b)
var<workgroup> ks: array<f32, BT * DK>; // k, then k·exp(b_last − b)
var<workgroup> bs: array<f32, BT * DK>; // γ, then its in-chunk cumulative sum b
var<workgroup> vs: array<f32, BT * DVB>;
var<workgroup> A: array<f32, BT * BT>;
var<workgroup> S: array<f32, DK * DVB>;
var<workgroup> carry: array<f32, DK>; // G at the end of the previous chunk (for gcum)

fn token(dir: u32, i: u32) -> u32 {
  return select(i, P.L - 1u - i, dir == 1u);
}

@compute @workgroup_size(NT)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let tid = lid.x;
  let col0 = wg.x * DVB;
  let n = wg.y;
  let img = wg.z / P.dirs;
  let dir = P.dir0 + wg.z % P.dirs;
  let gbase = ((img * 2u + dir) * P.heads + n) * P.L;
  let row0 = img * P.L; // the image's first row of proj and o
  let cum = P.write_cum != 0u && wg.x == 0u;
  for (var e = tid; e < DK * DVB; e += NT) { S[e] = 0.0; }
  for (var c = tid; c < DK; c += NT) { carry[c] = 0.0; }
  let nchunks = (P.L + BT - 1u) / BT;
  for (var ch = 0u; ch < nchunks; ch++) {
    let i0 = ch * BT;
    for (var e = tid; e < BT * DK; e += NT) {
      let si = i0 + e / DK;
      let c = e % DK;
      var qv = 0.0;
      var kv = 0.0;
      var gv = 0.0;
      if (si < P.L) {
        let t = token(dir, si);
        qv = proj[(row0 + t) * P.stride + n * DK + c];
        kv = proj[(row0 + t) * P.stride + P.K + n * DK + c];
        gv = gam[(gbase + t) * DK + c];
      }
      qs[e] = qv;
      ks[e] = kv;
      bs[e] = gv;
    }
    for (var e = tid; e < BT * DVB; e += NT) {
      let si = i0 + e / DVB;
      let col = col0 + e % DVB;
      var vv = 0.0;
      if (si < P.L && col < P.dv) { vv = proj[(row0 + token(dir, si)) * P.stride + 2u * P.K + n * P.dv + col]; }
      vs[e] = vv;
    }
    workgroupBarrier();
    // in-chunk cumulative log-decay, one channel per thread (BT steps)
    for (var c = tid; c < DK; c += NT) {
      for (var i = 1u; i < BT; i++) { bs[i * DK + c] += bs[(i - 1u) * DK + c]; }
      if (cum) {
        for (var i = 0u; i < BT; i++) {
          if (i0 + i < P.L) { gcum[(gbase + token(dir, i0 + i)) * DK + c] = carry[c] + bs[i * DK + c]; }
        }
        carry[c] += bs[(BT - 1u) * DK + c];
      }
    }
    workgroupBarrier();
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
    for (var e = tid; e < BT * DK; e += NT) {
      let c = e % DK;
      let b = bs[e];
      qs[e] *= P.scale * exp(b);
      ks[e] *= exp(bs[(BT - 1u) * DK + c] - b);
    }
    workgroupBarrier();
    {
      let i = tid / DVB;
      let cc = tid % DVB;
      var acc = 0.0;
      for (var j = 0u; j <= i; j++) { acc = fma(A[i * BT + j], vs[j * DVB + cc], acc); }
      for (var c = 0u; c < DK; c++) { acc = fma(qs[i * DK + c], S[c * DVB + cc], acc); }
      let si = i0 + i;
      let col = col0 + cc;
      if (si < P.L && col < P.dv) { o[(dir * P.BL + row0 + token(dir, si)) * P.V + n * P.dv + col] = acc; }
    }
    workgroupBarrier();
    for (var e = tid; e < DK * DVB; e += NT) {
      let c = e / DVB;
      let cc = e % DVB;
      var s = S[e] * exp(bs[(BT - 1u) * DK + c]);
      for (var j = 0u; j < BT; j++) { s = fma(ks[j * DK + c], vs[j * DVB + cc], s); }
      S[e] = s;
    }
    workgroupBarrier();
  }
}
