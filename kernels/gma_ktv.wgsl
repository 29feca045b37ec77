// Split-K partials of M_e = softmax_N(k'_e)ᵀ·v'_e ([CH, CH] per head and image) over one chunk of
// CHUNK tokens, with a chunk-local softmax: for channel i the chunk's max mx_i, the sum
// Σ_t exp(k_ti − mx_i) and Σ_t exp(k_ti − mx_i)·v_tm are written; gma_reduce rescales and sums
// them, so no separate statistics pass over k' is needed.
// A is [B, 3, N, cp] (q', k', v'); part is [B, nchunks, heads, CH·CH + 2·CH] (M, max, sum).
struct Params { N: u32, cp: u32, heads: u32, nchunks: u32 }
@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read_write> part: array<f32>; // keep-f32: partial sums
@group(0) @binding(2) var<uniform> P: Params;

const CH: u32 = {{CH}}u;
const CHUNK: u32 = {{CHUNK}}u;
var<workgroup> ks: array<f32, {{CHUNKCH}}>;
var<workgroup> vs: array<f32, {{CHUNKCH}}>;
var<workgroup> mx: array<f32, CH>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let chunk = wg.x;
  let e = wg.y;
  let b = wg.z;
  let tid = lid.x;
  let t0 = chunk * CHUNK;
  let nt = min(CHUNK, P.N - t0);
  let kb = (b * 3u + 1u) * P.N * P.cp + e * CH;
  let vb = (b * 3u + 2u) * P.N * P.cp + e * CH;
  for (var l = tid; l < nt * CH; l += 256u) {
    let t = t0 + l / CH;
    ks[l] = A[kb + t * P.cp + l % CH];
    vs[l] = A[vb + t * P.cp + l % CH];
  }
  workgroupBarrier();
  for (var i = tid; i < CH; i += 256u) {
    var m = ks[i];
    for (var tt = 1u; tt < nt; tt++) { m = max(m, ks[tt * CH + i]); }
    mx[i] = m;
  }
  workgroupBarrier();
  for (var l = tid; l < nt * CH; l += 256u) { ks[l] = exp(ks[l] - mx[l % CH]); }
  workgroupBarrier();
  let stride = CH * CH + 2u * CH;
  let base = ((b * P.nchunks + chunk) * P.heads + e) * stride;
  for (var o = tid; o < CH * CH; o += 256u) {
    let i = o / CH;
    let m = o % CH;
    var acc = 0.0;
    for (var tt = 0u; tt < nt; tt++) { acc = fma(ks[tt * CH + i], vs[tt * CH + m], acc); }
    part[base + o] = acc;
  }
  for (var i = tid; i < CH; i += 256u) {
    var sm = 0.0;
    for (var tt = 0u; tt < nt; tt++) { sm += ks[tt * CH + i]; }
    part[base + CH * CH + i] = mx[i];
    part[base + CH * CH + CH + i] = sm;
  }
}
