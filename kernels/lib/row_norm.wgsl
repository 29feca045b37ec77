// The body of a row kernel that writes v (optionally) and a norm of v, for one row r of [rows, C]
// per workgroup of WG invocations. The including kernel defines `value(r, c)` (v, recomputed in
// each pass rather than read back, so 16-bit storage of `sum` never rounds what the norm sees),
// `activate(v)`, and the buffers `sum`, `out`, `nw`, `nb`:
//   sum[r] = v                              when writeSum
//   out[r] = activate(norm(v) ⊙ nw + nb)    mode 0: no norm (return after sum), 1: RMSNorm,
//                                           2: LayerNorm (biased variance); nb only when hasBias
// Two passes over v for the mean and variance, so any C works without per-channel workgroup storage.
//#include lib/wg_reduce.wgsl

fn row_norm(r: u32, tid: u32, sg_size: u32, C: u32, writeSum: bool, mode: u32, hasBias: bool, eps: f32) {
  let base = r * C;
  var s1 = 0.0;
  for (var c = tid; c < C; c += WG) {
    let v = value(r, c);
    if (writeSum) { sum[base + c] = v; }
    s1 += v;
  }
  if (mode == 0u) { return; }
  var mean = 0.0;
  if (mode == 2u) { mean = reduce(s1, tid, sg_size) / f32(C); }
  var s2 = 0.0;
  for (var c = tid; c < C; c += WG) {
    let d = value(r, c) - mean;
    s2 = fma(d, d, s2);
  }
  let inv = inverseSqrt(reduce(s2, tid, sg_size) / f32(C) + eps);
  for (var c = tid; c < C; c += WG) {
    var v = (value(r, c) - mean) * inv * nw[c];
    if (hasBias) { v += nb[c]; }
    out[base + c] = activate(v);
  }
}
