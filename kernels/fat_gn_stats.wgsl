// GroupNorm(1, C), first level: each image's S = C·H·W values (channel-first, contiguous) are cut
// into P chunks of `chunk`; workgroup (p, image) writes its chunk's mean and M2 (sum of squared
// deviations from that mean, two passes over the chunk) to part[(image·P + p)·2 + {0, 1}].
// fat_gn.wgsl combines them (Chan et al.), which keeps the variance exact where E[x²] − mean²
// would cancel.
struct Params { S: u32, P: u32, chunk: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> part: array<f32>; // keep-f32: partial sums
@group(0) @binding(2) var<uniform> U: Params;

const WG: u32 = 256u;

//#include lib/wg_reduce.wgsl

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let p = wg.x;
  let base = wg.y * U.S;
  let start = min(p * U.chunk, U.S);
  let end = min(start + U.chunk, U.S);
  let n = f32(end - start);
  var s = 0.0;
  for (var i = start + lid.x; i < end; i += WG) { s += x[base + i]; }
  let mean = reduce(s, lid.x, sg_size) / max(n, 1.0);
  var s2 = 0.0;
  for (var i = start + lid.x; i < end; i += WG) {
    let d = x[base + i] - mean;
    s2 = fma(d, d, s2);
  }
  let m2 = reduce(s2, lid.x, sg_size);
  if (lid.x == 0u) {
    let o = (wg.y * U.P + p) * 2u;
    part[o] = mean;
    part[o + 1u] = m2;
  }
}
