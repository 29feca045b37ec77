// The body of a row kernel that writes v (optionally) and a norm of v, for one row r of [rows, C]
// per workgroup of WG invocations. The including kernel defines `value(r, c)` (v, computed once per
// element and kept in registers, full precision, for all three passes: 16-bit storage of `sum`
// never rounds what the norm sees), `activate(v)`, and the buffers `sum`, `out`, `nw`, `nb`:
//   sum[r] = v                              when writeSum
//   out[r] = activate(norm(v) ⊙ nw + nb)    mode 0: no norm (return after sum), 1: RMSNorm,
//                                           2: LayerNorm (biased variance); nb only when hasBias
// or, with `second`, two norms in a row (a patch embedding's norm, then the first block's):
//   sum[r] = u = norm(v) ⊙ nw[0, C) + nb[0, C)      (the residual stream; writeSum is ignored)
//   out[r] = activate(norm(u) ⊙ nw[C, 2C) + nb[C, 2C)) with eps2
// u stays in registers for the second norm: the same float operations as two launches (f32 storage).
// Two passes over v for the mean and variance. {{C}} is the host's row length C, so the PER values
// of a thread (c = tid + k·WG) are a private array, its loops unrolled.
//#include lib/wg_reduce.wgsl

const PER: u32 = ({{C}}u + WG - 1u) / WG;

// mean and 1/σ of the row in vs (s1: this thread's sum of its values; mean 0 for RMSNorm)
fn row_stats(vs: ptr<function, array<f32, PER>>, s1: f32, tid: u32, sg_size: u32, C: u32, mode: u32, eps: f32) -> vec2<f32> {
  var mean = 0.0;
  if (mode == 2u) { mean = reduce(s1, tid, sg_size) / f32(C); }
  var s2 = 0.0;
  //#unroll
  for (var k = 0u; k < PER; k++) {
    if (tid + k * WG < C) {
      let d = (*vs)[k] - mean;
      s2 = fma(d, d, s2);
    }
  }
  return vec2(mean, inverseSqrt(reduce(s2, tid, sg_size) / f32(C) + eps));
}

fn row_norm(r: u32, tid: u32, sg_size: u32, C: u32, writeSum: bool, mode: u32, hasBias: bool, eps: f32, second: bool, eps2: f32) {
  let base = r * C;
  var vs: array<f32, PER>;
  var s1 = 0.0;
  //#unroll
  for (var k = 0u; k < PER; k++) {
    let c = tid + k * WG;
    if (c < C) {
      vs[k] = value(r, c);
      if (writeSum && !second) { sum[base + c] = vs[k]; }
      s1 += vs[k];
    }
  }
  if (mode == 0u) { return; }
  var st = row_stats(&vs, s1, tid, sg_size, C, mode, eps);
  var off = 0u;
  if (second) {
    s1 = 0.0;
    //#unroll
    for (var k = 0u; k < PER; k++) {
      let c = tid + k * WG;
      if (c < C) {
        var v = (vs[k] - st.x) * st.y * nw[c];
        if (hasBias) { v += nb[c]; }
        vs[k] = v;
        sum[base + c] = v;
        s1 += v;
      }
    }
    st = row_stats(&vs, s1, tid, sg_size, C, mode, eps2);
    off = C;
  }
  //#unroll
  for (var k = 0u; k < PER; k++) {
    let c = tid + k * WG;
    if (c < C) {
      var v = (vs[k] - st.x) * st.y * nw[off + c];
      if (hasBias) { v += nb[off + c]; }
      out[base + c] = activate(v);
    }
  }
}
