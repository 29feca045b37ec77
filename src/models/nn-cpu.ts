/**
 * Small float64 building blocks shared by the VVT, FAT and GroupMixFormer CPU forwards: layout
 * changes between tokens [B, N, C] and images [B, C, H, W], 1×1 convs as one matmul per sample,
 * eval BatchNorm by state_dict prefix, sub-state-dicts. Everything else comes from tensor/ops.ts.
 */
import { batchNormEval, matmul } from '../tensor/ops';
import type { Tensor } from '../tensor/tensor';
import type { Params } from '../ops/types';

/** The module's weights under `prefix` with the prefix stripped (what an op reference expects). */
export function subParams(w: Params, prefix: string): Params {
  const out: Params = {};
  const n = prefix.length;
  for (const k in w) if (k.startsWith(prefix)) out[k.slice(n)] = w[k];
  return out;
}

export function need(w: Params, key: string): Tensor {
  const t = w[key];
  if (!t) throw new Error(`missing weight '${key}'`);
  return t;
}

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

/** Conv2d 1×1, stride 1 (weight [Cout, Cin, 1, 1]) as W·X per sample — same sums as conv2d, faster. */
export function pointwiseConv(x: Tensor, w: Tensor, b?: Tensor): Tensor {
  const [B, Cin, H, W] = x.shape;
  const Cout = w.shape[0];
  if (w.shape[1] !== Cin || (w.shape[2] ?? 1) !== 1 || (w.shape[3] ?? 1) !== 1) throw new Error(`pointwiseConv: x [${x.shape}] vs W [${w.shape}]`);
  const N = H * W;
  const wm: Tensor = { shape: [Cout, Cin], data: w.data };
  const out = new Float64Array(B * Cout * N);
  for (let s = 0; s < B; s++) {
    const y = matmul(wm, { shape: [Cin, N], data: x.data.subarray(s * Cin * N, (s + 1) * Cin * N) });
    if (b) for (let c = 0; c < Cout; c++) for (let n = 0; n < N; n++) y.data[c * N + n] += b.data[c];
    out.set(y.data, s * Cout * N);
  }
  return { shape: [B, Cout, H, W], data: out };
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
