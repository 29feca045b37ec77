// GLA epilogue and o_proj, one GEMM (lib/gemm.wgsl): y = ycat·W_oᵀ with the A operand made on the fly
//   ycat = act(g_norm(o)·G + l_norm(loc)·(1 − G)),  o = wf·of + wb·ob (the eval merge, direction knob)
// g_norm / l_norm: RMSNorm over each head's dv channels (weights nw = [g_norm | l_norm], eps); G the
// 2D locality gate: sigmoid(g_proj logits) (mode 0, learned), 1 (off) or 0 (full); act = SiLU when
// out_act. Each workgroup first computes the two inverse RMS of its 64 rows × heads into its own
// slice of `stats` (global memory: 2·64·heads floats would not fit next to the GEMM tiles in
// 16 KiB), then runs the tile. mm_write stores token rows [B·L, C] or channel planes [B, C, L]
// (channels ≠ 0: ViG-H's layout). When write_gate, the first column tile stores the G used [B·L, V].
struct Params { M: u32, N: u32, V: u32, L: u32, heads: u32, dv: u32, wf: f32, wb: f32, mode: u32, out_act: u32, eps: f32, stride: u32, goff: u32, channels: u32, write_gate: u32 }
@group(0) @binding(0) var<storage, read> o: array<f32>;    // [2, B·L, V]
@group(0) @binding(1) var<storage, read> loc: array<f32>;  // [B·L, V] (V = C)
@group(0) @binding(2) var<storage, read> proj: array<f32>; // [B·L, stride], g_proj logits at goff
@group(0) @binding(3) var<storage, read> nw: array<f32>;   // [2, dv]
@group(0) @binding(4) var<storage, read> wo: array<f32>;   // [N, V]
@group(0) @binding(5) var<storage, read_write> y: array<f32>;
@group(0) @binding(6) var<storage, read_write> gate: array<f32>;
@group(0) @binding(7) var<storage, read_write> stats: array<f32>; // keep-f32: norms; [workgroups, 64, heads, 2]
@group(0) @binding(8) var<uniform> P: Params;

//#include lib/gemm.wgsl

var<private> row0: u32;
var<private> sbase: u32;
var<private> first_col: bool;

fn merged(i: u32) -> f32 {
  var v = 0.0;
  if (P.wf != 0.0) { v += P.wf * o[i]; }
  if (P.wb != 0.0) { v += P.wb * o[P.M * P.V + i]; }
  return v;
}

const MM_B_ALONG_N = false;
fn mm_readA(m: u32, k: u32) -> f32 {
  let e = k % P.dv;
  let s = sbase + ((m - row0) * P.heads + k / P.dv) * 2u;
  let i = m * P.V + k;
  var G = select(0.0, 1.0, P.mode == 1u);
  if (P.mode == 0u) { G = 1.0 / (1.0 + exp(-proj[m * P.stride + P.goff + k])); }
  var v = merged(i) * stats[s] * nw[e] * G + loc[i] * stats[s + 1u] * nw[P.dv + e] * (1.0 - G);
  if (P.out_act != 0u) { v = v / (1.0 + exp(-v)); }
  if (first_col && P.write_gate != 0u) { gate[i] = G; }
  return v;
}
fn mm_readB(k: u32, n: u32) -> f32 { return wo[n * P.V + k]; }
fn mm_write(m: u32, n: u32, v: f32) {
  y[select(m * P.N + n, ((m / P.L) * P.N + n) * P.L + m % P.L, P.channels != 0u)] = v;
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  row0 = wg.y * MM_TM;
  first_col = wg.x == 0u;
  sbase = (wg.y * nwg.x + wg.x) * MM_TM * P.heads * 2u;
  for (var task = lid.y * 16u + lid.x; task < MM_TM * P.heads; task += 256u) {
    let m = row0 + task / P.heads;
    if (m >= P.M) { continue; }
    let base = m * P.V + (task % P.heads) * P.dv;
    var so = 0.0;
    var sl = 0.0;
    for (var e = 0u; e < P.dv; e++) {
      let ov = merged(base + e);
      let lv = loc[base + e];
      so = fma(ov, ov, so);
      sl = fma(lv, lv, sl);
    }
    stats[sbase + task * 2u] = inverseSqrt(so / f32(P.dv) + P.eps);
    stats[sbase + task * 2u + 1u] = inverseSqrt(sl / f32(P.dv) + P.eps);
  }
  storageBarrier();
  mm_tile(row0, wg.x * MM_TN, lid, P.M, P.N, P.V, 0u, mm_steps(P.V));
}
