// y[m, n] = b[n] + Σ_z part[z, m, n]: the splits of gemm_splitk.wgsl summed in order, bias added.
struct Params { MN: u32, N: u32, splits: u32, has_bias: u32 }
@group(0) @binding(0) var<storage, read> part: array<f32>; // keep-f32: partial sums
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<uniform> P: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let e = (wg.y * nwg.x + wg.x) * 256u + lid.x;
  if (e >= P.MN) { return; }
  var s = 0.0;
  for (var z = 0u; z < P.splits; z++) { s += part[z * P.MN + e]; }
  if (P.has_bias != 0u) { s += b[e % P.N]; }
  y[e] = s;
}
