// y[i] = x[i]: the fp32 input of a half-storage forward stored as its kernels read it. x stays
// f32 (written by the host as is); y is rewritten to 16-bit storage with the rest of the plan, so
// the conversion runs on the GPU instead of in JavaScript.
struct Params { n: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>; // keep-f32: host-written input
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> P: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let i = (wg.y * nwg.x + wg.x) * 256u + lid.x;
  if (i >= P.n) { return; }
  y[i] = x[i];
}
