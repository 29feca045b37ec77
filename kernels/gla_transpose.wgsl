// [M, N] → [N, M] through a 16×16 workgroup tile (ViG-H: o_proj's token rows back to channel-first);
// z = matrix of a batch ([B, M, N] → [B, N, M]).
struct Params { M: u32, N: u32 }
@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<uniform> P: Params;

var<workgroup> tile: array<f32, 272>; // 16 × 17: the pad column avoids bank conflicts

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let base = wg.z * P.M * P.N;
  let r = wg.y * 16u + lid.y;
  let c = wg.x * 16u + lid.x;
  if (r < P.M && c < P.N) { tile[lid.y * 17u + lid.x] = src[base + r * P.N + c]; }
  workgroupBarrier();
  let orow = wg.x * 16u + lid.y; // output row = input column
  let ocol = wg.y * 16u + lid.x;
  if (orow < P.N && ocol < P.M) { dst[base + orow * P.M + ocol] = tile[lid.x * 17u + lid.y]; }
}
