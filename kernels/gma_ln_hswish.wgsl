// Agg_0 tail: Hardswish(LayerNorm_s(x_t)) (eps 1e-5) per token, written into columns
// [outCol, outCol + s) of the [N, C] buffer that feeds proj. One thread per token (s ≤ ~100).
struct Params { N: u32, s: u32, outStride: u32, outCol: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> gamma: array<f32>;
@group(0) @binding(2) var<storage, read> beta: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<uniform> P: Params;

fn hswish(v: f32) -> f32 { return v * clamp(v + 3.0, 0.0, 6.0) / 6.0; }

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x;
  if (t >= P.N) { return; }
  var mean = 0.0;
  for (var c = 0u; c < P.s; c++) { mean += x[t * P.s + c]; }
  mean /= f32(P.s);
  var vr = 0.0;
  for (var c = 0u; c < P.s; c++) { let d = x[t * P.s + c] - mean; vr = fma(d, d, vr); }
  let inv = inverseSqrt(vr / f32(P.s) + 1e-5);
  for (var c = 0u; c < P.s; c++) {
    out[t * P.outStride + P.outCol + c] = hswish(fma((x[t * P.s + c] - mean) * inv, gamma[c], beta[c]));
  }
}
