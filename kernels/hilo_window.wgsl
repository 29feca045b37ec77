// HiLo Hi-Fi branch: softmax attention inside each non-overlapping ws×ws window.
// One workgroup per (window, head). The window's keys/values are staged in workgroup memory in
// tiles of TKEY tokens; each thread owns one query of the window (chunks of TQ queries when the
// window has more than TQ tokens) and keeps an online softmax, so no T×T matrix is stored unless
// the map is requested (writeMap: a second pass writes the probabilities).
// Zero padding (seg/det version, grid not a multiple of ws) is not materialised: a padded token has
// x = 0, so its q/k/v are just the h_qkv bias (or 0), and its output is cropped away.
// A batch of images lies back to back in qkv / o (image = workgroup z); the map is image 0's.
// Rows of qkv and o may be wider than this branch (qkvStride ≥ 3·hDim, oStride ≥ hDim): HiLo's
// fused input projection puts l_q's columns after h_qkv's, and both branches write one [N, C]
// buffer, Hi-Fi in its first hDim columns.
struct Params { H: u32, W: u32, Gw: u32, ws: u32, hDim: u32, G: u32, hasBias: u32, writeMap: u32, scale: f32, qkvStride: u32, oStride: u32 }
@group(0) @binding(0) var<storage, read> qkv: array<f32>;        // [N, qkvStride]: q | k | v (head-major) in the first 3·hDim
@group(0) @binding(1) var<storage, read> bias: array<f32>;       // [≥ 3·hDim] h_qkv bias first (dummy if none)
@group(0) @binding(2) var<storage, read_write> o: array<f32>;    // [N, oStride], Hi-Fi output in columns [0, hDim)
@group(0) @binding(3) var<storage, read_write> amap: array<f32>; // [hHeads, G, T, T] (dummy unless writeMap)
@group(0) @binding(4) var<uniform> P: Params;

const HD: u32 = {{HD}}u;
const TKEY: u32 = {{TKEY}}u;
const TQ: u32 = {{TQ}}u;
const PAD: u32 = 0xffffffffu;
var<workgroup> kt: array<f32, TKEY * HD>;
var<workgroup> vt: array<f32, TKEY * HD>;
var<private> img0: u32; // first token row of this workgroup's image

// Real token index of window-local token i of window g, or PAD for a padded position.
fn tokenOf(g: u32, i: u32) -> u32 {
  let y = (g / P.Gw) * P.ws + i / P.ws;
  let x = (g % P.Gw) * P.ws + i % P.ws;
  if (y < P.H && x < P.W) { return y * P.W + x; }
  return PAD;
}

fn qkvAt(t: u32, c: u32) -> f32 {
  if (t != PAD) { return qkv[(img0 + t) * P.qkvStride + c]; }
  if (P.hasBias != 0u) { return bias[c]; }
  return 0.0;
}

// Only the tile's real keys are staged (the readers stop at min(TKEY, T − j0)): a 2×2 window fills
// 4 of 64 rows, and staging the rest as zeros was 16× the loads.
fn loadTile(g: u32, h: u32, j0: u32, T: u32, tid: u32) {
  let n = min(TKEY, T - j0) * HD;
  for (var e = tid; e < n; e += TQ) {
    let tj = tokenOf(g, j0 + e / HD);
    let d = e % HD;
    kt[e] = qkvAt(tj, P.hDim + h * HD + d);
    vt[e] = qkvAt(tj, 2u * P.hDim + h * HD + d);
  }
}

@compute @workgroup_size({{TQ}})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let g = wg.x;
  let h = wg.y;
  let T = P.ws * P.ws;
  img0 = wg.z * P.H * P.W;
  for (var q0 = 0u; q0 < T; q0 += TQ) {
    let i = q0 + lid.x;
    let valid = i < T;
    let ti = tokenOf(g, min(i, T - 1u));
    var q: array<f32, HD>;
    var acc: array<f32, HD>;
    for (var d = 0u; d < HD; d++) {
      q[d] = qkvAt(ti, h * HD + d) * P.scale;
      acc[d] = 0.0;
    }
    var m = -3.0e38;
    var l = 0.0;
    for (var j0 = 0u; j0 < T; j0 += TKEY) {
      loadTile(g, h, j0, T, lid.x);
      workgroupBarrier();
      let nk = min(TKEY, T - j0);
      for (var jj = 0u; jj < nk; jj++) {
        var s = 0.0;
        for (var d = 0u; d < HD; d++) { s = fma(q[d], kt[jj * HD + d], s); }
        let mn = max(m, s);
        let corr = exp(m - mn);
        let p = exp(s - mn);
        l = l * corr + p;
        for (var d = 0u; d < HD; d++) { acc[d] = fma(p, vt[jj * HD + d], acc[d] * corr); }
        m = mn;
      }
      workgroupBarrier();
    }
    if (valid && ti != PAD) {
      let inv = 1.0 / l;
      for (var d = 0u; d < HD; d++) { o[(img0 + ti) * P.oStride + h * HD + d] = acc[d] * inv; }
    }
    if (P.writeMap != 0u && wg.z == 0u) {
      let inv = 1.0 / l;
      let rowBase = ((h * P.G + g) * T + i) * T;
      for (var j0 = 0u; j0 < T; j0 += TKEY) {
        loadTile(g, h, j0, T, lid.x);
        workgroupBarrier();
        if (valid) {
          let nk = min(TKEY, T - j0);
          for (var jj = 0u; jj < nk; jj++) {
            var s = 0.0;
            for (var d = 0u; d < HD; d++) { s = fma(q[d], kt[jj * HD + d], s); }
            amap[rowBase + j0 + jj] = exp(s - m) * inv;
          }
        }
        workgroupBarrier();
      }
    }
  }
}
