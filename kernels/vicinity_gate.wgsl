// Final clamps and the SE merge, in place: y = clampA(v + v·s[c]) with v = clampA(out_proj(o)).
struct Params { N: u32, C: u32 }
@group(0) @binding(0) var<storage, read_write> y: array<f32>;
@group(0) @binding(1) var<storage, read> s: array<f32>;
@group(0) @binding(2) var<uniform> P: Params;

fn abs_clamp(v: f32) -> f32 { return sign(v) * clamp(abs(v), 1e-4, 1e4); }

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let e = gid.x;
  if (e >= P.N * P.C) { return; }
  let v = abs_clamp(y[e]);
  y[e] = abs_clamp(v + v * s[e % P.C]);
}
