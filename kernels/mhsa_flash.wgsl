// Softmax attention, one pass over the keys with an online softmax (no N×N matrix in memory).
// One thread per query: used past SPLIT_MAX_TOKENS (src/ops/mhsa/gpu.ts), mhsa_flash_split below it.
// qkv: [N, 3·C] as produced by the qkv Linear (q | k | v, each heads × HD); o: [N, C].
// One thread owns one query of one head; key/value tiles of TKEY rows are staged in workgroup
// memory and shared by the 64 queries of the workgroup.
struct Params { N: u32, C: u32, heads: u32, scale: f32 }
@group(0) @binding(0) var<storage, read> qkv: array<f32>;
@group(0) @binding(1) var<storage, read_write> o: array<f32>;
@group(0) @binding(2) var<uniform> P: Params;

const HD: u32 = {{HD}}u;
const TQ: u32 = 64u;
const TKEY: u32 = 16u;
var<workgroup> kt: array<f32, TKEY * HD>;
var<workgroup> vt: array<f32, TKEY * HD>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let h = wg.y;
  let qi = wg.x * TQ + lid.x;
  let valid = qi < P.N;
  let stride = 3u * P.C;
  var q: array<f32, HD>;
  var acc: array<f32, HD>;
  for (var d = 0u; d < HD; d++) {
    acc[d] = 0.0;
    q[d] = select(0.0, qkv[min(qi, P.N - 1u) * stride + h * HD + d] * P.scale, valid);
  }
  var m = -3.0e38;
  var l = 0.0;
  let ntiles = (P.N + TKEY - 1u) / TKEY;
  for (var t = 0u; t < ntiles; t++) {
    let j0 = t * TKEY;
    for (var e = lid.x; e < TKEY * HD; e += TQ) {
      let jj = e / HD;
      let d = e % HD;
      let j = j0 + jj;
      var kv = 0.0;
      var vv = 0.0;
      if (j < P.N) {
        kv = qkv[j * stride + P.C + h * HD + d];
        vv = qkv[j * stride + 2u * P.C + h * HD + d];
      }
      kt[e] = kv;
      vt[e] = vv;
    }
    workgroupBarrier();
    let nk = min(TKEY, P.N - j0);
    for (var jj = 0u; jj < nk; jj++) {
      var s = 0.0;
      for (var d = 0u; d < HD; d++) { s = fma(q[d], kt[jj * HD + d], s); }
      let mn = max(m, s);
      let corr = exp(m - mn);
      let p = exp(s - mn);
      l = l * corr + p;
      for (var d = 0u; d < HD; d++) { acc[d] = fma(p, vt[jj * HD + d], acc[d] * corr); }
      m = mn;
    }
    workgroupBarrier();
  }
  if (valid) {
    let inv = 1.0 / l;
    for (var d = 0u; d < HD; d++) { o[qi * P.C + h * HD + d] = acc[d] * inv; }
  }
}
