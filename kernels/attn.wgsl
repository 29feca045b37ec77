// Softmax attention of N queries over M keys through the shared core (lib/flash_attn.wgsl): mhsa
// (q, k, v read in place from the qkv Linear's output) and HiLo's Lo-Fi branch (every real
// token's query against the M pooled keys). q: [N, ·], kv: [M, ·] (k and v, head-major), o: [N, ·];
// each is a column block of a wider row (stride, offset), so fused projections' outputs are read in
// place and the output lands in its columns (HiLo: of [Hi-Fi | Lo-Fi]).
// Workgroup = TQ·QB queries × S key splits of one head (x: query block, y: head); a batch of images
// lies back to back (image = workgroup z).
struct Params { N: u32, M: u32, qStride: u32, qOff: u32, kvStride: u32, kOff: u32, vOff: u32, oStride: u32, oOff: u32, scale: f32 }
@group(0) @binding(0) var<storage, read> q: array<f32>;       // q at [row·qStride + qOff + h·HD + d]
@group(0) @binding(1) var<storage, read> kv: array<f32>;      // k at kOff, v at vOff, rows of kvStride
@group(0) @binding(2) var<storage, read_write> o: array<f32>; // o at [row·oStride + oOff + h·HD + d]
@group(0) @binding(3) var<uniform> P: Params;

const KEY_FAST = false;
//#include lib/flash_attn.wgsl

// channels 4c…4c+3 of a head vector (zero past HD)
fn attn_q(img: u32, h: u32, qi: u32, c: u32) -> vec4<f32> {
  let base = (img * P.N + qi) * P.qStride + P.qOff + h * HD + 4u * c;
  var v = vec4<f32>(0.0);
  for (var k = 0u; k < 4u; k++) { if (4u * c + k < HD) { v[k] = q[base + k]; } }
  return v;
}
fn kv4(img: u32, h: u32, j: u32, c: u32, off: u32) -> vec4<f32> {
  let base = (img * P.M + j) * P.kvStride + off + h * HD + 4u * c;
  var v = vec4<f32>(0.0);
  for (var k = 0u; k < 4u; k++) { if (4u * c + k < HD) { v[k] = kv[base + k]; } }
  return v;
}
fn attn_k(img: u32, h: u32, j: u32, c: u32) -> vec4<f32> { return kv4(img, h, j, c, P.kOff); }
fn attn_v(img: u32, h: u32, j: u32, c: u32) -> vec4<f32> { return kv4(img, h, j, c, P.vOff); }
fn attn_out(img: u32, h: u32, qi: u32, r: array<vec4<f32>, HD4>) {
  let base = (img * P.N + qi) * P.oStride + P.oOff + h * HD;
  for (var d = 0u; d < HD; d++) { o[base + d] = r[d / 4u][d % 4u]; }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  flash_attn(wg.z, wg.y, wg.x, lid, P.N, P.M, P.scale);
}
