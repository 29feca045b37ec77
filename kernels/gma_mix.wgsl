// GMA's aggregators and the chunk partials of its factorised attention, one launch after qkv.
// One workgroup per (tile of TT tokens, role, image): role j = 0..3 is segment j's k' and v' (segment
// 0: q' too) and the chunk partials of its two heads, role 3 + j (j = 1..3) is segment j's q', role
// 7 is Agg_0 (q' feeds only gma_y: apart, the segment's longest chain shrinks by a third and the
// grid grows from 5 to 8 roles). raw = the qkv Linear output [B·N, 3C]; A is [B, 3, N, 4s]
// (q', k', v'), then Z [B·N, s].
// Segment j (weights shared by q, k and v) of q, k and v into A[b, which, t, j·s + o]:
//   j = 0: hswish(raw[t, o]·sc[o] + sh[o])                          (BN0 as an affine)
//   j ≥ 1: hswish(Σ_c DW_j(raw)[t, c]·PW_j[o, c] + bias_j[o])       (BN_j folded into PW_j)
// with DW_j k×k (3, 5, 7), stride 1, zero pad k/2, no bias (for k and v in one pass: each tap's
// weight feeds two independent sums); the depthwise outputs sit in workgroup memory for the
// pointwise product. The tile's k' and v' stay there too, and the workgroup writes
// the chunk partials of M_e = softmax_N(k'_e)ᵀ·v'_e for its two heads e = 2j, 2j + 1 with a
// chunk-local softmax: per channel i the chunk's max mx_i, Σ_t exp(k_ti − mx_i) and
// Σ_t exp(k_ti − mx_i)·v_tm (part is [B, nchunks, heads, CH·CH + 2·CH]: M, max, sum); gma_m
// rescales and sums them. A segment off (mask bit j clear) is zeros (and its partials those of zeros).
// Agg_0 (mask bit 4): Z[b·N + t, o] = hswish(LN(Σ_c DW([q4|k4|v4])[t, c]·PW[o, c])), DW 3×3 (pad 1,
// no bias) over the 3s channels of segment 4 of q, k, v, PW [s, 3s] (no bias), LayerNorm over s.
// A thread's elements l = tid + 256·j (of a conv, pointwise product or the partials) advance side by
// side, tap by tap, channel by channel or token by token, so one step's loads are independent; each
// element's sum runs in the same order as with one element per thread (TT, not the threads, sets it).
// Weights (packed, see src/ops/gma/gpu.ts): wts = sc [s], sh [s], then per segment j ≥ 1 at off_j:
// DW [s, k²], PW [s, s], bias [s]; wts0 = DW [3s, 9], PW [s, 3s], gamma [s], beta [s].
struct Params { N: u32, H: u32, W: u32, C: u32, s: u32, mask: u32, off1: u32, off2: u32, off3: u32, nchunks: u32, zoff: u32 }
@group(0) @binding(0) var<storage, read> qkv: array<f32>;
@group(0) @binding(1) var<storage, read> wts: array<f32>;
@group(0) @binding(2) var<storage, read> wts0: array<f32>;
@group(0) @binding(3) var<storage, read_write> A: array<f32>;
@group(0) @binding(4) var<storage, read_write> part: array<f32>; // keep-f32: partial sums
@group(0) @binding(5) var<uniform> P: Params;

const TT: u32 = {{TT}}u;
const CH: u32 = {{CH}}u;
const S: u32 = {{S}}u;
// S = P.s at compile time for indexing; the LayerNorm divides by P.s as it always has (a constant
// divisor may compile to a multiply by its rounded reciprocal)
// one of q, k, v over the tile (TT tokens × S channels)
const NT: u32 = TT * S;
// elements per thread: one of q, k, v (depthwise; Agg_0's pointwise), k and v (pointwise),
// the partials (two heads' CH×CH), Agg_0's depthwise (3S channels)
const ED: u32 = (NT + 255u) / 256u;
const EP: u32 = (2u * NT + 255u) / 256u;
const EM: u32 = (2u * CH * CH + 255u) / 256u;
const EZ: u32 = (3u * NT + 255u) / 256u;
// a segment: depthwise outputs of q, or of [k | v], then k' and v' in their place;
// Agg_0: depthwise outputs [TT, 3S], then the pointwise outputs [TT, S]
var<workgroup> wm: array<f32, 3u * NT>;
var<workgroup> mx: array<f32, S>;
const FAR: i32 = -65536; // a row no tap reaches: the element lies past N

fn hswish(v: f32) -> f32 { return v * clamp(v + 3.0, 0.0, 6.0) / 6.0; }

