// o[t, h·D + m] = clampA(clampA(φ(q_t)·KV[:, m]) · z_t), z_t = clampA(1/(φ(q_t)·ksum + 1e-4)),
// φ(q_t)[f·D + i] = relu(q_t)[i]·trig_f(t). A tiled matmul φ(Q)[N, 4D]·KV[4D, D] per head (64×64
// tile, 16×16 threads with 4×4 micro-tiles, K in steps of 16 through workgroup memory); φ(Q) is
// formed on load and the z denominator rides along the same K loop. Workgroup z = image·heads + head;
// qkv is [B·N, 3r], kv [B, heads, S], o [B·N, r].
struct Params { N: u32, r: u32, heads: u32 }
@group(0) @binding(0) var<storage, read> qkv: array<f32>;
@group(0) @binding(1) var<storage, read> trig: array<f32>;
@group(0) @binding(2) var<storage, read> kv: array<f32>; // keep-f32: partial sums
@group(0) @binding(3) var<storage, read_write> o: array<f32>;
@group(0) @binding(4) var<uniform> P: Params;

const D: u32 = {{D}}u;
const K: u32 = 4u * D;
const S: u32 = 4u * D * D + 4u * D;
var<workgroup> xs: array<f32, 1024>; // [kk][token]
var<workgroup> ws: array<f32, 1024>; // [kk][m]
var<workgroup> ss: array<f32, 16>;   // ksum slice

fn abs_clamp(v: f32) -> f32 { return sign(v) * clamp(abs(v), 1e-4, 1e4); }

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let h = wg.z % P.heads;
  let tok0 = (wg.z / P.heads) * P.N;
  let row0 = wg.y * 64u;
  let col0 = wg.x * 64u;
  let tid = lid.y * 16u + lid.x;
  let stride = 3u * P.r;
  let kvb = wg.z * S;
  var acc: array<f32, 16>;
  for (var i = 0u; i < 16u; i++) { acc[i] = 0.0; }
  var zacc = vec4<f32>(0.0);
  for (var k0 = 0u; k0 < K; k0 += 16u) {
    for (var l = 0u; l < 4u; l++) {
      let e = tid + l * 256u;
      let kk = e % 16u;
      let mm = e / 16u;
      let gk = k0 + kk;
      let gr = row0 + mm;
      var xv = 0.0;
      if (gr < P.N && gk < K) { xv = max(qkv[(tok0 + gr) * stride + h * D + gk % D], 0.0) * trig[gr * 4u + gk / D]; }
      xs[kk * 64u + mm] = xv;
      let gc = col0 + mm;
      var wv = 0.0;
      if (gc < D && gk < K) { wv = kv[kvb + gk * D + gc]; }
      ws[kk * 64u + mm] = wv;
    }
    if (tid < 16u) { ss[tid] = select(0.0, kv[kvb + 4u * D * D + k0 + tid], k0 + tid < K); }
    workgroupBarrier();
    for (var kk = 0u; kk < 16u; kk++) {
      var a: vec4<f32>;
      var c: vec4<f32>;
      for (var i = 0u; i < 4u; i++) {
        a[i] = xs[kk * 64u + lid.y * 4u + i];
        c[i] = ws[kk * 64u + lid.x * 4u + i];
      }
      zacc += a * ss[kk];
      for (var i = 0u; i < 4u; i++) {
        for (var j = 0u; j < 4u; j++) { acc[i * 4u + j] = fma(a[i], c[j], acc[i * 4u + j]); }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let t = row0 + lid.y * 4u + i;
    if (t >= P.N) { continue; }
    let z = abs_clamp(1.0 / (zacc[i] + 1e-4));
    for (var j = 0u; j < 4u; j++) {
      let m = col0 + lid.x * 4u + j;
      if (m >= D) { continue; }
      o[(tok0 + t) * P.r + h * D + m] = abs_clamp(abs_clamp(acc[i * 4u + j]) * z);
    }
  }
}
