// Token mean before the head: [B, L, C] → [B, C], one thread per (image, channel) (adjacent
// threads read adjacent channels of a token row).
struct Params { L: u32, C: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> P: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  let b = gid.y;
  if (c >= P.C) { return; }
  var s = 0.0;
  for (var l = 0u; l < P.L; l++) { s += x[(b * P.L + l) * P.C + c]; }
  y[b * P.C + c] = s / f32(P.L);
}
