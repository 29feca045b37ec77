// GMA's aggregators and the chunk partials of its factorised attention, one launch after qkv.
// One workgroup per (tile of TT tokens, role, image); role j = 0..3 is aggregator segment j, role 4
// is Agg_0. raw = the qkv Linear output [B·N, 3C]; A is [B, 3, N, 4s] (q', k', v'), then Z [B·N, s].
// Segment j (weights shared by q, k and v) of q, k and v into A[b, which, t, j·s + o]:
//   j = 0: hswish(raw[t, o]·sc[o] + sh[o])                          (BN0 as an affine)
//   j ≥ 1: hswish(Σ_c DW_j(raw)[t, c]·PW_j[o, c] + bias_j[o])       (BN_j folded into PW_j)
// with DW_j k×k (3, 5, 7), stride 1, zero pad k/2, no bias, computed for q, k and v in one pass
// (each tap's weight feeds three independent sums); the depthwise outputs sit in workgroup memory
// for the pointwise product. The tile's k' and v' stay there too, and the workgroup writes
// the chunk partials of M_e = softmax_N(k'_e)ᵀ·v'_e for its two heads e = 2j, 2j + 1 with a
// chunk-local softmax: per channel i the chunk's max mx_i, Σ_t exp(k_ti − mx_i) and
// Σ_t exp(k_ti − mx_i)·v_tm (part is [B, nchunks, heads, CH·CH + 2·CH]: M, max, sum); gma_m
// rescales and sums them. A segment off (mask bit j clear) is zeros (and its partials those of zeros).
// Agg_0 (mask bit 4): Z[b·N + t, o] = hswish(LN(Σ_c DW([q4|k4|v4])[t, c]·PW[o, c])), DW 3×3 (pad 1,
// no bias) over the 3s channels of segment 4 of q, k, v, PW [s, 3s] (no bias), LayerNorm over s.
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
// pointwise outputs a thread holds while the depthwise outputs they overwrite are still read
const PER: u32 = {{PER}}u;
// a segment: depthwise outputs of [q | k | v], then k' and v' over the k and v thirds;
// Agg_0: depthwise outputs [TT, 3s], then the pointwise outputs [TT, s]
var<workgroup> wm: array<f32, {{TT3S}}>;
var<workgroup> mx: array<f32, {{S}}>;

fn hswish(v: f32) -> f32 { return v * clamp(v + 3.0, 0.0, 6.0) / 6.0; }

// hswish(bias[o] + Σ_c d[tt, c]·PW[o, c]) for element r = tt·s + o of `which` (q, k, v), into A; 0 past N.
fn pointwise(seg: u32, b: u32, t0: u32, which: u32, r: u32, pw0: u32, bi0: u32) -> f32 {
  let s = P.s;
  let tt = r / s;
  let o = r % s;
  let t = t0 + tt;
  if (t >= P.N) { return 0.0; }
  var acc = wts[bi0 + o];
  for (var c = 0u; c < s; c++) { acc = fma(wm[which * TT * s + tt * s + c], wts[pw0 + o * s + c], acc); }
  acc = hswish(acc);
  A[((b * 3u + which) * P.N + t) * 4u * s + seg * s + o] = acc;
  return acc;
}

// Segment `seg` of q, k and v for tokens [t0, t0 + TT) into A, and k', v' into wm[n, 3n) (0 past N).
fn aggregate(seg: u32, b: u32, t0: u32, tid: u32) {
  let s = P.s;
  let n = TT * s;
  let cp = 4u * s;
  let ld = 3u * P.C;
  let on = ((P.mask >> seg) & 1u) != 0u;
  if (!on || seg == 0u) {
    for (var l = tid; l < 3u * n; l += 256u) {
      let which = l / n;
      let t = t0 + (l % n) / s;
      let c = l % s;
      var v = 0.0;
      if (t < P.N) {
        if (on) { v = hswish(fma(qkv[(b * P.N + t) * ld + which * P.C + c], wts[c], wts[s + c])); }
        A[((b * 3u + which) * P.N + t) * cp + seg * s + c] = v;
      }
      wm[l] = v;
    }
    workgroupBarrier();
    return;
  }
  let K = 2u * seg + 1u;
  let pad = i32(seg);
  var dw0 = P.off1;
  if (seg == 2u) { dw0 = P.off2; }
  if (seg == 3u) { dw0 = P.off3; }
  let pw0 = dw0 + s * K * K;
  let bi0 = pw0 + s * s;
  // depthwise: the three share the weight, so each tap feeds three independent sums
  for (var l = tid; l < n; l += 256u) {
    let c = l % s;
    let t = t0 + l / s;
    var aq = 0.0;
    var ak = 0.0;
    var av = 0.0;
    if (t < P.N) {
      let y = i32(t / P.W);
      let x = i32(t % P.W);
      for (var ky = 0u; ky < K; ky++) {
        let iy = y + i32(ky) - pad;
        if (iy < 0 || iy >= i32(P.H)) { continue; }
        for (var kx = 0u; kx < K; kx++) {
          let ix = x + i32(kx) - pad;
          if (ix < 0 || ix >= i32(P.W)) { continue; }
          let src = (b * P.N + u32(iy) * P.W + u32(ix)) * ld + seg * s + c;
          let w = wts[dw0 + (c * K + ky) * K + kx];
          aq = fma(qkv[src], w, aq);
          ak = fma(qkv[src + P.C], w, ak);
          av = fma(qkv[src + 2u * P.C], w, av);
        }
      }
    }
    wm[l] = aq;
    wm[n + l] = ak;
    wm[2u * n + l] = av;
  }
  workgroupBarrier();
  // pointwise: q' straight to A; k' and v' (which = 1 + l / n) held until every thread has read
  // the depthwise outputs they overwrite
  var keep: array<f32, PER>;
  for (var l = tid; l < n; l += 256u) { pointwise(seg, b, t0, 0u, l, pw0, bi0); }
  for (var j = 0u; j < PER; j++) {
    let l = tid + j * 256u;
    if (l < 2u * n) { keep[j] = pointwise(seg, b, t0, 1u + l / n, l % n, pw0, bi0); }
  }
  workgroupBarrier();
  for (var j = 0u; j < PER; j++) {
    let l = tid + j * 256u;
    if (l < 2u * n) { wm[n + l] = keep[j]; }
  }
  workgroupBarrier();
}

