// Split-K partials of M_e = softmax_N(k'_e)ᵀ·v'_e ([CH, CH] per head) over one chunk of tokens.
// The softmax is applied on load from the column statistics. Tokens pass through workgroup
// memory 16 at a time; each thread owns PER of the CH×CH (i, m) entries.
struct Params { N: u32, cp: u32, chunk: u32, heads: u32 }
@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> stats: array<f32>;
@group(0) @binding(2) var<storage, read_write> part: array<f32>;
@group(0) @binding(3) var<uniform> P: Params;

const CH: u32 = {{CH}}u;
const PER: u32 = {{PER}}u;
const TT: u32 = 16u;
var<workgroup> ks: array<f32, {{TTCH}}>;
var<workgroup> vs: array<f32, {{TTCH}}>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let chunk = wg.x;
  let e = wg.y;
  let tid = lid.x;
  let t0 = chunk * P.chunk;
  let t1 = min(t0 + P.chunk, P.N);
  let kb = P.N * P.cp;
  let vb = 2u * P.N * P.cp;
  var acc: array<f32, PER>;
  for (var p = 0u; p < PER; p++) { acc[p] = 0.0; }
  for (var tb = t0; tb < t1; tb += TT) {
    for (var l = tid; l < TT * CH; l += 256u) {
      let t = tb + l / CH;
      let col = e * CH + l % CH;
      var kv = 0.0;
      var vv = 0.0;
      if (t < t1) {
        kv = exp(A[kb + t * P.cp + col] - stats[2u * col]) / stats[2u * col + 1u];
        vv = A[vb + t * P.cp + col];
      }
      ks[l] = kv;
      vs[l] = vv;
    }
    workgroupBarrier();
    for (var tt = 0u; tt < TT; tt++) {
      for (var p = 0u; p < PER; p++) {
        let o = tid + p * 256u;
        if (o < CH * CH) { acc[p] = fma(ks[tt * CH + o / CH], vs[tt * CH + o % CH], acc[p]); }
      }
    }
    workgroupBarrier();
  }
  for (var p = 0u; p < PER; p++) {
    let o = tid + p * 256u;
    if (o < CH * CH) { part[(chunk * P.heads + e) * CH * CH + o] = acc[p]; }
  }
}
