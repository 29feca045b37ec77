// Map: k_softmax[e, t, i] = exp(k'[t, e·CH + i] − max)/sum (softmax over tokens), fixture layout [heads, N, CH].
struct Params { N: u32, cp: u32, CH: u32 }
@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> stats: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> P: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let o = gid.x;
  if (o >= P.N * P.cp) { return; }
  let e = o / (P.N * P.CH);
  let t = (o / P.CH) % P.N;
  let col = e * P.CH + o % P.CH;
  out[o] = exp(A[P.N * P.cp + t * P.cp + col] - stats[2u * col]) / stats[2u * col + 1u];
}
