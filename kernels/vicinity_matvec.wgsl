// out[o] = act(Σ_i W[o, i]·v[i]) for the SE gate's bias-free Linears (act 0 = ReLU, 1 = sigmoid).
// One workgroup per output, 64 threads over the inputs, tree reduction.
struct Params { outF: u32, inF: u32, act: u32 }
@group(0) @binding(0) var<storage, read> v: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> P: Params;

var<workgroup> red: array<f32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let o = wg.x;
  var s = 0.0;
  for (var i = lid.x; i < P.inF; i += 64u) { s = fma(w[o * P.inF + i], v[i], s); }
  red[lid.x] = s;
  workgroupBarrier();
  for (var k = 32u; k > 0u; k >>= 1u) {
    if (lid.x < k) { red[lid.x] += red[lid.x + k]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) {
    let a = red[0];
    out[o] = select(max(a, 0.0), 1.0 / (1.0 + exp(-a)), P.act == 1u);
  }
}
