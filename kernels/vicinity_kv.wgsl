// Split-K partial sums of Vicinity attention's key statistics for one head and one chunk of
// tokens: KV[f·D + i, m] = Σ_j trig_f(j)·relu(k_j)[i]·v_j[m] and ksum[f·D + i] = Σ_j trig_f(j)·relu(k_j)[i],
// f = (cos a, sin a, cos b, sin b). qkv is [B·N, 3r] (q | k | v, head n at columns n·D); one
// workgroup per (chunk, head, image), partials [B, nchunks, heads, S]. Tokens go through workgroup
// memory 16 at a time; each thread owns PER of the D×D (i, m) pairs and keeps the 4 trig-weighted
// sums of each in registers.
struct Params { N: u32, r: u32, chunk: u32, heads: u32 }
@group(0) @binding(0) var<storage, read> qkv: array<f32>;
@group(0) @binding(1) var<storage, read> trig: array<f32>;
@group(0) @binding(2) var<storage, read_write> part: array<f32>; // keep-f32: partial sums
@group(0) @binding(3) var<uniform> P: Params;

const D: u32 = {{D}}u;
const PER: u32 = {{PER}}u;
const TT: u32 = 16u;
const S: u32 = 4u * D * D + 4u * D;
var<workgroup> ks: array<f32, {{TTD}}>;
var<workgroup> vs: array<f32, {{TTD}}>;
var<workgroup> tg: array<f32, 64>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let chunk = wg.x;
  let h = wg.y;
  let img = wg.z;
  let row0 = img * P.N;
  let nchunk = (P.N + P.chunk - 1u) / P.chunk;
  let tid = lid.x;
  let t0 = chunk * P.chunk;
  let t1 = min(t0 + P.chunk, P.N);
  let stride = 3u * P.r;
  var acc: array<f32, {{PER4}}>;
  for (var e = 0u; e < PER * 4u; e++) { acc[e] = 0.0; }
  var sacc = vec4<f32>(0.0);
  for (var tb = t0; tb < t1; tb += TT) {
    for (var e = tid; e < TT * D; e += 256u) {
      let t = tb + e / D;
      let i = e % D;
      var kv = 0.0;
      var vv = 0.0;
      if (t < t1) {
        kv = max(qkv[(row0 + t) * stride + P.r + h * D + i], 0.0);
        vv = qkv[(row0 + t) * stride + 2u * P.r + h * D + i];
      }
      ks[e] = kv;
      vs[e] = vv;
    }
    if (tid < TT * 4u) {
      let t = tb + tid / 4u;
      tg[tid] = select(0.0, trig[t * 4u + tid % 4u], t < t1);
    }
    workgroupBarrier();
    for (var tt = 0u; tt < TT; tt++) {
      let g = vec4<f32>(tg[tt * 4u], tg[tt * 4u + 1u], tg[tt * 4u + 2u], tg[tt * 4u + 3u]);
      for (var p = 0u; p < PER; p++) {
        let o = tid + p * 256u;
        if (o < D * D) {
          let prod = ks[tt * D + o / D] * vs[tt * D + o % D];
          for (var f = 0u; f < 4u; f++) { acc[p * 4u + f] = fma(prod, g[f], acc[p * 4u + f]); }
        }
      }
      if (tid < D) { sacc += ks[tt * D + tid] * g; }
    }
    workgroupBarrier();
  }
  let base = ((img * nchunk + chunk) * P.heads + h) * S;
  for (var p = 0u; p < PER; p++) {
    let o = tid + p * 256u;
    if (o < D * D) {
      let i = o / D;
      let m = o % D;
      for (var f = 0u; f < 4u; f++) { part[base + (f * D + i) * D + m] = acc[p * 4u + f]; }
    }
  }
  if (tid < D) {
    for (var f = 0u; f < 4u; f++) { part[base + 4u * D * D + f * D + tid] = sacc[f]; }
  }
}
