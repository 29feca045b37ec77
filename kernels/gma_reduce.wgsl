// Sum split-K partials: out[e] = Σ_c part[c·len + e].
struct Params { len: u32, nchunks: u32 }
@group(0) @binding(0) var<storage, read> part: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> P: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let e = gid.x;
  if (e >= P.len) { return; }
  var s = 0.0;
  for (var c = 0u; c < P.nchunks; c++) { s += part[c * P.len + e]; }
  out[e] = s;
}