// Segment `seg` of which = w0 .. w0 + nw − 1 (0 = q, 1 = k, 2 = v) for tokens [t0, t0 + TT) into A,
// and k', v' into wm[0, 2NT) when w0 + nw = 3 (0 past N): segment 0 q, k and v at once (nw = 3),
// the others q alone (w0 = 0, nw = 1) or k and v (w0 = 1, nw = 2); zeros for a segment off.
fn aggregate(seg: u32, b: u32, t0: u32, tid: u32, w0: u32, nw: u32) {
  let cp = 4u * S;
  let ld = 3u * P.C;
  let on = ((P.mask >> seg) & 1u) != 0u;
  if (!on || seg == 0u) {
    for (var l = tid; l < nw * NT; l += 256u) {
      let which = w0 + l / NT;
      let t = t0 + (l % NT) / S;
      let c = l % S;
      var v = 0.0;
      if (t < P.N) {
        if (on) { v = hswish(fma(qkv[(b * P.N + t) * ld + which * P.C + c], wts[c], wts[S + c])); }
        A[((b * 3u + which) * P.N + t) * cp + seg * S + c] = v;
      }
      if (which > 0u) { wm[(which - 1u) * NT + l % NT] = v; }
    }
    workgroupBarrier();
    return;
  }
  let K = 2u * seg + 1u;
  let pad = i32(seg);
  var dw0 = P.off1;
  if (seg == 2u) { dw0 = P.off2; }
  if (seg == 3u) { dw0 = P.off3; }
  let pw0 = dw0 + S * K * K;
  let bi0 = pw0 + S * S;
  let two = nw == 2u;
  // depthwise of q, or of k and v (one tap weight, two sums), into wm[(which − w0)·NT + l]; the
  // thread's elements l = tid + 256·j (token l / S, channel l % S) side by side, tap by tap
  var y: array<i32, ED>;
  var x: array<i32, ED>;
  var d0: array<f32, ED>;
  var d1: array<f32, ED>;
  for (var j = 0u; j < ED; j++) {
    let l = tid + j * 256u;
    let t = t0 + l / S;
    y[j] = FAR;
    if (l < NT && t < P.N) { y[j] = i32(t / P.W); x[j] = i32(t % P.W); }
  }
  for (var ky = 0u; ky < K; ky++) {
    for (var kx = 0u; kx < K; kx++) {
      for (var j = 0u; j < ED; j++) {
        let iy = y[j] + i32(ky) - pad;
        let ix = x[j] + i32(kx) - pad;
        if (iy < 0 || iy >= i32(P.H) || ix < 0 || ix >= i32(P.W)) { continue; }
        let c = (tid + j * 256u) % S;
        let src = (b * P.N + u32(iy) * P.W + u32(ix)) * ld + w0 * P.C + seg * S + c;
        let w = wts[dw0 + (c * K + ky) * K + kx];
        d0[j] = fma(qkv[src], w, d0[j]);
        if (two) { d1[j] = fma(qkv[src + P.C], w, d1[j]); }
      }
    }
  }
  for (var j = 0u; j < ED; j++) {
    let l = tid + j * 256u;
    if (l < NT) {
      wm[l] = d0[j];
      if (two) { wm[NT + l] = d1[j]; }
    }
  }
  workgroupBarrier();
  // pointwise: element l < nw·NT of which = w0 + l / NT (token (l % NT) / S, output o = l % S) is
  // hswish(bias[o] + Σ_c wm[l − o + c]·PW[o, c]), the thread's side by side, c by c
  let n = nw * NT;
  var acc: array<f32, EP>;
  for (var j = 0u; j < EP; j++) {
    let l = tid + j * 256u;
    if (l < n) { acc[j] = wts[bi0 + l % S]; }
  }
  for (var c = 0u; c < S; c++) {
    for (var j = 0u; j < EP; j++) {
      let l = tid + j * 256u;
      if (l < n) { acc[j] = fma(wm[l - l % S + c], wts[pw0 + (l % S) * S + c], acc[j]); }
    }
  }
  for (var j = 0u; j < EP; j++) {
    let l = tid + j * 256u;
    let t = t0 + (l % NT) / S;
    var v = 0.0;
    if (l < n && t < P.N) {
      v = hswish(acc[j]);
      A[((b * 3u + w0 + l / NT) * P.N + t) * cp + seg * S + l % S] = v;
    }
    acc[j] = v;
  }
  if (!two) { return; }
  // k' and v' replace the depthwise outputs once every thread has read those
  workgroupBarrier();
  for (var j = 0u; j < EP; j++) {
    let l = tid + j * 256u;
    if (l < 2u * NT) { wm[l] = acc[j]; }
  }
  workgroupBarrier();
}

