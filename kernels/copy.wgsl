// y[i] = x[off + i] for i < n: a plain copy that can sit inside a compute pass between two
// dispatches (copyBufferToBuffer cannot), e.g. to keep one block's activations before the next
// block overwrites the shared scratch buffer. With X_NOTE = 'keep-f32' the source stays f32 under
// half storage, so the same copy stores a host-written f32 input as a half plan reads it.
struct Params { n: u32, off: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>; // {{X_NOTE}}
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> P: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let i = (wg.y * nwg.x + wg.x) * 256u + lid.x;
  if (i >= P.n) { return; }
  y[i] = x[P.off + i];
}
