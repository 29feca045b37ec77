/**
 * Timing a backbone's WebGPU forward as a user experiences it: wall time from input upload to the
 * logits on the page (median of `reps` after `warmup`), the GPU time of the passes when the forward
 * reports timestamps, and images per second at the batch size. Shared by the benchmark (PRNG
 * weights) and the compare-models view (the user's loaded weights, on their photo).
 */
import type { GpuContext } from '../gpu/context';
import type { Params } from '../ops/types';
import type { AnyModel, ModelInput } from './types';
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
  /**
   * opts.pipelined: images per second over `reps` forwards run back to back through forwardBatches
   * (the next batch's upload and submit overlapping the current forward and its read-back), beside
   * imgPerSec, which is one forward at a time
   */
  pipelinedImgPerSec?: number;
}

/**
 * Runs `n` forwards keeping two in flight: forward(i + 1) is called (its input made, uploaded and
 * submitted behind forward i on the GPU queue: the plan runner's two slots and early lock release)
 * before forward i's result is awaited; `each` gets the results in order. For throughput: a batch
 * run (the benchmark's batch-32 figure, the classify CLI over many files).
 */
export async function forwardBatches<R>(n: number, forward: (i: number) => Promise<R>, each: (r: R, i: number) => unknown = () => undefined): Promise<void> {
  const inFlight: Array<Promise<R>> = [];
  for (let i = 0; i < n; i++) {
    const p = forward(i);
    p.catch(() => undefined); // awaited below; a failure while the previous one is awaited is not unhandled
    inFlight.push(p);
    if (inFlight.length === 2) await each(await inFlight.shift()!, i - 1);
  }
  for (let i = n - inFlight.length; i < n; i++) await each(await inFlight.shift()!, i);
}

/** `batch` copies of one image's input (`per` values), or the input itself when it is a whole batch. */
function repeatInput<T extends ModelInput>(image: T, per: number, batch: number, size: number): T {
  if (image.length === batch * per) return image;
  if (image.length !== per) throw new Error(`timeForward: input has ${image.length} values, not 3×${size}×${size}`);
  const x = new (image.constructor as new (n: number) => T)(batch * per);
  for (let b = 0; b < batch; b++) x.set(image, b * per);
  return x;
}

/**
 * `image` is one [3,S,S] input (or a whole [batch,3,S,S] when its length says so), float or 8-bit
 * (ModelInput); it is repeated to `batch`.
 */
export async function timeForward(
  ctx: GpuContext, model: AnyModel, cfg: unknown, w: Params, image: ModelInput, size: number, batch: number, reps: number,
  opts: { warmup?: number; signal?: AbortSignal; pipelined?: boolean } = {},
): Promise<ForwardTiming> {
  if (!model.forwardGpu) throw new Error(`${model.title} has no WebGPU forward`);
  const x = repeatInput(image, 3 * size * size, batch, size);
  const shape = [batch, 3, size, size];
  const run = (timed = true) => model.forwardGpu!(ctx, x, shape, w, cfg, { stages: false, timed });
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
  let pipelined: number | undefined;
  if (opts.pipelined && reps > 1) {
    const t0 = performance.now();
    await forwardBatches(reps, () => run(false));
    pipelined = (batch * reps) / ((performance.now() - t0) / 1e3);
  }
  return {
    batch, reps, medianMs: med, p10Ms: percentile(wall, 0.1), p90Ms: percentile(wall, 0.9), imgPerSec: batch / (med / 1e3),
    gpuMedianMs: gpu.length ? median(gpu) : null,
    stageMedianMs: stage.length === reps && reps > 0 ? stage[0].map((_, s) => median(stage.map((r) => r[s]))) : null,
    timeSource: gpu.length === reps && reps > 0 ? 'timestamp' : 'wall',
    pipelinedImgPerSec: pipelined,
  };
}
