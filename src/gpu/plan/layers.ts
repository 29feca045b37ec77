/** Dispatch builders for the layers every backbone shares: conv (as GEMM), norms with fused residual/activation, SwiGLU, mean pool, copy. */
import type { Dispatch, GpuContext } from '../context';
import { expandWgsl } from '../wgsl';
import { grid1d } from './scratch';
import convWgsl from '../../../kernels/conv2d_gemm.wgsl?raw';
import normWgsl from '../../../kernels/add_norm.wgsl?raw';
import swigluWgsl from '../../../kernels/swiglu.wgsl?raw';
import meanpoolWgsl from '../../../kernels/meanpool.wgsl?raw';
import copyWgsl from '../../../kernels/copy.wgsl?raw';

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

/** Dense conv → tokens [B, Ho·Wo, Cout]. */
export function convDispatch(ctx: GpuContext, x: GPUBuffer, w: GPUBuffer, b: GPUBuffer | null, y: GPUBuffer, g: ConvGeom, dummy: GPUBuffer): Dispatch {
  const Ho = convOutSize(g.H, g.k, g.stride, g.pad);
  const Wo = convOutSize(g.W, g.k, g.stride, g.pad);
  const M = g.B * Ho * Wo;
  return {
    pipeline: ctx.pipeline(convWgsl),
    buffers: [x, w, b ?? dummy, y, ctx.uniform([g.B, g.Cin, g.H, g.W, g.Cout, Ho, Wo, g.k, g.k, g.stride, g.stride, g.pad, g.pad, g.channelFirst ? 1 : 0, b ? 1 : 0, 0])],
    workgroups: [Math.ceil(g.Cout / 64), Math.ceil(M / 64)],
  };
}

export type NormMode = 'none' | 'rms' | 'ln';
export type Act = 'none' | 'silu' | 'gelu';

export interface NormSpec {
  rows: number;
  C: number;
  x: GPUBuffer;
  /** residual / broadcast addend: delta[(r mod deltaRows)] (· dscale) is added to x first */
  delta?: { buf: GPUBuffer; rows: number; scale?: GPUBuffer };
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
  const words = [
    s.rows, s.C, s.delta?.rows ?? 1, s.delta ? 1 : 0,
    s.delta?.scale ? 1 : 0, { none: 0, rms: 1, ln: 2 }[s.mode], s.bias ? 1 : 0, { none: 0, silu: 1, gelu: 2 }[s.act ?? 'none'],
    s.sum ? 1 : 0, s.eps ?? 1e-5,
  ];
  return {
    pipeline: ctx.pipeline(normWgsl),
    buffers: [s.x, s.delta?.buf ?? d.read, s.delta?.scale ?? d.read, s.weight ?? d.read, s.bias ?? d.read, s.sum ?? d.sum, s.out ?? d.out, ctx.uniform(words, ['u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'f'])],
    workgroups: grid1d(s.rows),
  };
}

/** [rows, 2I] → silu(first half) · second half, [rows, I]. */
export function swigluDispatch(ctx: GpuContext, h: GPUBuffer, y: GPUBuffer, rows: number, I: number): Dispatch {
  const n = rows * I;
  return { pipeline: ctx.pipeline(swigluWgsl), buffers: [h, y, ctx.uniform([n, I])], workgroups: grid1d(Math.ceil(n / 256)) };
}

/** [B, L, C] → [B, C]. */
export function meanPoolDispatch(ctx: GpuContext, x: GPUBuffer, y: GPUBuffer, B: number, L: number, C: number): Dispatch {
  return { pipeline: ctx.pipeline(meanpoolWgsl), buffers: [x, y, ctx.uniform([L, C])], workgroups: [Math.ceil(C / 64), B] };
}

/** y[0..n) = x[off..off+n) inside a pass. */
export function copyDispatch(ctx: GpuContext, x: GPUBuffer, y: GPUBuffer, n: number, off = 0, xKeepF32 = false): Dispatch {
  const src = expandWgsl(copyWgsl, { X_NOTE: xKeepF32 ? 'keep-f32: written by the host' : 'stored like y' });
  return { pipeline: ctx.pipeline(src), buffers: [x, y, ctx.uniform([n, off])], workgroups: grid1d(Math.ceil(n / 256)) };
}

