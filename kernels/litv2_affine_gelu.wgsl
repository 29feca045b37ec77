// LITv2 DTM tail: eval BatchNorm folded to a per-channel affine (scale = γ/√(var+ε),
// shift = β − mean·scale, computed once on the CPU) then exact (erf) GELU:
// y[r, c] = gelu(x[r, c]·scale[c] + shift[c]) on tokens [rows, C]. One thread per element.
struct Params { n: u32, C: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> scale: array<f32>;
@group(0) @binding(2) var<storage, read> shift: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> P: Params;

// 1 − erf(z) for z ≥ 0 (Abramowitz–Stegun 7.1.26, |error| ≤ 1.5e-7), as kernels/vig_norm.wgsl.
fn erfc_pos(z: f32) -> f32 {
  let t = 1.0 / (1.0 + 0.3275911 * z);
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return poly * exp(-z * z);
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let i = (wg.y * nwg.x + wg.x) * 256u + lid.x;
  if (i >= P.n) { return; }
  let c = i % P.C;
  let v = fma(x[i], scale[c], shift[c]);
  let e = erfc_pos(abs(v) * 0.70710678118654752);
  y[i] = select(0.5 * v * e, 0.5 * v * (2.0 - e), v >= 0.0);
}
