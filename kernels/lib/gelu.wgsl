// Exact (erf) GELU as torch.nn.GELU(), shared by every kernel that applies it (//#include lib/gelu.wgsl).
// 1 − erf(z) for z ≥ 0 by Abramowitz–Stegun 7.1.26 (|error| ≤ 1.5e-7): WGSL has no erf.
fn erfc_pos(z: f32) -> f32 {
  let t = 1.0 / (1.0 + 0.3275911 * z);
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return poly * exp(-z * z);
}

fn gelu(v: f32) -> f32 {
  let e = erfc_pos(abs(v) * 0.70710678118654752);
  return select(0.5 * v * e, 0.5 * v * (2.0 - e), v >= 0.0);
}
