/**
 * Small float64 building blocks shared by the VVT, FAT and GroupMixFormer CPU forwards: layout
 * changes between tokens [B, N, C] and images [B, C, H, W], eval BatchNorm by state_dict prefix,
 * sub-state-dicts, and register-blocked versions of linear / conv2d / depthwise conv. The latter
 * compute the same sums as tensor/ops.ts (which stays the readable definition; the tests compare
 * them) about 3–20× faster, so a full variant runs in seconds in Node.
 */
import { batchNormEval } from '../tensor/ops';
import type { Tensor } from '../tensor/tensor';
import type { Params } from '../ops/types';
import { requireParam } from '../ops/common/params';

/** The module's weights under `prefix` with the prefix stripped (what an op reference expects). */
export function subParams(w: Params, prefix: string): Params {
  const out: Params = {};
  const n = prefix.length;
  for (const k in w) if (k.startsWith(prefix)) out[k.slice(n)] = w[k];
  return out;
}

/** The weight `key`; throws with the key name when it is missing. */
export const need = requireParam;

/** tokens [B, H·W, C] (row-major pixels) → image [B, C, H, W]. */
export function tokensToImage(t: Tensor, H: number, W: number): Tensor {
  const [B, N, C] = t.shape;
  if (N !== H * W) throw new Error(`tokensToImage: ${N} tokens for a ${H}×${W} grid`);
  const out = new Float64Array(B * C * N);
  for (let b = 0; b < B; b++) {
    const src = b * N * C;
    for (let n = 0; n < N; n++) {
      const row = src + n * C;
      for (let c = 0; c < C; c++) out[src + c * N + n] = t.data[row + c];
    }
  }
  return { shape: [B, C, H, W], data: out };
}

/** image [B, C, H, W] → tokens [B, H·W, C]. */
export function imageToTokens(x: Tensor): Tensor {
  const [B, C, H, W] = x.shape;
  const N = H * W;
  const out = new Float64Array(B * C * N);
  for (let b = 0; b < B; b++) {
    const base = b * N * C;
    for (let c = 0; c < C; c++) {
      const src = base + c * N;
      for (let n = 0; n < N; n++) out[base + n * C + c] = x.data[src + n];
    }
  }
  return { shape: [B, N, C], data: out };
}

/** One sample of a batched tensor (a view-free copy with leading dim 1). */
export function sample(x: Tensor, b: number): Tensor {
  const per = x.data.length / x.shape[0];
  return { shape: [1, ...x.shape.slice(1)], data: x.data.slice(b * per, (b + 1) * per) };
}

/** Stack [1, …] samples back into [B, …]. */
export function stack(parts: Tensor[]): Tensor {
  const per = parts[0].data.length;
  const out = new Float64Array(per * parts.length);
  parts.forEach((p, i) => out.set(p.data, i * per));
  return { shape: [parts.length, ...parts[0].shape.slice(1)], data: out };
}

/** C [M, N] = A [M, K] · Bᵀ (B [N, K]) + bias[n]: four rows of A share each pass over a row of B. */
export function gemmNT(A: Float64Array, B: Float64Array, M: number, N: number, K: number, bias?: Float64Array, out = new Float64Array(M * N)): Float64Array {
  let m = 0;
  for (; m + 4 <= M; m += 4) {
    const a0 = m * K;
    const a1 = a0 + K;
    const a2 = a1 + K;
    const a3 = a2 + K;
    for (let n = 0; n < N; n++) {
      const bo = n * K;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let k = 0; k < K; k++) {
        const bv = B[bo + k];
        s0 += A[a0 + k] * bv;
        s1 += A[a1 + k] * bv;
        s2 += A[a2 + k] * bv;
        s3 += A[a3 + k] * bv;
      }
      const bb = bias ? bias[n] : 0;
      out[m * N + n] = s0 + bb;
      out[(m + 1) * N + n] = s1 + bb;
      out[(m + 2) * N + n] = s2 + bb;
      out[(m + 3) * N + n] = s3 + bb;
    }
  }
  for (; m < M; m++) {
    const ao = m * K;
    for (let n = 0; n < N; n++) {
      const bo = n * K;
      let s0 = 0;
      for (let k = 0; k < K; k++) s0 += A[ao + k] * B[bo + k];
      out[m * N + n] = s0 + (bias ? bias[n] : 0);
    }
  }
  return out;
}

