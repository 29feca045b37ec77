// HiLo's two attention branches in one launch, each writing its columns of o = [Hi-Fi | Lo-Fi].
// Workgroups x < hHeads·hBlocks: Hi-Fi, softmax attention inside each ws×ws window; the rest:
// Lo-Fi, every real token's query against the M pooled keys/values through the shared core
// (lib/flash_attn.wgsl, launch shape attnShape). Image = workgroup z (batches lie back to back).
// Hi-Fi: a workgroup serves wpw windows of one head, one thread per query (windows of more than WG
// tokens: one window, WG queries at a time); keys and values of its windows are staged in the
// core's workgroup memory `sh`, kt per window at a time, and each thread keeps an online softmax.
// writeMap: a second pass writes the probabilities [hHeads, G, T, T] (image 0).
// Zero padding (seg/det version) is not materialised: a padded token has x = 0, so its q/k/v are the
// h_qkv bias (or 0), and its output is cropped away.
// q (both branches) and the Hi-Fi k, v are columns of qkv (h_qkv's 3·hDim, then l_q at qOff); the
// Lo-Fi k, v are columns kOff / vOff of kv (the pooled cells' l_kv, or qkv itself at ws = 1).
struct Params { H: u32, W: u32, Gw: u32, G: u32, ws: u32, hDim: u32, hBlocks: u32, hiWg: u32, wpw: u32, kt: u32, hasBias: u32, writeMap: u32, N: u32, M: u32, lBlocks: u32, qStride: u32, qOff: u32, kvStride: u32, kOff: u32, vOff: u32, oStride: u32, scale: f32 }
@group(0) @binding(0) var<storage, read> qkv: array<f32>;        // [B·N, qStride]
@group(0) @binding(1) var<storage, read> bias: array<f32>;       // h_qkv bias first (dummy unless hasBias)
@group(0) @binding(2) var<storage, read> kv: array<f32>;         // [B·M, kvStride]
@group(0) @binding(3) var<storage, read_write> o: array<f32>;    // [B·N, oStride]: Hi-Fi [0, hDim), Lo-Fi after
@group(0) @binding(4) var<storage, read_write> amap: array<f32>; // [hHeads, G, T, T] (dummy unless writeMap)
@group(0) @binding(5) var<uniform> P: Params;

const KEY_FAST = false;
const PAD: u32 = 0xffffffffu;
//#include lib/flash_attn.wgsl

// channels 4c…4c+3 (zero past HD) of a head vector in row `row` of qkv / kv from column `col`
fn qkv4(row: u32, col: u32, c: u32) -> vec4<f32> {
  var v = vec4<f32>(0.0);
  for (var k = 0u; k < 4u; k++) { if (4u * c + k < HD) { v[k] = qkv[row * P.qStride + col + 4u * c + k]; } }
  return v;
}
fn kv4(row: u32, col: u32, c: u32) -> vec4<f32> {
  var v = vec4<f32>(0.0);
  for (var k = 0u; k < 4u; k++) { if (4u * c + k < HD) { v[k] = kv[row * P.kvStride + col + 4u * c + k]; } }
  return v;
}

// Lo-Fi hooks of the core
fn attn_q(img: u32, h: u32, qi: u32, c: u32) -> vec4<f32> { return qkv4(img * P.N + qi, P.qOff + h * HD, c); }
fn attn_k(img: u32, h: u32, j: u32, c: u32) -> vec4<f32> { return kv4(img * P.M + j, P.kOff + h * HD, c); }
fn attn_v(img: u32, h: u32, j: u32, c: u32) -> vec4<f32> { return kv4(img * P.M + j, P.vOff + h * HD, c); }
fn attn_out(img: u32, h: u32, qi: u32, r: array<vec4<f32>, HD4>) {
  let base = (img * P.N + qi) * P.oStride + P.hDim + h * HD;
  for (var d = 0u; d < HD; d++) { o[base + d] = r[d / 4u][d % 4u]; }
}

// Real token index of window-local token i of window g, or PAD for a padded position.
fn tokenOf(g: u32, i: u32) -> u32 {
  let y = (g / P.Gw) * P.ws + i / P.ws;
  let x = (g % P.Gw) * P.ws + i % P.ws;
  if (y < P.H && x < P.W) { return y * P.W + x; }
  return PAD;
}

