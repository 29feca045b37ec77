// Softmax attention of N queries over M keys, one pass with an online softmax (no N×M matrix in
// memory): mhsa past SPLIT_MAX_TOKENS (q, k, v all read in place from the qkv Linear's output) and
// HiLo's Lo-Fi branch (every real token's query against the M pooled keys).
// q: [N, ·], kv: [M, ·] (k and v, head-major), o: [N, ·]. Each is a column block of a wider row
// (stride, offset), so fused projections' outputs are read in place and the output lands in its
// columns (HiLo: of [Hi-Fi | Lo-Fi]).
// One thread per query of one head; key/value tiles of TKEY rows in workgroup memory are shared
// by the 64 queries of the workgroup. A batch of images lies back to back (image = workgroup z).
struct Params { N: u32, M: u32, qStride: u32, qOff: u32, kvStride: u32, kOff: u32, vOff: u32, oStride: u32, oOff: u32, scale: f32 }
@group(0) @binding(0) var<storage, read> q: array<f32>;       // q at [row·qStride + qOff + h·HD + d]
@group(0) @binding(1) var<storage, read> kv: array<f32>;      // k at kOff, v at vOff, rows of kvStride
@group(0) @binding(2) var<storage, read_write> o: array<f32>; // o at [row·oStride + oOff + h·HD + d]
@group(0) @binding(3) var<uniform> P: Params;

const HD: u32 = {{HD}}u;
const TQ: u32 = 64u;
const TKEY: u32 = {{TKEY}}u;
var<workgroup> kt: array<f32, TKEY * HD>;
var<workgroup> vt: array<f32, TKEY * HD>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let h = wg.y;
  let qi = wg.x * TQ + lid.x;
  let valid = qi < P.N;
  let qb = wg.z * P.N;     // first query row of this image
  let kb = wg.z * P.M;     // first key row of this image
  var qv: array<f32, HD>;
  var acc: array<f32, HD>;
  for (var d = 0u; d < HD; d++) {
    acc[d] = 0.0;
    qv[d] = q[(qb + min(qi, P.N - 1u)) * P.qStride + P.qOff + h * HD + d] * P.scale;
  }
  var m = -3.0e38;
  var l = 0.0;
  for (var j0 = 0u; j0 < P.M; j0 += TKEY) {
    for (var e = lid.x; e < TKEY * HD; e += TQ) {
      let j = j0 + e / HD;
      let d = e % HD;
      var a = 0.0;
      var b = 0.0;
      if (j < P.M) {
        a = kv[(kb + j) * P.kvStride + P.kOff + h * HD + d];
        b = kv[(kb + j) * P.kvStride + P.vOff + h * HD + d];
      }
      kt[e] = a;
      vt[e] = b;
    }
    workgroupBarrier();
    let nk = min(TKEY, P.M - j0);
    for (var jj = 0u; jj < nk; jj++) {
      var s = 0.0;
      for (var d = 0u; d < HD; d++) { s = fma(qv[d], kt[jj * HD + d], s); }
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
    for (var d = 0u; d < HD; d++) { o[(qb + qi) * P.oStride + P.oOff + h * HD + d] = acc[d] * inv; }
  }
}