/** torch.nn.Linear (W [out, in]) on x [..., in], as tensor/ops linear. */
export function linearFast(x: Tensor, w: Tensor, b?: Tensor): Tensor {
  const [outF, inF] = w.shape;
  if (x.shape[x.shape.length - 1] !== inF) throw new Error(`linear: x [${x.shape}] vs W [${w.shape}]`);
  const rows = x.data.length / inF;
  return { shape: [...x.shape.slice(0, -1), outF], data: gemmNT(x.data, w.data, rows, outF, inF, b?.data) };
}

/** [R, S] → [S, R]. */
function transpose2(src: Float64Array, R: number, S: number, out = new Float64Array(R * S)): Float64Array {
  for (let r = 0; r < R; r++) {
    const o = r * S;
    for (let c = 0; c < S; c++) out[c * R + r] = src[o + c];
  }
  return out;
}

const pair = (v: number | [number, number] | undefined, d: number): [number, number] => (v === undefined ? [d, d] : typeof v === 'number' ? [v, v] : v);

/**
 * Dense conv2d (groups = 1) as im2col + gemmNT per sample; zero padding, any stride. Same result as
 * tensor/ops conv2d with groups 1.
 */
export function convFast(x: Tensor, w: Tensor, b: Tensor | undefined, opt: { stride?: number | [number, number]; padding?: number | [number, number] } = {}): Tensor {
  const [B, Cin, H, W] = x.shape;
  const [Cout, cpg, kh, kw] = w.shape;
  if (cpg !== Cin) throw new Error(`convFast: Cin ${Cin} vs weight [${w.shape}] (groups must be 1)`);
  const [sh, sw] = pair(opt.stride, 1);
  const [ph, pw] = pair(opt.padding, 0);
  const Ho = convOut(H, kh, sh, ph);
  const Wo = convOut(W, kw, sw, pw);
  const No = Ho * Wo;
  const K = Cin * kh * kw;
  const out = new Float64Array(B * Cout * No);
  const bias = b?.data;
  if (kh === 1 && kw === 1 && sh === 1 && sw === 1 && ph === 0 && pw === 0) {
    // 1×1: the sample's [Cin, N] map transposed is the column matrix.
    const cols = new Float64Array(No * Cin);
    const tmp = new Float64Array(No * Cout);
    for (let s = 0; s < B; s++) {
      transpose2(x.data.subarray(s * Cin * No, (s + 1) * Cin * No), Cin, No, cols);
      gemmNT(cols, w.data, No, Cout, Cin, bias, tmp);
      transpose2(tmp, No, Cout, out.subarray(s * Cout * No, (s + 1) * Cout * No));
    }
    return { shape: [B, Cout, Ho, Wo], data: out };
  }
  const cols = new Float64Array(No * K);
  const tmp = new Float64Array(No * Cout);
  for (let s = 0; s < B; s++) {
    cols.fill(0);
    const xs = s * Cin * H * W;
    for (let oy = 0; oy < Ho; oy++) {
      for (let ox = 0; ox < Wo; ox++) {
        const row = (oy * Wo + ox) * K;
        for (let ci = 0; ci < Cin; ci++) {
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * sh - ph + ky;
            if (iy < 0 || iy >= H) continue;
            const src = xs + (ci * H + iy) * W;
            const dst = row + (ci * kh + ky) * kw;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * sw - pw + kx;
              if (ix >= 0 && ix < W) cols[dst + kx] = x.data[src + ix];
            }
          }
        }
      }
    }
    gemmNT(cols, w.data, No, Cout, K, bias, tmp);
    transpose2(tmp, No, Cout, out.subarray(s * Cout * No, (s + 1) * Cout * No));
  }
  return { shape: [B, Cout, Ho, Wo], data: out };
}

