/**
 * The backbone's Linears and patch convs as one dispatch (kernels/linear.wgsl, conv2d_gemm.wgsl) when
 * their 64×64 output tiles fill the GPU, else split over K (gemm_splitk + gemm_splitk_reduce): at
 * batch 1 the 7×7 and 14×14 stages have 1–20 row-tile columns of 49–196 rows against K up to 2880,
 * which a single dispatch runs as a few long serial loops.
 */
import type { GpuContext } from '../../gpu/context';
import { linearDispatch } from '../../ops/common/gpu-linear';
import { convDispatch, convOutSize, grid1d, type ConvGeom, type PlanBuilder } from '../../gpu/plan';
import splitkWgsl from '../../../kernels/gemm_splitk.wgsl?raw';
import reduceWgsl from '../../../kernels/gemm_splitk_reduce.wgsl?raw';

/** Output tiles of one product below which splitting K pays (about two workgroups per SM of a large GPU). */
const FILL_TILES = 264;
/** Each split runs at least this many 16-wide K steps. */
const MIN_STEPS = 8;

/** Number of K splits for an M×N×K product (1 = the plain kernel). */
export function splitCount(M: number, N: number, K: number): number {
  const tiles = Math.ceil(N / 64) * Math.ceil(M / 64);
  const steps = Math.ceil(K / 16);
  const s = Math.max(1, Math.min(Math.floor(FILL_TILES / tiles), Math.floor(steps / MIN_STEPS)));
  // as many splits as the rounded steps per split really give
  return Math.ceil(steps / Math.ceil(steps / s));
}

function splitK(pb: PlanBuilder, x: GPUBuffer, w: GPUBuffer, b: GPUBuffer | null, y: GPUBuffer, M: number, N: number, K: number, splits: number, conv: number[]): void {
  const ctx: GpuContext = pb.ctx;
  const kper = Math.ceil(Math.ceil(K / 16) / splits);
  const part = pb.scratch('vvt.splitk', splits * M * N);
  pb.add({
    pipeline: ctx.pipeline(splitkWgsl),
    buffers: [x, w, part, ctx.uniform([M, N, K, kper, ...conv, 0, 0, 0])],
    workgroups: [Math.ceil(N / 64), Math.ceil(M / 64), splits],
  });
  pb.add({
    pipeline: ctx.pipeline(reduceWgsl),
    buffers: [part, b ?? pb.dm.read, y, ctx.uniform([M * N, N, splits, b ? 1 : 0])],
    workgroups: grid1d(Math.ceil((M * N) / 256)),
  });
}

/** y[M, N] = x[M, K]·Wᵀ + b. */
export function gemmLinear(pb: PlanBuilder, x: GPUBuffer, w: GPUBuffer, b: GPUBuffer | null, y: GPUBuffer, M: number, N: number, K: number): void {
  const s = splitCount(M, N, K);
  if (s <= 1) pb.add(linearDispatch(pb.ctx, x, w, b, y, M, N, K));
  else splitK(pb, x, w, b, y, M, N, K, s, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
}

/** Dense conv (groups 1, square kernel) → tokens [B, Ho·Wo, Cout]. */
export function gemmConv(pb: PlanBuilder, x: GPUBuffer, w: GPUBuffer, b: GPUBuffer | null, y: GPUBuffer, g: ConvGeom): void {
  const Ho = convOutSize(g.H, g.k, g.stride, g.pad);
  const Wo = convOutSize(g.W, g.k, g.stride, g.pad);
  const M = g.B * Ho * Wo;
  const K = g.Cin * g.k * g.k;
  const s = splitCount(M, g.Cout, K);
  if (s <= 1) pb.add(convDispatch(pb.ctx, x, w, b, y, g, pb.dm.read));
  else splitK(pb, x, w, b, y, M, g.Cout, K, s, [1, g.Cin, g.H, g.W, Ho, Wo, g.k, g.k, g.stride, g.stride, g.pad, g.pad, g.channelFirst ? 1 : 0]);
}
