// Partial column sums of x [B, N, C] over chunks of tokens (the SE branch's token mean, first half):
// part[(b·nchunk + k)·C + c] = Σ_{t in chunk k} x[b, t, c]. 64 channels × 4 token lanes per
// workgroup so each row is read coalesced; the lanes are summed in workgroup memory.
struct Params { N: u32, C: u32, chunk: u32, nchunk: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> part: array<f32>; // keep-f32: partial sums
@group(0) @binding(2) var<uniform> P: Params;

var<workgroup> red: array<f32, 256>;

@compute @workgroup_size(64, 4)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let c = wg.x * 64u + lid.x;
  let k = wg.y;
  let b = wg.z;
  let t0 = k * P.chunk;
  let t1 = min(t0 + P.chunk, P.N);
  var s = 0.0;
  if (c < P.C) {
    for (var t = t0 + lid.y; t < t1; t += 4u) { s += x[(b * P.N + t) * P.C + c]; }
  }
  red[lid.y * 64u + lid.x] = s;
  workgroupBarrier();
  if (lid.y == 0u && c < P.C) {
    part[(b * P.nchunk + k) * P.C + c] = (red[lid.x] + red[64u + lid.x]) + (red[128u + lid.x] + red[192u + lid.x]);
  }
}