/** Depthwise conv2d (groups = C, weight [C, 1, kh, kw]), zero padding, any stride; as tensor/ops depthwiseConv2d. */
export function depthwiseFast(x: Tensor, w: Tensor, b: Tensor | undefined, opt: { stride?: number; padding?: number } = {}): Tensor {
  const [B, C, H, W] = x.shape;
  const [Cw, one, kh, kw] = w.shape;
  if (Cw !== C || one !== 1) throw new Error(`depthwiseFast: x [${x.shape}] vs W [${w.shape}]`);
  const st = opt.stride ?? 1;
  const pad = opt.padding ?? 0;
  const Ho = convOut(H, kh, st, pad);
  const Wo = convOut(W, kw, st, pad);
  const X = x.data;
  const Wt = w.data;
  const out = new Float64Array(B * C * Ho * Wo);
  for (let bc = 0; bc < B * C; bc++) {
    const c = bc % C;
    const xo = bc * H * W;
    const oo = bc * Ho * Wo;
    const bias = b ? b.data[c] : 0;
    for (let i = 0; i < Ho * Wo; i++) out[oo + i] = bias;
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        const wv = Wt[(c * kh + ky) * kw + kx];
        // valid output columns: 0 ≤ ox·st − pad + kx < W
        const oxLo = Math.max(0, Math.ceil((pad - kx) / st));
        const oxHi = Math.min(Wo - 1, Math.floor((W - 1 + pad - kx) / st));
        if (oxLo > oxHi) continue;
        for (let oy = 0; oy < Ho; oy++) {
          const iy = oy * st - pad + ky;
          if (iy < 0 || iy >= H) continue;
          const src = xo + iy * W - pad + kx;
          const dst = oo + oy * Wo;
          for (let ox = oxLo; ox <= oxHi; ox++) out[dst + ox] += wv * X[src + ox * st];
        }
      }
    }
  }
  return { shape: [B, C, Ho, Wo], data: out };
}

/** Conv2d 1×1, stride 1 (weight [Cout, Cin, 1, 1]). */
export function pointwiseConv(x: Tensor, w: Tensor, b?: Tensor): Tensor {
  return convFast(x, w, b);
}

/**
 * Eval BatchNorm (running stats) of the module at `prefix`. A BN that foldBatchNorms removed
 * (no running_mean left) is the identity: its affine map now lives in the preceding conv.
 */
export function bnByPrefix(x: Tensor, w: Params, prefix: string, eps = 1e-5): Tensor {
  const mean = w[`${prefix}.running_mean`];
  if (!mean) return x;
  return batchNormEval(x, { weight: w[`${prefix}.weight`], bias: w[`${prefix}.bias`], mean, variance: need(w, `${prefix}.running_var`) }, eps);
}

/** In-place elementwise activation (no closures per element beyond `f`). */
export function applyInPlace(t: Tensor, f: (v: number) => number): Tensor {
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] = f(d[i]);
  return t;
}

/** a += b (same length). */
export function addInPlace(a: Tensor, b: Tensor): Tensor {
  if (a.data.length !== b.data.length) throw new Error(`add: [${a.shape}] + [${b.shape}]`);
  const x = a.data;
  const y = b.data;
  for (let i = 0; i < x.length; i++) x[i] += y[i];
  return a;
}

/** Mean over the token axis: [B, N, C] → [B, C]. */
export function meanTokens(t: Tensor): Tensor {
  const [B, N, C] = t.shape;
  const out = new Float64Array(B * C);
  for (let b = 0; b < B; b++) {
    for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) out[b * C + c] += t.data[(b * N + n) * C + c];
    for (let c = 0; c < C; c++) out[b * C + c] /= N;
  }
  return { shape: [B, C], data: out };
}

/** Mean over H, W: [B, C, H, W] → [B, C]. */
export function meanSpatial(x: Tensor): Tensor {
  const [B, C, H, W] = x.shape;
  const N = H * W;
  const out = new Float64Array(B * C);
  for (let i = 0; i < B * C; i++) {
    let s = 0;
    for (let n = 0; n < N; n++) s += x.data[i * N + n];
    out[i] = s / N;
  }
  return { shape: [B, C], data: out };
}

/** Conv output size (floor mode, as torch). */
export const convOut = (n: number, k: number, s: number, p: number): number => Math.floor((n + 2 * p - k) / s) + 1;

/** Integer array from a fixture config (loose JSON). */
export function cfgInts(config: Record<string, unknown>, key: string, fallback?: number[]): number[] {
  const v = config[key];
  if (Array.isArray(v) && v.every((e) => typeof e === 'number')) return v as number[];
  if (v === undefined || v === null) {
    if (fallback) return [...fallback];
    throw new Error(`config: '${key}' missing`);
  }
  throw new Error(`config: '${key}' is not a number list`);
}

/** BatchNorm keys in state_dict order (with the int64 counter the official modules register). */
export function bnKeys(prefix: string, n: number): Array<[string, number[]]> {
  return [
    [`${prefix}.weight`, [n]], [`${prefix}.bias`, [n]], [`${prefix}.running_mean`, [n]], [`${prefix}.running_var`, [n]],
    [`${prefix}.num_batches_tracked`, []],
  ];
}

