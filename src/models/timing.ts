/**
 * Timing a backbone's WebGPU forward as a user experiences it: wall time from input upload to the
 * logits on the page (median of `reps` after `warmup`), the GPU time of the passes when the forward
 * reports timestamps, and images per second at the batch size. Shared by the benchmark (PRNG
 * weights) and the compare-models view (the user's loaded weights, on their photo).
 */
import type { GpuContext } from '../gpu/context';
import type { Params } from '../ops/types';
import type { AnyModel } from './types';
import { median, percentile } from '../tensor/stats';
import { settleClocks } from '../gpu/clock-settle';

export interface ForwardTiming {
  batch: number;
  reps: number;
  medianMs: number;
  p10Ms: number;
  p90Ms: number;
  /** batch / median wall time */
  imgPerSec: number;
  /** median GPU ms per forward (timestamps), when reported */
  gpuMedianMs: number | null;
  /** median GPU ms per stage, when reported */
  stageMedianMs: number[] | null;
  timeSource: 'timestamp' | 'wall';
}


/** `image` is one [3,S,S] input (or a whole [batch,3,S,S] when its length says so); it is repeated to `batch`. */
export async function timeForward(
  ctx: GpuContext, model: AnyModel, cfg: unknown, w: Params, image: Float32Array, size: number, batch: number, reps: number,
  opts: { warmup?: number; signal?: AbortSignal } = {},
): Promise<ForwardTiming> {
  if (!model.forwardGpu) throw new Error(`${model.title} has no WebGPU forward`);
  const per = 3 * size * size;
  let x = image;
  if (image.length !== batch * per) {
    if (image.length !== per) throw new Error(`timeForward: input has ${image.length} values, not 3×${size}×${size}`);
    x = new Float32Array(batch * per);
    for (let b = 0; b < batch; b++) x.set(image, b * per);
  }
  const shape = [batch, 3, size, size];
  const run = () => model.forwardGpu!(ctx, x, shape, w, cfg, { stages: false, timed: true });
  for (let i = 0; i < (opts.warmup ?? 2); i++) await run();
  // then back to back until the clocks are up (src/gpu/clock-settle.ts): a run right after idleness reads up to 4× slow
  if (reps > 2) await settleClocks(async () => (await run()).gpuMs, { signal: opts.signal, skip: ctx.report.software });
  const wall: number[] = [];
  const gpu: number[] = [];
  const stage: number[][] = [];
  for (let i = 0; i < reps; i++) {
    if (opts.signal?.aborted) throw new DOMException('timing cancelled', 'AbortError');
    const t0 = performance.now();
    const out = await run();
    wall.push(performance.now() - t0);
    if (out.timeSource === 'timestamp') gpu.push(out.gpuMs);
    if (out.stageMs) stage.push(out.stageMs);
  }
  const med = median(wall);
  return {
    batch, reps, medianMs: med, p10Ms: percentile(wall, 0.1), p90Ms: percentile(wall, 0.9), imgPerSec: batch / (med / 1e3),
    gpuMedianMs: gpu.length ? median(gpu) : null,
    stageMedianMs: stage.length === reps && reps > 0 ? stage[0].map((_, s) => median(stage.map((r) => r[s]))) : null,
    timeSource: gpu.length === reps && reps > 0 ? 'timestamp' : 'wall',
  };
}
