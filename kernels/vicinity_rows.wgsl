// Map rows for chosen query tokens (the drawn map, never the forward pass):
//   attn[h, r, j] = z_t·φ(q_t)·φ(k_j) = z_t·(relu q_t·relu k_j)·Σ_f trig_f(t)·trig_f(j), z unclamped;
//   locality[r, j] = Σ_f trig_f(t)·trig_f(j) = cos(a_t − a_j) + cos(b_t − b_j) (written by head 0).
// One workgroup per (row, head); 64 threads stride over the keys. qkv is vicinity_stats.wgsl's
// (per head [relu q | relu k | v] at columns h·3D), kv the stat buffer of vicinity_reduce.wgsl
// (per head [4D, D+1], ksum in column D).
struct Params { N: u32, r: u32, heads: u32, nrows: u32 }
@group(0) @binding(0) var<storage, read> qkv: array<f32>;
@group(0) @binding(1) var<storage, read> trig: array<f32>;
@group(0) @binding(2) var<storage, read> kv: array<f32>; // keep-f32: partial sums
@group(0) @binding(3) var<storage, read> rows: array<u32>;
@group(0) @binding(4) var<storage, read_write> attn: array<f32>;
@group(0) @binding(5) var<storage, read_write> locality: array<f32>;
@group(0) @binding(6) var<uniform> P: Params;

const D: u32 = {{D}}u;
const D1: u32 = D + 1u;
const S: u32 = 4u * D * D1;
var<workgroup> qs: array<f32, D>;
var<workgroup> red: array<f32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let r = wg.x;
  let h = wg.y;
  let t = rows[r];
  let stride = 3u * P.r;
  let gt = vec4<f32>(trig[t * 4u], trig[t * 4u + 1u], trig[t * 4u + 2u], trig[t * 4u + 3u]);
  var den = 0.0;
  for (var e = lid.x; e < 4u * D; e += 64u) {
    den = fma(qkv[t * stride + h * 3u * D + e % D] * gt[e / D], kv[h * S + e * D1 + D], den);
  }
  red[lid.x] = den;
  for (var i = lid.x; i < D; i += 64u) { qs[i] = qkv[t * stride + h * 3u * D + i]; }
  workgroupBarrier();
  for (var w = 32u; w > 0u; w >>= 1u) {
    if (lid.x < w) { red[lid.x] += red[lid.x + w]; }
    workgroupBarrier();
  }
  let z = 1.0 / (red[0] + 1e-4);
  let base = (h * P.nrows + r) * P.N;
  for (var j = lid.x; j < P.N; j += 64u) {
    var qk = 0.0;
    for (var i = 0u; i < D; i++) { qk = fma(qs[i], qkv[j * stride + h * 3u * D + D + i], qk); }
    let loc = dot(gt, vec4<f32>(trig[j * 4u], trig[j * 4u + 1u], trig[j * 4u + 2u], trig[j * 4u + 3u]));
    attn[base + j] = z * qk * loc;
    if (h == 0u) { locality[r * P.N + j] = loc; }
  }
}
