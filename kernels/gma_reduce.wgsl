// Combine gma_ktv's chunk partials: per image b, head e, entry (i, m):
//   g_i = max_c mx_ci,  S_i = Σ_c sum_ci·exp(mx_ci − g_i),  M[i, m] = Σ_c part_c[i, m]·exp(mx_ci − g_i) / S_i
// M is [B, heads, CH, CH]; stats [B, cp, 2] = (max, sum) of softmax over tokens per channel (maps).
struct Params { heads: u32, nchunks: u32, cp: u32, total: u32 }
@group(0) @binding(0) var<storage, read> part: array<f32>; // keep-f32: partial sums
@group(0) @binding(1) var<storage, read_write> M: array<f32>; // keep-f32: partial sums
@group(0) @binding(2) var<storage, read_write> stats: array<f32>; // keep-f32: partial sums
@group(0) @binding(3) var<uniform> P: Params;

const CH: u32 = {{CH}}u;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let idx = (wg.y * nwg.x + wg.x) * 256u + lid.x;
  if (idx >= P.total) { return; }
  let per = P.heads * CH * CH;
  let b = idx / per;
  let r = idx % per;
  let e = r / (CH * CH);
  let o = r % (CH * CH);
  let i = o / CH;
  let stride = CH * CH + 2u * CH;
  var g = -3.0e38;
  for (var c = 0u; c < P.nchunks; c++) {
    g = max(g, part[((b * P.nchunks + c) * P.heads + e) * stride + CH * CH + i]);
  }
  var sm = 0.0;
  var acc = 0.0;
  for (var c = 0u; c < P.nchunks; c++) {
    let base = ((b * P.nchunks + c) * P.heads + e) * stride;
    let f = exp(part[base + CH * CH + i] - g);
    sm = fma(part[base + CH * CH + CH + i], f, sm);
    acc = fma(part[base + o], f, acc);
  }
  M[idx] = acc / sm;
  if (o % CH == 0u) {
    let col = b * P.cp + e * CH + i;
    stats[2u * col] = g;
    stats[2u * col + 1u] = sm;
  }
}
