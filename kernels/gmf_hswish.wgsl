// In-place Hardswish x·clamp(x + 3, 0, 6)/6 over n values (after the conv stem's first conv, whose
// shared implicit-GEMM kernel has no activation epilogue).
struct Params { n: u32 }
@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@group(0) @binding(1) var<uniform> P: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let i = (wg.y * nwg.x + wg.x) * 256u + lid.x;
  if (i >= P.n) { return; }
  let v = x[i];
  x[i] = v * clamp(v + 3.0, 0.0, 6.0) / 6.0;
}
