// GLA epilogue, one thread per (token, head): o = wf·of + wb·ob (the eval merge and the direction
// knob), g_norm(o) and l_norm(loc) (RMSNorm over the head's dv channels, shared weights), the 2D
// locality-injection gate G (learned sigmoid(g_proj), or forced 1 / 0), optional SiLU.
// Writes ycat [L, V] for o_proj and the gate actually used [L, V].
struct Params { L: u32, V: u32, heads: u32, dv: u32, wf: f32, wb: f32, mode: u32, out_act: u32, eps: f32, stride: u32, goff: u32 }
@group(0) @binding(0) var<storage, read> o: array<f32>;    // [2, L, V]
@group(0) @binding(1) var<storage, read> loc: array<f32>;  // [L, V] (V = C)
@group(0) @binding(2) var<storage, read> proj: array<f32>; // [L, stride], g_proj logits at goff
@group(0) @binding(3) var<storage, read> gnw: array<f32>;
@group(0) @binding(4) var<storage, read> lnw: array<f32>;
@group(0) @binding(5) var<storage, read_write> ycat: array<f32>;
@group(0) @binding(6) var<storage, read_write> gate: array<f32>;
@group(0) @binding(7) var<uniform> P: Params;

fn merged(i: u32) -> f32 {
  var v = 0.0;
  if (P.wf != 0.0) { v += P.wf * o[i]; }
  if (P.wb != 0.0) { v += P.wb * o[P.L * P.V + i]; }
  return v;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x;
  let n = gid.y;
  if (t >= P.L) { return; }
  let base = t * P.V + n * P.dv;
  var so = 0.0;
  var sl = 0.0;
  for (var e = 0u; e < P.dv; e++) {
    let ov = merged(base + e);
    let lv = loc[base + e];
    so = fma(ov, ov, so);
    sl = fma(lv, lv, sl);
  }
  let io = inverseSqrt(so / f32(P.dv) + P.eps);
  let il = inverseSqrt(sl / f32(P.dv) + P.eps);
  for (var e = 0u; e < P.dv; e++) {
    var G = select(0.0, 1.0, P.mode == 1u);
    if (P.mode == 0u) { G = 1.0 / (1.0 + exp(-proj[t * P.stride + P.goff + n * P.dv + e])); }
    var y = merged(base + e) * io * gnw[e] * G + loc[base + e] * il * lnw[e] * (1.0 - G);
    if (P.out_act != 0u) { y = y / (1.0 + exp(-y)); }
    ycat[base + e] = y;
    gate[base + e] = G;
  }
}