fn agg0(b: u32, t0: u32, tid: u32) {
  let s3 = 3u * S;
  let cp = 4u * S;
  let ld = 3u * P.C;
  if (((P.mask >> 4u) & 1u) == 0u) {
    for (var l = tid; l < NT; l += 256u) {
      let t = t0 + l / S;
      if (t < P.N) { A[P.zoff + (b * P.N + t) * S + l % S] = 0.0; }
    }
    return;
  }
  // depthwise: element l = tid + 256·j (token l / 3S, channel ci = l % 3S), side by side
  var y: array<i32, EZ>;
  var x: array<i32, EZ>;
  var d: array<f32, EZ>;
  for (var j = 0u; j < EZ; j++) {
    let l = tid + j * 256u;
    let t = t0 + l / s3;
    y[j] = FAR;
    if (l < TT * s3 && t < P.N) { y[j] = i32(t / P.W); x[j] = i32(t % P.W); }
  }
  for (var ky = 0; ky < 3; ky++) {
    for (var kx = 0; kx < 3; kx++) {
      for (var j = 0u; j < EZ; j++) {
        let iy = y[j] + ky - 1;
        let ix = x[j] + kx - 1;
        if (iy < 0 || iy >= i32(P.H) || ix < 0 || ix >= i32(P.W)) { continue; }
        let ci = (tid + j * 256u) % s3;
        let col = (ci / S) * P.C + cp + ci % S;
        let tt = b * P.N + u32(iy) * P.W + u32(ix);
        d[j] = fma(qkv[tt * ld + col], wts0[ci * 9u + u32(ky * 3 + kx)], d[j]);
      }
    }
  }
  for (var j = 0u; j < EZ; j++) {
    let l = tid + j * 256u;
    if (l < TT * s3) { wm[l] = d[j]; }
  }
  workgroupBarrier();
  // pointwise: element l = tid + 256·j (token l / S, output l % S), side by side, c by c
  let pw0 = 9u * s3;
  var acc: array<f32, ED>;
  for (var c = 0u; c < s3; c++) {
    for (var j = 0u; j < ED; j++) {
      let l = tid + j * 256u;
      if (l < NT) { acc[j] = fma(wm[(l / S) * s3 + c], wts0[pw0 + (l % S) * s3 + c], acc[j]); }
    }
  }
  workgroupBarrier();
  for (var j = 0u; j < ED; j++) {
    let l = tid + j * 256u;
    if (l < NT) { wm[l] = acc[j]; }
  }
  workgroupBarrier();
  let g0 = pw0 + S * s3;
  for (var tt = tid; tt < TT; tt += 256u) {
    let t = t0 + tt;
    if (t >= P.N) { continue; }
    var mean = 0.0;
    for (var o = 0u; o < S; o++) { mean += wm[tt * S + o]; }
    mean /= f32(P.s);
    var vr = 0.0;
    for (var o = 0u; o < S; o++) { let e = wm[tt * S + o] - mean; vr = fma(e, e, vr); }
    let inv = inverseSqrt(vr / f32(P.s) + 1e-5);
    for (var o = 0u; o < S; o++) {
      A[P.zoff + (b * P.N + t) * S + o] = hswish(fma((wm[tt * S + o] - mean) * inv, wts0[g0 + o], wts0[g0 + S + o]));
    }
  }
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let chunk = wg.x;
  let role = wg.y;
  let b = wg.z;
  let tid = lid.x;
  let t0 = chunk * TT;
  if (role == 7u) {
    agg0(b, t0, tid);
    return;
  }
  if (role >= 4u) {
    aggregate(role - 3u, b, t0, tid, 0u, 1u);
    return;
  }
  let seg = role;
  if (seg == 0u) { aggregate(0u, b, t0, tid, 0u, 3u); } else { aggregate(seg, b, t0, tid, 1u, 2u); }
  // chunk partials of heads 2·seg + h, h = 0, 1: channel h·CH + i of the tile's rows (S = 2·CH);
  // k' at wm[0, NT), v' at wm[NT, 2NT)
  let nt = min(TT, P.N - t0);
  for (var l = tid; l < S; l += 256u) {
    var m = wm[l];
    for (var tt = 1u; tt < nt; tt++) { m = max(m, wm[tt * S + l]); }
    mx[l] = m;
  }
  workgroupBarrier();
  for (var l = tid; l < nt * S; l += 256u) { wm[l] = exp(wm[l] - mx[l % S]); }
  workgroupBarrier();
  let stride = CH * CH + 2u * CH;
  let base = ((b * P.nchunks + chunk) * 8u + 2u * seg) * stride;
  // entry o = tid + 256·j of the two heads' M (i = h·CH + r / CH, m = h·CH + r % CH), side by side,
  // token by token
  var acc: array<f32, EM>;
  for (var tt = 0u; tt < nt; tt++) {
    for (var j = 0u; j < EM; j++) {
      let o = tid + j * 256u;
      let h = o / (CH * CH);
      let r = o % (CH * CH);
      if (o < 2u * CH * CH) { acc[j] = fma(wm[tt * S + h * CH + r / CH], wm[NT + tt * S + h * CH + r % CH], acc[j]); }
    }
  }
  for (var j = 0u; j < EM; j++) {
    let o = tid + j * 256u;
    if (o < 2u * CH * CH) { part[base + (o / (CH * CH)) * stride + o % (CH * CH)] = acc[j]; }
  }
  for (var l = tid; l < S; l += 256u) {
    var sm = 0.0;
    for (var tt = 0u; tt < nt; tt++) { sm += wm[tt * S + l]; }
    let o = base + (l / CH) * stride + CH * CH + l % CH;
    part[o] = mx[l];
    part[o + CH] = sm;
  }
}