/**
 * Folds an eval BatchNorm into the conv before it (weight [Cout, …], optional bias): W' = W·g,
 * b' = (b − μ)·g + β with g = γ/√(σ² + eps). Returns the new conv weight and bias.
 */
export function foldBn(convW: Tensor, convB: Tensor | undefined, w: Params, bnPrefix: string, eps = 1e-5): { weight: Tensor; bias: Tensor } {
  const Cout = convW.shape[0];
  const per = convW.data.length / Cout;
  const gamma = w[`${bnPrefix}.weight`];
  const beta = w[`${bnPrefix}.bias`];
  const mean = need(w, `${bnPrefix}.running_mean`);
  const variance = need(w, `${bnPrefix}.running_var`);
  const weight = new Float64Array(convW.data.length);
  const bias = new Float64Array(Cout);
  for (let c = 0; c < Cout; c++) {
    const g = (gamma ? gamma.data[c] : 1) / Math.sqrt(variance.data[c] + eps);
    for (let i = 0; i < per; i++) weight[c * per + i] = convW.data[c * per + i] * g;
    bias[c] = ((convB ? convB.data[c] : 0) - mean.data[c]) * g + (beta ? beta.data[c] : 0);
  }
  return { weight: { shape: [...convW.shape], data: weight }, bias: { shape: [Cout], data: bias } };
}

/** Removes a BatchNorm's keys (after folding) so bnByPrefix treats it as the identity. */
export function dropBn(w: Params, prefix: string): void {
  for (const f of ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']) delete w[`${prefix}.${f}`];
}

/**
 * Folds an eval BatchNorm into the 1×1 conv / linear that FOLLOWS it (weight [Cout, Cin, 1, 1] or
 * [Cout, Cin]): W(g⊙z + h) + b = (W·diag g)z + (Wh + b), g = γ/√(σ² + eps), h = β − μ·g. Exact
 * because a 1×1 conv has no padding that would see the BN's shift.
 */
export function foldBnIntoNext(nextW: Tensor, nextB: Tensor | undefined, w: Params, bnPrefix: string, eps = 1e-5): { weight: Tensor; bias: Tensor } {
  const [Cout, Cin] = nextW.shape;
  if (nextW.data.length !== Cout * Cin) throw new Error(`foldBnIntoNext: [${nextW.shape}] is not a 1×1 conv`);
  const gamma = w[`${bnPrefix}.weight`];
  const beta = w[`${bnPrefix}.bias`];
  const mean = need(w, `${bnPrefix}.running_mean`);
  const variance = need(w, `${bnPrefix}.running_var`);
  const g = new Float64Array(Cin);
  const h = new Float64Array(Cin);
  for (let i = 0; i < Cin; i++) {
    g[i] = (gamma ? gamma.data[i] : 1) / Math.sqrt(variance.data[i] + eps);
    h[i] = (beta ? beta.data[i] : 0) - mean.data[i] * g[i];
  }
  const weight = new Float64Array(Cout * Cin);
  const bias = new Float64Array(Cout);
  for (let o = 0; o < Cout; o++) {
    let s = nextB ? nextB.data[o] : 0;
    for (let i = 0; i < Cin; i++) {
      weight[o * Cin + i] = nextW.data[o * Cin + i] * g[i];
      s += nextW.data[o * Cin + i] * h[i];
    }
    bias[o] = s;
  }
  return { weight: { shape: [...nextW.shape], data: weight }, bias: { shape: [Cout], data: bias } };
}

/** Replaces `conv` (weight/bias keys) by the fold of the BN at `bn` after it, and drops the BN. */
export function foldInto(w: Params, conv: string, bn: string, eps = 1e-5): void {
  const f = foldBn(need(w, `${conv}.weight`), w[`${conv}.bias`], w, bn, eps);
  w[`${conv}.weight`] = f.weight;
  w[`${conv}.bias`] = f.bias;
  dropBn(w, bn);
}

/** Replaces the 1×1 conv `next` by the fold of the BN at `bn` before it, and drops the BN. */
export function foldIntoNext(w: Params, bn: string, next: string, eps = 1e-5): void {
  const f = foldBnIntoNext(need(w, `${next}.weight`), w[`${next}.bias`], w, bn, eps);
  w[`${next}.weight`] = f.weight;
  w[`${next}.bias`] = f.bias;
  dropBn(w, bn);
}
