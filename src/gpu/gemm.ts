/**
 * Every matrix product of the ops and backbones, and the one place that picks its kernel by shape:
 *  - `linear` (kernels/linear.wgsl, lib/gemm.wgsl's 64×64 tiles, or 32×64 for a small product on
 *    a GPU: linearRows; fused bias, activation and in-place residual) — the default;
 *  - `big`: enough 128-row output tiles to fill a large GPU (batch 32) → kernels/linear_big.wgsl,
 *    8×8 or 8×4 outputs per thread from vec4 reads — the same sums as linear.wgsl, bit for bit, at
 *    a higher fma rate (at 4096³ on an H100: 36 TFLOP/s against 21). linearDispatch takes it
 *    whenever the shape allows and the epilogue is bias and GELU at most, so every such Linear of
 *    every op gains it (Hardswish and the in-place residual made its RN = 8 variant 7-18× slower
 *    on an H100, so they stay on linear.wgsl);
 *  - `splitk`: few tiles against a long K (batch 1 at 14×14 and 7×7: 49–196 rows, K up to 3072) →
 *    gemm_splitk + gemm_splitk_reduce, so a handful of workgroups no longer run K/16 serial steps
 *    each while the rest of the GPU idles. The splits are summed in order (a different, fixed
 *    summation order from one dispatch: within fixture tolerance, not bit-identical).
 * Dense convs (groups 1) run as implicit GEMMs through the same choice (never `big`: their rows
 * are gathered, not vec4 loads).
 */
import type { Dispatch, GpuContext } from './context';
import { expandWgsl, kernelText } from './wgsl';
import { grid1d } from './plan/scratch';
import linearWgsl from '../../kernels/linear.wgsl?raw';
import bigWgsl from '../../kernels/linear_big.wgsl?raw';
import convWgsl from '../../kernels/conv2d_gemm.wgsl?raw';
import splitkWgsl from '../../kernels/gemm_splitk.wgsl?raw';
import reduceWgsl from '../../kernels/gemm_splitk_reduce.wgsl?raw';

/** Scratch allocation by role (a backbone plan reuses buffers by role; a single run checks them out of a pool). */
export type ScratchAlloc = (role: string, floats: number) => GPUBuffer;

/** 128-row tiles from which linear_big runs (about half the SMs of an H100/H200; more on smaller GPUs). */
export const BIG_MIN_TILES = 64;
/**
 * Settable only for the bench's A/B and the tests. splitMinSteps: K steps (of 16) from which
 * splitting K pays for the extra reduce dispatch (a split saves steps·(1 − 1/s) serial steps of the
 * few workgroups, the reduce costs one small dependent launch; `--split-min-steps`). rows32Below:
 * linearRows' threshold, null = by adapter (`--rows32-below`).
 */
export const gemmTuning: { splitMinSteps: number; rows32Below: number | null } = { splitMinSteps: 32, rows32Below: null };
/** 64×64 output tiles of one product below which splitting K pays (about two workgroups per SM of a large GPU). */
const FILL_TILES = 264;
/** 64×64 output tiles of one product below which it runs on 32-row tiles on a GPU (about one workgroup per SM of a large GPU). */
const SMALL_TILES = 132;
/** Each split runs at least this many 16-wide K steps. */
const MIN_STEPS_PER_SPLIT = 8;

/** Number of K splits that would fill the GPU for an M×N×K product (1 = none). */
export function splitCount(M: number, N: number, K: number): number {
  const tiles = Math.ceil(N / 64) * Math.ceil(M / 64);
  const steps = Math.ceil(K / 16);
  const s = Math.max(1, Math.min(Math.floor(FILL_TILES / tiles), Math.floor(steps / MIN_STEPS_PER_SPLIT)));
  // as many splits as the rounded steps per split really give
  return Math.ceil(steps / Math.ceil(steps / s));
}

export type GemmKind = 'big' | 'splitk' | 'linear';

/** Columns per thread when x[M, K]·Wᵀ runs on linear_big (vec4 rows and enough 128-row tiles), else 0. */
function bigColumns(M: number, N: number, K: number): 0 | 4 | 8 {
  const rn: 4 | 8 = N % 128 === 0 ? 8 : 4;
  const tiles = Math.ceil(M / 128) * Math.ceil(N / (16 * rn));
  return K % 4 === 0 && N % 4 === 0 && tiles >= BIG_MIN_TILES ? rn : 0;
}

/** Which kernel a [M, K] × [N, K]ᵀ product runs on, and the split count / columns per thread. */
export function gemmPlan(M: number, N: number, K: number, opts: { conv?: boolean } = {}): { kind: GemmKind; splits: number; rn: 4 | 8 } {
  const rn = opts.conv ? 0 : bigColumns(M, N, K);
  if (rn) return { kind: 'big', splits: 1, rn };
  const s = splitCount(M, N, K);
  if (s > 1 && Math.ceil(K / 16) >= gemmTuning.splitMinSteps) return { kind: 'splitk', splits: s, rn: 4 };
  return { kind: 'linear', splits: 1, rn: 4 };
}

