// Softmax attention, one pass over the keys with an online softmax (no N×N matrix in memory).
// qkv: [N, 3·C] as produced by the qkv Linear (q | k | v, each heads × HD); o: [N, C].
// A workgroup is TQ queries × S key splits of one head (TQ·S = 256 threads). Tiles of TK = S·KS
// keys are staged in workgroup memory; split s of each query takes keys s·KS … s·KS+KS-1 of every
// tile, so one query's keys run on S threads at once (a single thread per query leaves a big GPU
// mostly idle). Per tile a thread scores its KS keys first, then corrects its running (m, l, acc)
// once: one exp per key plus one per tile. The S partial softmaxes of a query are merged at the end
// through workgroup memory (log-sum-exp). Head vectors are held as HD4 = ceil(HD/4) vec4s, zero
// padded, so any head size works and workgroup memory is read 16 bytes at a time.
struct Params { N: u32, C: u32, heads: u32, scale: f32 }
@group(0) @binding(0) var<storage, read> qkv: array<f32>;
@group(0) @binding(1) var<storage, read_write> o: array<f32>;
@group(0) @binding(2) var<uniform> P: Params;

const HD: u32 = {{HD}}u;
const HD4: u32 = {{HD4}}u;
const TQ: u32 = {{TQ}}u;
const S: u32 = {{S}}u;
const KS: u32 = {{KS}}u;
const TK: u32 = S * KS;
const WG: u32 = TQ * S;
const NEG: f32 = -3.0e38;
var<workgroup> kt: array<vec4<f32>, TK * HD4>;
var<workgroup> vt: array<vec4<f32>, TK * HD4>;
// the end-of-pass merge: one vec4 per thread per round
var<workgroup> red: array<vec4<f32>, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let h = wg.y;
  // queries vary fastest so a warp shares one split: its workgroup-memory reads are broadcasts
  let qq = lid % TQ;
  let s = lid / TQ;
  let qi = wg.x * TQ + qq;
  let valid = qi < P.N;
  let stride = 3u * P.C;
  let qrow = min(qi, P.N - 1u) * stride + h * HD;
  var q: array<vec4<f32>, HD4>;
  var acc: array<vec4<f32>, HD4>;
  for (var c = 0u; c < HD4; c++) {
    acc[c] = vec4<f32>(0.0);
    var v = vec4<f32>(0.0);
    for (var k = 0u; k < 4u; k++) {
      let d = 4u * c + k;
      if (d < HD) { v[k] = qkv[qrow + d]; }
    }
    q[c] = select(vec4<f32>(0.0), v * P.scale, valid);
  }
  var m = NEG;
  var l = 0.0;
  var sc: array<f32, KS>;
  let ntiles = (P.N + TK - 1u) / TK;
  for (var t = 0u; t < ntiles; t++) {
    let j0 = t * TK;
    for (var e = lid; e < TK * HD4; e += WG) {
      let j = j0 + e / HD4;
      let d0 = 4u * (e % HD4);
      var kv = vec4<f32>(0.0);
      var vv = vec4<f32>(0.0);
      if (j < P.N) {
        let kb = j * stride + P.C + h * HD + d0;
        for (var k = 0u; k < 4u; k++) {
          if (d0 + k < HD) {
            kv[k] = qkv[kb + k];
            vv[k] = qkv[kb + P.C + k];
          }
        }
      }
      kt[e] = kv;
      vt[e] = vv;
    }
    workgroupBarrier();
    let k0 = s * KS;
    var tmax = NEG;
    for (var jj = 0u; jj < KS; jj++) {
      var a = 0.0;
      for (var c = 0u; c < HD4; c++) { a += dot(q[c], kt[(k0 + jj) * HD4 + c]); }
      // keys past N score NEG and get weight 0 below
      sc[jj] = select(NEG, a, j0 + k0 + jj < P.N);
      tmax = max(tmax, sc[jj]);
    }
    let mn = max(m, tmax);
    let corr = exp(m - mn);
    l *= corr;
    for (var c = 0u; c < HD4; c++) { acc[c] *= corr; }
    for (var jj = 0u; jj < KS; jj++) {
      // select, not exp alone: with every key so far past N, sc - mn is 0, not -inf
      let p = select(0.0, exp(sc[jj] - mn), j0 + k0 + jj < P.N);
      l += p;
      for (var c = 0u; c < HD4; c++) { acc[c] = fma(vec4<f32>(p), vt[(k0 + jj) * HD4 + c], acc[c]); }
    }
    m = mn;
    workgroupBarrier();
  }
  // Merge the S splits of query qq: M = max m_s; out = Σ acc_s·e^(m_s−M) / Σ l_s·e^(m_s−M).
  // A split that saw no keys has m = NEG, l = 0, acc = 0 and weight e^(NEG−M) = 0.
  red[lid] = vec4<f32>(m, 0.0, 0.0, 0.0);
  workgroupBarrier();
  var mx = NEG;
  for (var r = 0u; r < S; r++) { mx = max(mx, red[r * TQ + qq].x); }
  let f = exp(m - mx);
  workgroupBarrier();
  red[lid] = vec4<f32>(l * f, 0.0, 0.0, 0.0);
  workgroupBarrier();
  var inv = 0.0;
  if (s == 0u) {
    var lt = 0.0;
    for (var r = 0u; r < S; r++) { lt += red[r * TQ + qq].x; }
    inv = 1.0 / lt;
  }
  let ob = qi * P.C + h * HD;
  for (var c = 0u; c < HD4; c++) {
    workgroupBarrier();
    red[lid] = acc[c] * f;
    workgroupBarrier();
    if (s == 0u && valid) {
      var sum = vec4<f32>(0.0);
      for (var r = 0u; r < S; r++) { sum += red[r * TQ + qq]; }
      sum *= inv;
      for (var k = 0u; k < 4u; k++) {
        if (4u * c + k < HD) { o[ob + 4u * c + k] = sum[k]; }
      }
    }
  }
}
