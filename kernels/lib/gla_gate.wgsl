// ViG's log-decay of gate channel j ∈ [0, 2K) (forward K, then backward K) of proj row `row`:
//   γ = logsigmoid(z) / τ (optionally clamped from below),  z = gk_proj.1(z0) = Σ_i z0[i]·w1[j, i] + b1[j]
// from the low-rank z0 = gk_proj.0(loc) that gla_proj writes at columns zoff… of proj (z itself
// is never stored). The sum runs as linear.wgsl's (fma in ascending i, then the bias). The
// including kernel binds proj, wg (gk_proj.1's [weight [2K, r] | bias [2K]]) and P with K,
// stride, zoff, r, inv_tau, use_clamp, clamp_min.

// log(1 + e) without losing small e (WGSL has no log1p)
fn log1p_small(e: f32) -> f32 {
  if (e < 1e-4) { return e * (1.0 - 0.5 * e); }
  return log(1.0 + e);
}

fn log_decay(row: u32, j: u32) -> f32 {
  var z = 0.0;
  for (var i = 0u; i < P.r; i++) { z = fma(proj[row * P.stride + P.zoff + i], wg[j * P.r + i], z); }
  z += wg[2u * P.K * P.r + j];
  var g = (min(z, 0.0) - log1p_small(exp(-abs(z)))) * P.inv_tau;
  if (P.use_clamp != 0u) { g = max(g, P.clamp_min); }
  return g;
}
