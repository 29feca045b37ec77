/** The shared tiled Linear kernel (kernels/linear.wgsl, lib/gemm.wgsl's tiling) as a dispatch builder. */
import type { Dispatch, GpuContext } from '../../gpu/context';
import linearWgsl from '../../../kernels/linear.wgsl?raw';

/** One zero buffer per device stands in for a missing bias (the kernel never reads it then). */
const noBias = new WeakMap<GpuContext, GPUBuffer>();

/** The activation a Linear's epilogue applies after the bias. */
export type LinearAct = 'none' | 'hswish' | 'gelu';
const ACT: Record<LinearAct, number> = { none: 0, hswish: 1, gelu: 2 };

/**
 * y[M,N] = act(x[M,K]·Wᵀ + b) (+ y when `accumulate`: an in-place residual add), all buffers
 * already on the GPU.
 */
export function linearDispatch(
  ctx: GpuContext,
  x: GPUBuffer,
  w: GPUBuffer,
  b: GPUBuffer | null,
  y: GPUBuffer,
  M: number,
  N: number,
  K: number,
  opts: { act?: LinearAct; accumulate?: boolean } = {},
): Dispatch {
  let bias = b ?? noBias.get(ctx);
  if (!bias) {
    bias = ctx.scratch(4);
    noBias.set(ctx, bias);
  }
  return {
    pipeline: ctx.pipeline(linearWgsl),
    buffers: [x, w, bias, y, ctx.uniform([M, N, K, b ? 1 : 0, ACT[opts.act ?? 'none'], opts.accumulate ? 1 : 0])],
    workgroups: [Math.ceil(N / 64), Math.ceil(M / 64)],
  };
}

/** MACs of a Linear applied to M rows. */
export const linearMacs = (M: number, inF: number, outF: number): number => M * inF * outF;