/** The activation a Linear's epilogue applies after the bias. */
export type LinearAct = 'none' | 'hswish' | 'gelu';
const ACT: Record<LinearAct, number> = { none: 0, hswish: 1, gelu: 2 };

/** One zero buffer per device stands in for a missing bias (the kernels never read it then). */
const noBias = new WeakMap<GpuContext, GPUBuffer>();
export function biasOrDummy(ctx: GpuContext, b: GPUBuffer | null): GPUBuffer {
  if (b) return b;
  let d = noBias.get(ctx);
  if (!d) noBias.set(ctx, (d = ctx.scratch(4)));
  return d;
}

export interface LinearOpts {
  act?: LinearAct;
  /** y += the product (an in-place residual add) */
  accumulate?: boolean;
}

/**
 * y[M,N] = act(x[M,K]·Wᵀ + b) (+ y when `accumulate`: an in-place residual add) on linear_big.wgsl
 * where the shape fills the GPU with its tiles, else linear.wgsl (bit-identical results either way),
 * all buffers already on the GPU (`W` may have more than N rows: the first N are used).
 */
export function linearDispatch(
  ctx: GpuContext, x: GPUBuffer, w: GPUBuffer, b: GPUBuffer | null, y: GPUBuffer, M: number, N: number, K: number,
  opts: LinearOpts = {},
): Dispatch {
  const rn = opts.accumulate || opts.act === 'hswish' ? 0 : bigColumns(M, N, K);
  return rn ? bigDispatch(ctx, x, w, b, y, M, N, K, rn, opts.act === 'gelu' ? 'gelu' : 'none') : tileDispatch(ctx, x, w, b, y, M, N, K, opts);
}

/**
 * Thread rows of linear.wgsl's and conv2d_gemm's workgroup for an M×N product: 8 (32-row tiles,
 * twice the workgroups) when its 64×64 tiles would leave most SMs of a large GPU idle (fewer than
 * gemmTuning.rows32Below; by default SMALL_TILES on a GPU and 0 on a software adapter, which runs a few
 * workgroups at a time and only pays for more, smaller ones: VVT's browser tests +16 %), else 16.
 * Each output's sum runs the same fmas in the same order either way.
 */
export function linearRows(M: number, N: number, software: boolean): 8 | 16 {
  const below = gemmTuning.rows32Below ?? (software ? 0 : SMALL_TILES);
  return Math.ceil(M / 64) * Math.ceil(N / 64) < below ? 8 : 16;
}

/** linearDispatch on linear.wgsl (64- or 32-row tiles of 64 columns, by linearRows), whatever the shape. */
export function tileDispatch(ctx: GpuContext, x: GPUBuffer, w: GPUBuffer, b: GPUBuffer | null, y: GPUBuffer, M: number, N: number, K: number, opts: LinearOpts = {}): Dispatch {
  const wy = linearRows(M, N, ctx.report.software);
  return {
    pipeline: ctx.pipeline(expandWgsl(kernelText('linear.wgsl', linearWgsl), { WY: wy })),
    buffers: [x, w, biasOrDummy(ctx, b), y],
    params: { M, N, K, has_bias: b ? 1 : 0, act: ACT[opts.act ?? 'none'], accumulate: opts.accumulate ? 1 : 0 },
    workgroups: [Math.ceil(N / 64), Math.ceil(M / (4 * wy))],
  };
}

export interface ConvGeom {
  B: number;
  Cin: number;
  H: number;
  W: number;
  Cout: number;
  k: number;
  stride: number;
  pad: number;
  /** input layout: channel-first [B,Cin,H,W] (the image) or tokens [B,H·W,Cin] */
  channelFirst: boolean;
}

export const convOutSize = (n: number, k: number, s: number, p: number): number => Math.floor((n + 2 * p - k) / s) + 1;

/** The im2col fields of conv2d_gemm and gemm_splitk. */
function convFields(g: ConvGeom) {
  const Ho = convOutSize(g.H, g.k, g.stride, g.pad);
  const Wo = convOutSize(g.W, g.k, g.stride, g.pad);
  return { Cin: g.Cin, H: g.H, W: g.W, Ho, Wo, kh: g.k, kw: g.k, sh: g.stride, sw: g.stride, ph: g.pad, pw: g.pad, channel_first: g.channelFirst ? 1 : 0 };
}

