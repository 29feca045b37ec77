// The body of a row kernel that writes v (optionally) and a norm of v, for one row r of [rows, C]
// per workgroup of WG invocations. The including kernel defines `value(r, c)` (v, computed once per
// element and kept in registers, full precision, for all three passes: 16-bit storage of `sum`
// never rounds what the norm sees), `activate(v)`, and the buffers `sum`, `out`, `nw`, `nb`:
//   sum[r] = v                              when writeSum
//   out[r] = activate(norm(v) ⊙ nw + nb)    mode 0: no norm (return after sum), 1: RMSNorm,
//                                           2: LayerNorm (biased variance); nb only when hasBias
// Two passes over v for the mean and variance. {{C}} is the host's row length C, so the PER values
// of a thread (c = tid + k·WG) are a private array, its loops unrolled.
//#include lib/wg_reduce.wgsl

const PER: u32 = ({{C}}u + WG - 1u) / WG;

fn row_norm(r: u32, tid: u32, sg_size: u32, C: u32, writeSum: bool, mode: u32, hasBias: bool, eps: f32) {
  let base = r * C;
  var vs: array<f32, PER>;
  var s1 = 0.0;
  //#unroll
  for (var k = 0u; k < PER; k++) {
    let c = tid + k * WG;
    if (c < C) {
      vs[k] = value(r, c);
      if (writeSum) { sum[base + c] = vs[k]; }
      s1 += vs[k];
    }
  }
  if (mode == 0u) { return; }
  var mean = 0.0;
  if (mode == 2u) { mean = reduce(s1, tid, sg_size) / f32(C); }
  var s2 = 0.0;
  //#unroll
  for (var k = 0u; k < PER; k++) {
    if (tid + k * WG < C) {
      let d = vs[k] - mean;
      s2 = fma(d, d, s2);
    }
  }
  let inv = inverseSqrt(reduce(s2, tid, sg_size) / f32(C) + eps);
  //#unroll
  for (var k = 0u; k < PER; k++) {
    let c = tid + k * WG;
    if (c < C) {
      var v = (vs[k] - mean) * inv * nw[c];
      if (hasBias) { v += nb[c]; }
      out[base + c] = activate(v);
    }
  }
}
