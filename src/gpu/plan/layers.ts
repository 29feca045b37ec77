/** Dispatch builders for the layers every backbone shares besides the GEMMs (../gemm.ts): norms with fused residual/activation, SwiGLU, depthwise conv, mean pool, copy. */
import type { Dispatch, GpuContext } from '../context';
import { expandWgsl } from '../wgsl';
import { grid1d } from './scratch';
import { biasOrDummy } from '../gemm';
import normWgsl from '../../../kernels/add_norm.wgsl?raw';
import swigluWgsl from '../../../kernels/swiglu.wgsl?raw';
import meanpoolWgsl from '../../../kernels/meanpool.wgsl?raw';
import dwconvWgsl from '../../../kernels/dwconv.wgsl?raw';
import copyWgsl from '../../../kernels/copy.wgsl?raw';

export type NormMode = 'none' | 'rms' | 'ln';
export type Act = 'none' | 'silu' | 'gelu';

export interface NormSpec {
  rows: number;
  C: number;
  x: GPUBuffer;
  /** residual / broadcast addend: delta[(r mod deltaRows)] (· scale) is added to x first */
  delta?: { buf: GPUBuffer; rows: number; scale?: GPUBuffer };
  /**
   * or a split-K Linear's output [rows, C] as the addend: its partial sums (splitkPartials) added
   * up here, in order, then its bias or the scale, as gemm_splitk_reduce and the scaled delta
   * would (one launch fewer)
   */
  split?: { part: GPUBuffer; splits: number; bias?: GPUBuffer | null; scale?: GPUBuffer };
  /** where v = x + delta goes (the residual stream) */
  sum?: GPUBuffer;
  mode: NormMode;
  weight?: GPUBuffer;
  bias?: GPUBuffer;
  eps?: number;
  act?: Act;
  out?: GPUBuffer;
}

/**
 * Binding placeholders: unused read-only slots share one buffer, the unused writable slots get
 * their own (a buffer may not be both read and written by one dispatch).
 */
export interface Dummies {
  read: GPUBuffer;
  sum: GPUBuffer;
  out: GPUBuffer;
}

export function makeDummies(ctx: GpuContext): Dummies {
  return { read: ctx.scratch(4), sum: ctx.scratch(4), out: ctx.scratch(4) };
}

export function normDispatch(ctx: GpuContext, s: NormSpec, d: Dummies): Dispatch {
  if (s.mode !== 'none' && (!s.weight || !s.out)) throw new Error('normDispatch: a norm needs weight and out');
  if (s.delta && s.split) throw new Error('normDispatch: one addend, delta or split');
  if (s.split?.bias && s.split.scale) throw new Error('normDispatch: a split addend takes a bias or a scale, not both');
  const scale = s.delta?.scale ?? s.split?.scale;
  const dvec = scale ?? s.split?.bias;
  return {
    pipeline: ctx.pipeline(expandWgsl(normWgsl, { C: s.C })),
    buffers: [s.x, s.delta?.buf ?? d.read, s.split?.part ?? d.read, dvec ?? d.read, s.weight ?? d.read, s.bias ?? d.read, s.sum ?? d.sum, s.out ?? d.out],
    params: {
      rows: s.rows, C: s.C, delta_rows: s.delta?.rows ?? 1, has_delta: s.delta || s.split ? 1 : 0, splits: s.split?.splits ?? 0,
      dvec_mode: scale ? 1 : dvec ? 2 : 0, mode: { none: 0, rms: 1, ln: 2 }[s.mode], has_bias: s.bias ? 1 : 0, act: { none: 0, silu: 1, gelu: 2 }[s.act ?? 'none'],
      write_sum: s.sum ? 1 : 0, eps: s.eps ?? 1e-5,
    },
    workgroups: grid1d(s.rows),
  };
}

/** [rows, 2I] → silu(first half) · second half, [rows, I]. */
export function swigluDispatch(ctx: GpuContext, h: GPUBuffer, y: GPUBuffer, rows: number, I: number): Dispatch {
  const n = rows * I;
  return { pipeline: ctx.pipeline(swigluWgsl), buffers: [h, y], params: { n, I }, workgroups: grid1d(Math.ceil(n / 256)) };
}

/** A depthwise conv's geometry: B maps of H×W with C channels, k×k taps, stride 1, zero padding `pad`. */
export interface DwconvSpec {
  B: number;
  H: number;
  W: number;
  C: number;
  k: number;
  pad: number;
  act: Act;
  /** input as channel planes [B, C, H·W] instead of tokens [B, H·W, C] (the output is tokens) */
  channelFirst?: boolean;
}

const DW_ACT: Record<Act, number> = { none: 0, silu: 1, gelu: 2 };

/** act(depthwise conv(x) (+ b)) → tokens [B, H·W, C] (kernels/dwconv.wgsl): LITv2's and VVT's DWMlp, ViG's local branch. */
export function dwconvDispatch(ctx: GpuContext, x: GPUBuffer, w: GPUBuffer, b: GPUBuffer | null, y: GPUBuffer, s: DwconvSpec): Dispatch {
  return {
    pipeline: ctx.pipeline(dwconvWgsl),
    buffers: [x, w, biasOrDummy(ctx, b), y],
    params: { H: s.H, W: s.W, C: s.C, k: s.k, pad: s.pad, has_bias: b ? 1 : 0, act: DW_ACT[s.act], channel_first: s.channelFirst ? 1 : 0 },
    workgroups: [Math.ceil(s.C / 64), s.H * s.W, s.B],
  };
}

/** [B, L, C] → [B, C]. */
export function meanPoolDispatch(ctx: GpuContext, x: GPUBuffer, y: GPUBuffer, B: number, L: number, C: number): Dispatch {
  return { pipeline: ctx.pipeline(meanpoolWgsl), buffers: [x, y], params: { L, C }, workgroups: [Math.ceil(C / 64), B] };
}

/** y[0..n) = x[off..off+n) inside a pass. */
export function copyDispatch(ctx: GpuContext, x: GPUBuffer, y: GPUBuffer, n: number, off = 0, xKeepF32 = false): Dispatch {
  const src = expandWgsl(copyWgsl, { X_NOTE: xKeepF32 ? 'keep-f32: written by the host' : 'stored like y' });
  return { pipeline: ctx.pipeline(src), buffers: [x, y], params: { n, off }, workgroups: grid1d(Math.ceil(n / 256)) };
}

