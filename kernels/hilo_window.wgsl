// HiLo Hi-Fi branch: softmax attention inside each non-overlapping ws×ws window.
// One workgroup per (window, head). The window's keys/values are staged in workgroup memory in
// tiles of TKEY tokens; each thread owns one query of the window (chunks of TQ queries when the
// window has more than TQ tokens) and keeps an online softmax, so no T×T matrix is stored unless
// the map is requested (writeMap: a second pass writes the probabilities).
// Zero padding (seg/det version, grid not a multiple of ws) is not materialised: a padded token has
// x = 0, so its q/k/v are just the h_qkv bias (or 0), and its output is cropped away.
// A batch of images lies back to back in qkv / o (image = workgroup z); the map is image 0's.
struct Params { H: u32, W: u32, Gw: u32, ws: u32, hDim: u32, G: u32, hasBias: u32, writeMap: u32, scale: f32 }
@group(0) @binding(0) var<storage, read> qkv: array<f32>;        // [N, 3·hDim] (q | k | v, head-major)
@group(0) @binding(1) var<storage, read> bias: array<f32>;       // [3·hDim] h_qkv bias (dummy if none)
@group(0) @binding(2) var<storage, read_write> o: array<f32>;    // [N, hDim]
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
  if (t != PAD) { return qkv[(img0 + t) * 3u * P.hDim + c]; }
  if (P.hasBias != 0u) { return bias[c]; }
  return 0.0;
}

fn loadTile(g: u32, h: u32, j0: u32, T: u32, tid: u32) {
  for (var e = tid; e < TKEY * HD; e += TQ) {
    let j = j0 + e / HD;
    let d = e % HD;
    var kv = 0.0;
    var vv = 0.0;
    if (j < T) {
      let tj = tokenOf(g, j);
      kv = qkvAt(tj, P.hDim + h * HD + d);
      vv = qkvAt(tj, 2u * P.hDim + h * HD + d);
    }
    kt[e] = kv;
    vt[e] = vv;
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
      for (var d = 0u; d < HD; d++) { o[(img0 + ti) * P.hDim + h * HD + d] = acc[d] * inv; }
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
