// One chunk of BT tokens of a gated-linear-attention scan in workgroup memory, shared by
// gla_chunk_state.wgsl and gla_scan.wgsl (the fla chunk form, spec/vig.md §5). Scan position i of
// direction dir is token i (forward) or L − 1 − i (backward: the forward recurrence over reversed
// tokens with γb). Tokens past L are zero (k = v = 0, γ = 0). The including kernel binds `proj`
// ([B, L, stride]: q | k | v | …), `gam` ([B, 2, heads, L, DK] log-decay) and a uniform `P` with
// L, K, dv, stride, and defines DK, BT, DVB and NT (threads).
var<workgroup> qs: array<f32, BT * DK>; // q, then s·q·exp(b)
var<workgroup> ks: array<f32, BT * DK>; // k, then k·exp(b_last − b)
var<workgroup> bs: array<f32, BT * DK>; // γ, then its in-chunk cumulative sum b
var<workgroup> vs: array<f32, BT * DVB>;

fn token(dir: u32, i: u32) -> u32 {
  return select(i, P.L - 1u - i, dir == 1u);
}

/**
 * Load chunk i0.. of head n (value columns col0..col0 + DVB; q only when with_q) and turn γ into
 * its in-chunk cumulative sum b. row0: the image's first row; gbase: its (image, dir, head) row of
 * gam. Call from uniform control flow (barriers).
 */
fn load_chunk(tid: u32, dir: u32, n: u32, row0: u32, gbase: u32, i0: u32, col0: u32, with_q: bool) {
  for (var e = tid; e < BT * DK; e += NT) {
    let si = i0 + e / DK;
    let c = e % DK;
    var qv = 0.0;
    var kv = 0.0;
    var gv = 0.0;
    if (si < P.L) {
      let t = token(dir, si);
      if (with_q) { qv = proj[(row0 + t) * P.stride + n * DK + c]; }
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
  }
  workgroupBarrier();
}

/** k_j ← k_j·exp(b_last − b_j): what chunk j adds to the state, decayed to the chunk's end. */
fn decay_keys(tid: u32) {
  for (var e = tid; e < BT * DK; e += NT) {
    ks[e] *= exp(bs[(BT - 1u) * DK + e % DK] - bs[e]);
  }
}
