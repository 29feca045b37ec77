// Sum the per-chunk partials of vicinity_kv.wgsl and apply abs_clamp to KV (ksum stays raw, as in
// the official code). Layout per (image, head): S = 4D·D (KV, [4D, D]) + 4D (ksum); partials are
// [B, nchunks, heads, S], the result [B, heads, S].
struct Params { total: u32, hs: u32, nchunks: u32, S: u32, kvLen: u32 }
@group(0) @binding(0) var<storage, read> part: array<f32>; // keep-f32: partial sums
@group(0) @binding(1) var<storage, read_write> kv: array<f32>; // keep-f32: partial sums
@group(0) @binding(2) var<uniform> P: Params;

fn abs_clamp(v: f32) -> f32 { return sign(v) * clamp(abs(v), 1e-4, 1e4); }

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let e = (wg.y * nwg.x + wg.x) * 256u + lid.x;
  if (e >= P.total) { return; }
  let img = e / P.hs;
  let r = e % P.hs;
  var s = 0.0;
  for (var c = 0u; c < P.nchunks; c++) { s += part[(img * P.nchunks + c) * P.hs + r]; }
  kv[e] = select(s, abs_clamp(s), e % P.S < P.kvLen);
}