fn agg0(b: u32, t0: u32, tid: u32) {
  let s = P.s;
  let s3 = 3u * s;
  let cp = 4u * s;
  let ld = 3u * P.C;
  if (((P.mask >> 4u) & 1u) == 0u) {
    for (var l = tid; l < TT * s; l += 256u) {
      let t = t0 + l / s;
      if (t < P.N) { A[P.zoff + (b * P.N + t) * s + l % s] = 0.0; }
    }
    return;
  }
  for (var l = tid; l < TT * s3; l += 256u) {
    let ci = l % s3;
    let t = t0 + l / s3;
    let col = (ci / s) * P.C + cp + ci % s;
    var acc = 0.0;
    if (t < P.N) {
      let y = i32(t / P.W);
      let x = i32(t % P.W);
      for (var ky = 0; ky < 3; ky++) {
        let iy = y + ky - 1;
        if (iy < 0 || iy >= i32(P.H)) { continue; }
        for (var kx = 0; kx < 3; kx++) {
          let ix = x + kx - 1;
          if (ix < 0 || ix >= i32(P.W)) { continue; }
          let tt = b * P.N + u32(iy) * P.W + u32(ix);
          acc = fma(qkv[tt * ld + col], wts0[ci * 9u + u32(ky * 3 + kx)], acc);
        }
      }
    }
    wm[l] = acc;
  }
  workgroupBarrier();
  let pw0 = 9u * s3;
  var keep: array<f32, PER>;
  for (var j = 0u; j < PER; j++) {
    let l = tid + j * 256u;
    if (l >= TT * s) { continue; }
    let tt = l / s;
    let o = l % s;
    var acc = 0.0;
    for (var c = 0u; c < s3; c++) { acc = fma(wm[tt * s3 + c], wts0[pw0 + o * s3 + c], acc); }
    keep[j] = acc;
  }
  workgroupBarrier();
  for (var j = 0u; j < PER; j++) {
    let l = tid + j * 256u;
    if (l < TT * s) { wm[l] = keep[j]; }
  }
  workgroupBarrier();
  let g0 = pw0 + s * s3;
  for (var tt = tid; tt < TT; tt += 256u) {
    let t = t0 + tt;
    if (t >= P.N) { continue; }
    var mean = 0.0;
    for (var o = 0u; o < s; o++) { mean += wm[tt * s + o]; }
    mean /= f32(s);
    var vr = 0.0;
    for (var o = 0u; o < s; o++) { let e = wm[tt * s + o] - mean; vr = fma(e, e, vr); }
    let inv = inverseSqrt(vr / f32(s) + 1e-5);
    for (var o = 0u; o < s; o++) {
      A[P.zoff + (b * P.N + t) * s + o] = hswish(fma((wm[tt * s + o] - mean) * inv, wts0[g0 + o], wts0[g0 + s + o]));
    }
  }
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let chunk = wg.x;
  let seg = wg.y;
  let b = wg.z;
  let tid = lid.x;
  let t0 = chunk * TT;
  if (seg == 4u) {
    agg0(b, t0, tid);
    return;
  }
  let s = P.s;
  let ks = TT * s;
  let vs = 2u * TT * s;
  aggregate(seg, b, t0, tid);
  // chunk partials of heads 2·seg + h, h = 0, 1: channel h·CH + i of the tile's rows (s = 2·CH)
  let nt = min(TT, P.N - t0);
  for (var l = tid; l < s; l += 256u) {
    var m = wm[ks + l];
    for (var tt = 1u; tt < nt; tt++) { m = max(m, wm[ks + tt * s + l]); }
    mx[l] = m;
  }
  workgroupBarrier();
  for (var l = tid; l < nt * s; l += 256u) { wm[ks + l] = exp(wm[ks + l] - mx[l % s]); }
  workgroupBarrier();
  let stride = CH * CH + 2u * CH;
  let base = ((b * P.nchunks + chunk) * 8u + 2u * seg) * stride;
  for (var o = tid; o < 2u * CH * CH; o += 256u) {
    let h = o / (CH * CH);
    let r = o % (CH * CH);
    let i = h * CH + r / CH;
    let m = h * CH + r % CH;
    var acc = 0.0;
    for (var tt = 0u; tt < nt; tt++) { acc = fma(wm[ks + tt * s + i], wm[vs + tt * s + m], acc); }
    part[base + h * stride + r] = acc;
  }
  for (var l = tid; l < s; l += 256u) {
    var sm = 0.0;
    for (var tt = 0u; tt < nt; tt++) { sm += wm[ks + tt * s + l]; }
    let o = base + (l / CH) * stride + CH * CH + l % CH;
    part[o] = mx[l];
    part[o + CH] = sm;
  }
}
