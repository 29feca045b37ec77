// GMA's k-softmax context per head, one launch after gma_mix: combines the chunk partials of head
// e of image b into M_e = softmax_N(k'_e)ᵀ v'_e [CH, CH] (M[b, e]) and the channel statistics
// stats [B, cp, 2] = (g, S) for the maps. Per channel i: g_i = max_c mx_ci and S_i = Σ_c
// sum_ci·exp(mx_ci − g_i), each over the chunks split between lanes of threads and then the lanes
// combined; M_e[i, m] = Σ_c part_c[i, m]·exp(mx_ci − g_i) / S_i, one thread per entry.
// One workgroup per (head, image). (gma_y once did this in every workgroup of every token tile:
// at 56² that is 150 chunks × CH² partials re-read per tile.)
struct Params { heads: u32, cp: u32, nchunks: u32 }
@group(0) @binding(0) var<storage, read> part: array<f32>; // keep-f32: partial sums
@group(0) @binding(1) var<storage, read_write> stats: array<f32>; // keep-f32: partial sums
@group(0) @binding(2) var<storage, read_write> M: array<f32>;
@group(0) @binding(3) var<uniform> P: Params;

const CH: u32 = {{CH}}u;
var<workgroup> gs: array<f32, CH>;
var<workgroup> ss: array<f32, CH>;
var<workgroup> red: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let e = wg.x;
  let b = wg.z;
  let stride = CH * CH + 2u * CH;
  let nc = P.nchunks;
  let lanes = max(1u, 256u / CH);
  // partials of head e, channel j, chunk c
  let pb = (b * nc * P.heads + e) * stride;
  for (var l = tid; l < CH * lanes; l += 256u) {
    let st = pb + CH * CH + l % CH;
    var g = -3.0e38;
    for (var c = l / CH; c < nc; c += lanes) { g = max(g, part[st + c * P.heads * stride]); }
    red[l] = g;
  }
  workgroupBarrier();
  for (var j = tid; j < CH; j += 256u) {
    var g = red[j];
    for (var ln = 1u; ln < lanes; ln++) { g = max(g, red[ln * CH + j]); }
    gs[j] = g;
  }
  workgroupBarrier();
  for (var l = tid; l < CH * lanes; l += 256u) {
    let j = l % CH;
    let st = pb + CH * CH + j;
    var sm = 0.0;
    for (var c = l / CH; c < nc; c += lanes) {
      let o = st + c * P.heads * stride;
      sm = fma(part[o + CH], exp(part[o] - gs[j]), sm);
    }
    red[l] = sm;
  }
  workgroupBarrier();
  for (var j = tid; j < CH; j += 256u) {
    var sm = red[j];
    for (var ln = 1u; ln < lanes; ln++) { sm += red[ln * CH + j]; }
    ss[j] = sm;
    let col = b * P.cp + e * CH + j;
    stats[2u * col] = gs[j];
    stats[2u * col + 1u] = sm;
  }
  workgroupBarrier();
  for (var r = tid; r < CH * CH; r += 256u) {
    let j = r / CH;
    var acc = 0.0;
    for (var c = 0u; c < nc; c++) {
      let cb = pb + c * P.heads * stride;
      acc = fma(part[cb + r], exp(part[cb + CH * CH + j] - gs[j]), acc);
    }
    M[(b * P.heads + e) * CH * CH + r] = acc / ss[j];
  }
}
