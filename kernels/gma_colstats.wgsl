// Softmax-over-tokens statistics of k' (A block 1, [N, cp]): stats[col] = (max_t, Σ_t exp(k − max)).
// One workgroup per channel, 256 threads stride over tokens, tree reductions.
struct Params { N: u32, cp: u32 }
@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read_write> stats: array<f32>;
@group(0) @binding(2) var<uniform> P: Params;

var<workgroup> red: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let col = wg.x;
  let base = P.N * P.cp + col;
  var m = -3.0e38;
  for (var t = lid.x; t < P.N; t += 256u) { m = max(m, A[base + t * P.cp]); }
  red[lid.x] = m;
  workgroupBarrier();
  for (var w = 128u; w > 0u; w >>= 1u) {
    if (lid.x < w) { red[lid.x] = max(red[lid.x], red[lid.x + w]); }
    workgroupBarrier();
  }
  let mx = red[0];
  workgroupBarrier();
  var s = 0.0;
  for (var t = lid.x; t < P.N; t += 256u) { s += exp(A[base + t * P.cp] - mx); }
  red[lid.x] = s;
  workgroupBarrier();
  for (var w = 128u; w > 0u; w >>= 1u) {
    if (lid.x < w) { red[lid.x] += red[lid.x + w]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) {
    stats[2u * col] = mx;
    stats[2u * col + 1u] = red[0];
  }
}