// Hi-Fi q/k/v channels 4c… of token t (PAD: the bias) at column col
fn hi4(img: u32, t: u32, col: u32, c: u32) -> vec4<f32> {
  if (t != PAD) { return qkv4(img * P.N + t, col, c); }
  var v = vec4<f32>(0.0);
  if (P.hasBias != 0u) {
    for (var k = 0u; k < 4u; k++) { if (4u * c + k < HD) { v[k] = bias[col + 4u * c + k]; } }
  }
  return v;
}

// Stage keys j0 … j0 + nk − 1 of the workgroup's windows: k of window w, key jj at
// sh[(w·kt + jj)·HD4 + c], its v wpw·kt·HD4 after.
fn hiStage(img: u32, h: u32, g0: u32, j0: u32, nk: u32, lid: u32) {
  for (var e = lid; e < P.wpw * nk * HD4; e += WG) {
    let c = e % HD4;
    let jj = (e / HD4) % nk;
    let w = e / (HD4 * nk);
    let t = tokenOf(min(g0 + w, P.G - 1u), j0 + jj);
    let at = (w * P.kt + jj) * HD4 + c;
    sh[at] = hi4(img, t, P.hDim + h * HD, c);
    sh[P.wpw * P.kt * HD4 + at] = hi4(img, t, 2u * P.hDim + h * HD, c);
  }
}

fn hifi(img: u32, h: u32, blk: u32, lid: u32) {
  let T = P.ws * P.ws;
  let tw = min(T, WG); // threads per window
  let w = min(lid / tw, P.wpw - 1u);
  let g0 = blk * P.wpw;
  let g = g0 + w;
  let live = lid / tw < P.wpw && g < P.G;
  let kb = w * P.kt * HD4;
  let vb = P.wpw * P.kt * HD4 + kb;
  for (var q0 = 0u; q0 < T; q0 += tw) {
    let i = q0 + lid % tw;
    let valid = live && i < T;
    let ti = tokenOf(min(g, P.G - 1u), min(i, T - 1u));
    var q: array<vec4<f32>, HD4>;
    var acc: array<vec4<f32>, HD4>;
    for (var c = 0u; c < HD4; c++) {
      q[c] = hi4(img, ti, h * HD, c) * P.scale;
      acc[c] = vec4<f32>(0.0);
    }
    var m = NEG;
    var l = 0.0;
    // ph 0: online softmax over the window's keys; ph 1 (maps): the probabilities
    for (var ph = 0u; ph < select(1u, 2u, P.writeMap != 0u && img == 0u); ph++) {
      for (var j0 = 0u; j0 < T; j0 += P.kt) {
        let nk = min(P.kt, T - j0);
        hiStage(img, h, g0, j0, nk, lid);
        workgroupBarrier();
        for (var jj = 0u; jj < nk; jj++) {
          var s = 0.0;
          for (var c = 0u; c < HD4; c++) { s += dot(q[c], sh[kb + jj * HD4 + c]); }
          if (ph == 1u) {
            if (valid) { amap[((h * P.G + g) * T + i) * T + j0 + jj] = exp(s - m) / l; }
            continue;
          }
          let mn = max(m, s);
          let corr = exp(m - mn);
          let p = exp(s - mn);
          l = l * corr + p;
          for (var c = 0u; c < HD4; c++) { acc[c] = fma(vec4<f32>(p), sh[vb + jj * HD4 + c], acc[c] * corr); }
          m = mn;
        }
        workgroupBarrier();
      }
    }
    if (valid && ti != PAD) {
      let base = (img * P.N + ti) * P.oStride + h * HD;
      for (var d = 0u; d < HD; d++) { o[base + d] = acc[d / 4u][d % 4u] / l; }
    }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  if (wg.x < P.hiWg) {
    hifi(wg.z, wg.x / P.hBlocks, wg.x % P.hBlocks, lid);
  } else {
    let x = wg.x - P.hiWg;
    flash_attn(wg.z, x / P.lBlocks, x % P.lBlocks, lid, P.N, P.M, P.scale);
  }
}
