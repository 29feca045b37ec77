// out[b, o] = act(Σ_i W[o, i]·v̄[b, i]) for the SE gate's bias-free Linears (act 0 = ReLU,
// 1 = sigmoid), v̄[b, i] = scale·Σ_k v[(b·nsum + k)·inF + i]: the first one reads the column-sum
// partials of vicinity_colsum.wgsl (scale 1/N gives the token mean), the second the hidden vector
// (nsum 1, scale 1). One workgroup per (output, sample), 64 threads over the inputs, tree reduction.
struct Params { outF: u32, inF: u32, act: u32, nsum: u32, scale: f32 }
@group(0) @binding(0) var<storage, read> v: array<f32>; // keep-f32: partial sums
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>; // keep-f32: partial sums
@group(0) @binding(3) var<uniform> P: Params;

var<workgroup> red: array<f32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let o = wg.x;
  let b = wg.y;
  var s = 0.0;
  for (var i = lid.x; i < P.inF; i += 64u) {
    var m = 0.0;
    for (var k = 0u; k < P.nsum; k++) { m += v[(b * P.nsum + k) * P.inF + i]; }
    s = fma(w[o * P.inF + i], m * P.scale, s);
  }
  red[lid.x] = s;
  workgroupBarrier();
  for (var k = 32u; k > 0u; k >>= 1u) {
    if (lid.x < k) { red[lid.x] += red[lid.x + k]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) {
    let a = red[0];
    out[b * P.outF + o] = select(max(a, 0.0), 1.0 / (1.0 + exp(-a)), P.act == 1u);
  }
}
