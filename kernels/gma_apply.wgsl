// Y[t, e·CH + m] = scale·Σ_i q'[t, e·CH + i]·M_e[i, m] + q'[t, e·CH + m]·R[t, e·CH + m]
// (factorised attention + CRPE), written into columns [0, cp) of the [N, C] buffer feeding proj.
// One workgroup per (tile of TOK tokens, head): M_e and the q' tile sit in workgroup memory.
struct Params { N: u32, cp: u32, C: u32, scale: f32 }
@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> M: array<f32>;
@group(0) @binding(2) var<storage, read> R: array<f32>;
@group(0) @binding(3) var<storage, read_write> Y: array<f32>;
@group(0) @binding(4) var<uniform> P: Params;

const CH: u32 = {{CH}}u;
const TOK: u32 = {{TOK}}u;
var<workgroup> ms: array<f32, {{CHCH}}>;
var<workgroup> qs: array<f32, {{TOKCH}}>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let e = wg.y;
  let row0 = wg.x * TOK;
  let tid = lid.x;
  for (var l = tid; l < CH * CH; l += 256u) { ms[l] = M[e * CH * CH + l]; }
  for (var l = tid; l < TOK * CH; l += 256u) {
    let t = row0 + l / CH;
    qs[l] = select(0.0, A[t * P.cp + e * CH + l % CH], t < P.N);
  }
  workgroupBarrier();
  for (var l = tid; l < TOK * CH; l += 256u) {
    let tt = l / CH;
    let m = l % CH;
    let t = row0 + tt;
    if (t >= P.N) { continue; }
    var a = 0.0;
    for (var i = 0u; i < CH; i++) { a = fma(qs[tt * CH + i], ms[i * CH + m], a); }
    let col = e * CH + m;
    Y[t * P.C + col] = fma(P.scale, a, qs[l] * R[t * P.cp + col]);
  }
}
