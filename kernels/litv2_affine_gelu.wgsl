// LITv2 DTM tail: eval BatchNorm folded to a per-channel affine (scale = γ/√(var+ε),
// shift = β − mean·scale, computed once on the CPU) then exact (erf) GELU:
// y[r, c] = gelu(x[r, c]·scale[c] + shift[c]) on tokens [rows, C]. One thread per element.
struct Params { n: u32, C: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> scale: array<f32>;
@group(0) @binding(2) var<storage, read> shift: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> P: Params;

//#include gelu.wgsl

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let i = (wg.y * nwg.x + wg.x) * 256u + lid.x;
  if (i >= P.n) { return; }
  let c = i % P.C;
  let v = fma(x[i], scale[c], shift[c]);
  y[i] = gelu(v);
}