/** Dense conv → tokens [B, Ho·Wo, Cout] in one dispatch (conv2d_gemm; 64- or 32-row tiles, by linearRows). */
export function convDispatch(ctx: GpuContext, x: GPUBuffer, w: GPUBuffer, b: GPUBuffer | null, y: GPUBuffer, g: ConvGeom): Dispatch {
  const f = convFields(g);
  const M = g.B * f.Ho * f.Wo;
  const wy = linearRows(M, g.Cout, ctx.report.software);
  return {
    pipeline: ctx.pipeline(expandWgsl(convWgsl, { WY: wy })),
    buffers: [x, w, biasOrDummy(ctx, b), y],
    params: { B: g.B, Cout: g.Cout, has_bias: b ? 1 : 0, ...f },
    workgroups: [Math.ceil(g.Cout / 64), Math.ceil(M / (4 * wy))],
  };
}

/**
 * The split-K partial sums part[z, m, n] of x̂·Wᵀ (no bias) — x̂ = x, or the im2col of a conv —
 * for whoever adds them up: gemm_splitk_reduce.wgsl, or a row kernel together with the residual
 * and norm (litv2_row_norm). `alloc` gives the partials (role 'gemm.splitk', reused by every split
 * product of a plan: dispatches of one pass run in order).
 */
export function splitkPartials(
  ctx: GpuContext, alloc: ScratchAlloc, x: GPUBuffer, w: GPUBuffer, M: number, N: number, K: number, splits: number, conv?: ConvGeom,
): { dispatch: Dispatch; part: GPUBuffer } {
  const kper = Math.ceil(Math.ceil(K / 16) / splits);
  const part = alloc('gemm.splitk', splits * M * N);
  const im2col = conv ? { conv: 1, ...convFields(conv) } : { conv: 0, Cin: 0, H: 0, W: 0, Ho: 0, Wo: 0, kh: 0, kw: 0, sh: 0, sw: 0, ph: 0, pw: 0, channel_first: 0 };
  return {
    part,
    dispatch: {
      pipeline: ctx.pipeline(splitkWgsl),
      buffers: [x, w, part],
      params: { M, N, K, kper, ...im2col },
      workgroups: [Math.ceil(N / 64), Math.ceil(M / 64), splits],
    },
  };
}

function splitk(ctx: GpuContext, alloc: ScratchAlloc, x: GPUBuffer, w: GPUBuffer, b: GPUBuffer | null, y: GPUBuffer, M: number, N: number, K: number, splits: number, conv?: ConvGeom): Dispatch[] {
  const { dispatch, part } = splitkPartials(ctx, alloc, x, w, M, N, K, splits, conv);
  return [dispatch, {
    pipeline: ctx.pipeline(reduceWgsl),
    buffers: [part, biasOrDummy(ctx, b), y],
    params: { MN: M * N, N, splits, has_bias: b ? 1 : 0 },
    workgroups: grid1d(Math.ceil((M * N) / 256)),
  }];
}

/** linearDispatch on linear_big.wgsl (K and N multiples of 4), `rn` columns per thread, whatever the tile count. */
export function bigDispatch(ctx: GpuContext, x: GPUBuffer, w: GPUBuffer, b: GPUBuffer | null, y: GPUBuffer, M: number, N: number, K: number, rn: 4 | 8, act: 'none' | 'gelu' = 'none'): Dispatch {
  return {
    pipeline: ctx.pipeline(expandWgsl(kernelText('linear_big.wgsl', bigWgsl), { RN: rn })),
    buffers: [x, w, biasOrDummy(ctx, b), y],
    params: { M, N, K, has_bias: b ? 1 : 0, act: ACT[act] },
    workgroups: [Math.ceil(N / (16 * rn)), Math.ceil(M / 128)],
  };
}

/** y[M, N] = x[M, K]·Wᵀ + b on the kernel gemmPlan picks (`W` may have more than N rows). */
export function gemmDispatches(ctx: GpuContext, alloc: ScratchAlloc, x: GPUBuffer, w: GPUBuffer, b: GPUBuffer | null, y: GPUBuffer, M: number, N: number, K: number): Dispatch[] {
  const p = gemmPlan(M, N, K);
  if (p.kind === 'splitk') return splitk(ctx, alloc, x, w, b, y, M, N, K, p.splits);
  return [linearDispatch(ctx, x, w, b, y, M, N, K)];
}

/** Dense conv (groups 1, square kernel) → tokens [B, Ho·Wo, Cout] on the kernel gemmPlan picks. */
export function convGemmDispatches(ctx: GpuContext, alloc: ScratchAlloc, x: GPUBuffer, w: GPUBuffer, b: GPUBuffer | null, y: GPUBuffer, g: ConvGeom): Dispatch[] {
  const M = g.B * convOutSize(g.H, g.k, g.stride, g.pad) * convOutSize(g.W, g.k, g.stride, g.pad);
  const K = g.Cin * g.k * g.k;
  const p = gemmPlan(M, g.Cout, K, { conv: true });
  if (p.kind === 'splitk') return splitk(ctx, alloc, x, w, b, y, M, g.Cout, K, p.splits, g);
  return [convDispatch(ctx, x, w, b, y, g)];
}
