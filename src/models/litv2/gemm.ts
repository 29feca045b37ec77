/**
 * LITv2's Linears as dispatch lists, the kernel picked by shape:
 *  - enough 128-row output tiles to fill a large GPU (batch 32): kernels/linear_big.wgsl, 8×8 or
 *    8×4 outputs per thread from vec4 reads — the same sums as linear.wgsl, bit for bit, at a higher
 *    fma rate (linear.wgsl's 4×4 scalar-read tiles reach about a quarter of the fp32 peak);
 *  - few tiles against a long K (batch 1 at 14×14 and 7×7: 49–196 rows, K up to 3072): split over K
 *    (VVT's gemm_splitk + gemm_splitk_reduce), so a handful of workgroups no longer run K/16 serial
 *    steps each while the rest of the GPU idles;
 *  - otherwise kernels/linear.wgsl.
 */
import type { Dispatch, GpuContext } from '../../gpu/context';
import { expandWgsl } from '../../gpu/wgsl';
import { linearDispatch } from '../../ops/common/gpu-linear';
import type { ScratchAlloc } from '../../ops/common/gpu-run';
import { grid1d } from '../../gpu/plan';
import { splitCount } from '../vvt/gemm';
import bigWgsl from '../../../kernels/linear_big.wgsl?raw';
import splitkWgsl from '../../../kernels/gemm_splitk.wgsl?raw';
import reduceWgsl from '../../../kernels/gemm_splitk_reduce.wgsl?raw';

/** 128-row tiles from which linear_big runs (about half the SMs of an H100/H200; more on smaller GPUs). */
export const BIG_MIN_TILES = 64;
/**
 * K steps (of 16) from which splitting K pays for the extra reduce dispatch: a split saves
 * steps·(1 − 1/s) serial steps of the few workgroups, the reduce costs one small dependent launch.
 */
export const SPLIT_MIN_STEPS = 32;

export type LinearKind = 'big' | 'splitk' | 'linear';

/** Which kernel a [M, K] × [N, K]ᵀ product runs on, and the split count / columns per thread. */
export function linearPlan(M: number, N: number, K: number): { kind: LinearKind; splits: number; rn: 4 | 8 } {
  const rn: 4 | 8 = N % 128 === 0 ? 8 : 4;
  const bigTiles = Math.ceil(M / 128) * Math.ceil(N / (16 * rn));
  if (K % 4 === 0 && N % 4 === 0 && bigTiles >= BIG_MIN_TILES) return { kind: 'big', splits: 1, rn };
  const s = splitCount(M, N, K);
  if (s > 1 && Math.ceil(K / 16) >= SPLIT_MIN_STEPS) return { kind: 'splitk', splits: s, rn };
  return { kind: 'linear', splits: 1, rn };
}

/**
 * y[M, N] = x[M, K]·Wᵀ + b (`W` may have more than N rows: the first N are used). `alloc` gives the
 * split-K partial sums (role 'litv2.splitk', reused by every split Linear of the plan: dispatches
 * of one pass run in order); `dummy` stands in for a missing bias.
 */
export function litv2Linear(ctx: GpuContext, alloc: ScratchAlloc, dummy: GPUBuffer, x: GPUBuffer, w: GPUBuffer, b: GPUBuffer | null, y: GPUBuffer, M: number, N: number, K: number): Dispatch[] {
  const p = linearPlan(M, N, K);
  if (p.kind === 'big') {
    return [{
      pipeline: ctx.pipeline(expandWgsl(bigWgsl, { RN: p.rn })),
      buffers: [x, w, b ?? dummy, y, ctx.uniform([M, N, K, b ? 1 : 0, 0])],
      workgroups: [Math.ceil(N / (16 * p.rn)), Math.ceil(M / 128)],
    }];
  }
  if (p.kind === 'splitk') {
    const { dispatch, part } = splitkPartials(ctx, alloc, x, w, M, N, K, p.splits);
    return [dispatch, {
      pipeline: ctx.pipeline(reduceWgsl),
      buffers: [part, b ?? dummy, y, ctx.uniform([M * N, N, p.splits, b ? 1 : 0])],
      workgroups: grid1d(Math.ceil((M * N) / 256)),
    }];
  }
  return [linearDispatch(ctx, x, w, b, y, M, N, K)];
}

/**
 * The split-K partial sums part[z, m, n] of x·Wᵀ (no bias), for whoever adds them up:
 * gemm_splitk_reduce.wgsl, or litv2_row_norm.wgsl together with the residual and LayerNorm.
 */
export function splitkPartials(ctx: GpuContext, alloc: ScratchAlloc, x: GPUBuffer, w: GPUBuffer, M: number, N: number, K: number, splits: number): { dispatch: Dispatch; part: GPUBuffer } {
  const kper = Math.ceil(Math.ceil(K / 16) / splits);
  const part = alloc('litv2.splitk', splits * M * N);
  return {
    part,
    dispatch: {
      pipeline: ctx.pipeline(splitkWgsl),
      buffers: [x, w, part, ctx.uniform([M, N, K, kper, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])],
      workgroups: [Math.ceil(N / 64), Math.ceil(M / 64), splits],
    },
  };
}
