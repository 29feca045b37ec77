// HiLo output: y[t] = [Hi-Fi (hDim) | Lo-Fi (lDim)] along channels. One thread per channel; token
// t = z·(workgroups y) + y, so a batch can spread its rows over y and z.
struct Params { hDim: u32, lDim: u32 }
@group(0) @binding(0) var<storage, read> yh: array<f32>;  // [N, hDim]
@group(0) @binding(1) var<storage, read> yl: array<f32>;  // [N, lDim]
@group(0) @binding(2) var<storage, read_write> y: array<f32>; // [N, hDim + lDim]
@group(0) @binding(3) var<uniform> P: Params;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let c = wg.x * 64u + lid.x;
  let t = wg.z * nwg.y + wg.y;
  let C = P.hDim + P.lDim;
  if (c >= C) { return; }
  var v: f32;
  if (c < P.hDim) { v = yh[t * P.hDim + c]; } else { v = yl[t * P.lDim + c - P.hDim]; }
  y[t * C + c] = v;
}
