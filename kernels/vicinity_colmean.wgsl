// Column mean of x [N, C] (the SE branch's AdaptiveAvgPool1d over tokens): one workgroup per
// channel, 256 threads stride over the tokens, then a tree reduction in workgroup memory.
struct Params { N: u32, C: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> mean: array<f32>;
@group(0) @binding(2) var<uniform> P: Params;

var<workgroup> red: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let c = wg.x;
  var s = 0.0;
  for (var t = lid.x; t < P.N; t += 256u) { s += x[t * P.C + c]; }
  red[lid.x] = s;
  workgroupBarrier();
  for (var w = 128u; w > 0u; w >>= 1u) {
    if (lid.x < w) { red[lid.x] += red[lid.x + w]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) { mean[c] = red[0] / f32(P.N); }
}
