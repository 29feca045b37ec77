// GLA epilogue for a tile of TT tokens of one head (workgroup (tile, head), 256 threads):
// o = wf·of + wb·ob (the eval merge and the direction knob), g_norm(o) and l_norm(loc) (RMSNorm
// over the head's dv channels, shared weights), the 2D locality-injection gate G (learned
// sigmoid(g_proj), or forced 1 / 0), optional SiLU. Writes ycat [L, V] for o_proj and the gate
// actually used [L, V].
//  1. the sums of squares: one thread per token, in ascending channel order (fma), the channels
//     brought through workgroup memory EC at a time, so that each global read is a run of EC
//     consecutive floats (a thread reading its own token's row made every warp-wide access touch
//     32 rows: 1 ms a launch at batch 32, ten times its bytes' time on an H100);
//  2. the outputs: one thread per (token, channel), consecutive threads along channels.
struct Params { L: u32, V: u32, heads: u32, dv: u32, wf: f32, wb: f32, mode: u32, out_act: u32, eps: f32, stride: u32, goff: u32 }
@group(0) @binding(0) var<storage, read> o: array<f32>;    // [2, L, V]
@group(0) @binding(1) var<storage, read> loc: array<f32>;  // [L, V] (V = C)
@group(0) @binding(2) var<storage, read> proj: array<f32>; // [L, stride], g_proj logits at goff
@group(0) @binding(3) var<storage, read> gnw: array<f32>;
@group(0) @binding(4) var<storage, read> lnw: array<f32>;
@group(0) @binding(5) var<storage, read_write> ycat: array<f32>;
@group(0) @binding(6) var<storage, read_write> gate: array<f32>;
@group(0) @binding(7) var<uniform> P: Params;

const TT: u32 = 64u;
const EC: u32 = 16u;
const ES: u32 = EC + 1u; // row stride in workgroup memory (odd: a warp's rows fall in distinct banks)
var<workgroup> tov: array<f32, 1088>; // [TT][ES]: merged o
var<workgroup> tlv: array<f32, 1088>; // [TT][ES]: loc
var<workgroup> inv: array<vec2<f32>, TT>;

fn merged(i: u32) -> f32 {
  var v = 0.0;
  if (P.wf != 0.0) { v += P.wf * o[i]; }
  if (P.wb != 0.0) { v += P.wb * o[P.L * P.V + i]; }
  return v;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let t0 = wg.x * TT;
  let n = wg.y;
  let tid = lid.x;
  let col = n * P.dv;
  var so = 0.0;
  var sl = 0.0;
  for (var e0 = 0u; e0 < P.dv; e0 += EC) {
    for (var l = tid; l < TT * EC; l += 256u) {
      let tt = l / EC;
      let e = e0 + l % EC;
      let t = t0 + tt;
      var ov = 0.0;
      var lv = 0.0;
      if (t < P.L && e < P.dv) {
        ov = merged(t * P.V + col + e);
        lv = loc[t * P.V + col + e];
      }
      tov[tt * ES + l % EC] = ov;
      tlv[tt * ES + l % EC] = lv;
    }
    workgroupBarrier();
    if (tid < TT) {
      for (var e = 0u; e < min(EC, P.dv - e0); e++) {
        let ov = tov[tid * ES + e];
        let lv = tlv[tid * ES + e];
        so = fma(ov, ov, so);
        sl = fma(lv, lv, sl);
      }
    }
    workgroupBarrier();
  }
  if (tid < TT) { inv[tid] = vec2<f32>(inverseSqrt(so / f32(P.dv) + P.eps), inverseSqrt(sl / f32(P.dv) + P.eps)); }
  workgroupBarrier();
  for (var l = tid; l < TT * P.dv; l += 256u) {
    let tt = l / P.dv;
    let e = l % P.dv;
    let t = t0 + tt;
    if (t >= P.L) { break; }
    let i = t * P.V + col + e;
    var G = select(0.0, 1.0, P.mode == 1u);
    if (P.mode == 0u) { G = 1.0 / (1.0 + exp(-proj[t * P.stride + P.goff + col + e])); }
    var y = merged(i) * inv[tt].x * gnw[e] * G + loc[i] * inv[tt].y * lnw[e] * (1.0 - G);
    if (P.out_act != 0u) { y = y / (1.0 + exp(-y)); }
    ycat[i] = y;
    gate[i] = G;
  }
}
