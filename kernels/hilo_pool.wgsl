// HiLo Lo-Fi keys: AvgPool2d(ws, ws) of the input over the zero-padded Hp×Wp grid.
// pooled[m, c] = (Σ of x over the real pixels of cell m) / ws² — padded zeros still count in the
// divisor, as the official code pools the padded map. One thread per (cell, channel); a batch of
// images lies back to back (image = workgroup z, cells per image = workgroups y).
struct Params { H: u32, W: u32, Gw: u32, ws: u32, C: u32, inv: f32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;            // [H·W, C]
@group(0) @binding(1) var<storage, read_write> pooled: array<f32>; // [M, C]
@group(0) @binding(2) var<uniform> P: Params;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let c = wg.x * 64u + lid.x;
  let m = wg.y;
  if (c >= P.C) { return; }
  let xb = wg.z * P.H * P.W * P.C;
  let y0 = (m / P.Gw) * P.ws;
  let x0 = (m % P.Gw) * P.ws;
  let y1 = min(y0 + P.ws, P.H);
  let x1 = min(x0 + P.ws, P.W);
  var s = 0.0;
  for (var y = y0; y < y1; y++) {
    for (var xx = x0; xx < x1; xx++) { s += x[xb + (y * P.W + xx) * P.C + c]; }
  }
  pooled[((wg.z * nwg.y) + m) * P.C + c] = s * P.inv;
}
