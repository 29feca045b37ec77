// fla's swiglu on the gate_proj / fc1 output [rows, 2I]: first half gate, second half value →
// silu(gate) · value, [rows, I]. One thread per output element (2-D grid for large batches).
struct Params { n: u32, I: u32 }
@group(0) @binding(0) var<storage, read> h: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> P: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let i = (wg.y * nwg.x + wg.x) * 256u + lid.x;
  if (i >= P.n) { return; }
  let r = i / P.I;
  let j = i % P.I;
  let g = h[r * 2u * P.I + j];
  y[i] = g / (1.0 + exp(-g)) * h[r * 2u * P.I + P.I + j];
}
