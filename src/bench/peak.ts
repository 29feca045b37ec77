/**
 * What "fast" is measured against: nominal fp32 (non-tensor-core) peaks of common GPUs by adapter
 * name, and the rate our own tiled Linear kernel reaches on a large matmul on the same device.
 */
import type { GpuContext } from '../gpu/context';
import { linearDispatch } from '../ops/common/gpu-linear';

/** Dense fp32 FMA peak in TFLOP/s (vendor data sheets; boost clocks). */
const NOMINAL_FP32_TFLOPS: Array<[RegExp, number, string]> = [
  [/H200/i, 66.9, 'NVIDIA H200 SXM data sheet'],
  [/H100.*PCIe/i, 51.2, 'NVIDIA H100 PCIe data sheet'],
  [/H100/i, 66.9, 'NVIDIA H100 SXM data sheet'],
  [/A100/i, 19.5, 'NVIDIA A100 data sheet'],
  [/L40S/i, 91.6, 'NVIDIA L40S data sheet'],
  [/RTX 4090/i, 82.6, 'NVIDIA RTX 4090 spec'],
];

export function nominalPeak(adapterText: string): { tflops: number; source: string } | null {
  for (const [re, tflops, source] of NOMINAL_FP32_TFLOPS) if (re.test(adapterText)) return { tflops, source };
  return null;
}

/** Median TFLOP/s of our Linear kernel on an n×n×n product (2·n³ flops). */
export async function measureMatmulTflops(ctx: GpuContext, n = 4096, reps = 5): Promise<number> {
  const a = ctx.scratch(n * n);
  const w = ctx.scratch(n * n);
  const y = ctx.scratch(n * n);
  const d = linearDispatch(ctx, a, w, null, y, n, n, n);
  await ctx.run([d]);
  const times: number[] = [];
  for (let i = 0; i < reps; i++) times.push((await ctx.run([d], { timed: true })).ms);
  for (const b of [a, w, y]) b.destroy();
  times.sort((p, q) => p - q);
  return (2 * n ** 3) / (times[Math.floor(reps / 2)] * 1e-3) / 1e12;
}
