/**
 * Times an op composed from stock tfjs ops on the tfjs WebGPU backend that shares our GPUDevice:
 * weights uploaded once as tf tensors, x uploaded once, then warm-up and timed forwards.
 * - GPU time: tf.time()'s kernelMs, the sum of the per-kernel timestamp-query times the backend
 *   records (it puts each kernel in its own pass while timing), when the device has timestamps.
 * - wall time: the forward call up to `await y.data()` completion (includes the read-back of y).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GpuContext } from '../gpu/context';
import { initTfjs } from '../gpu/tfjs';
import type { AnyOp, Params } from '../ops/types';
import { relL2 } from '../tensor/tensor';
import { median } from '../tensor/stats';
import { TFJS_COMPOSED, TFJS_IMPOSSIBLE } from './tfjs-ops';
import { settleClocks } from '../gpu/clock-settle';

/** Make tfjs run on this context's device (initTfjs replaces a backend of an earlier device). */
export async function useTfjsOn(ctx: GpuContext): Promise<string> {
  return initTfjs(ctx.device);
}

export interface TfjsTiming {
  /** kernelMs median when timestamps exist, else the wall median */
  ms: number | null;
  source: 'tf.time kernelMs' | 'wall';
  wallMs: number | null;
  /** relL2 of the composed output against our kernel's output on the same input */
  relL2VsOurs: number | null;
  note?: string;
}


export async function timeTfjs(
  ctx: GpuContext, op: AnyOp, cfg: unknown, x: Float32Array, p: Params, reps: number, warmup: number, ours: Float32Array | null,
): Promise<TfjsTiming> {
  const build = TFJS_COMPOSED[op.name];
  if (!build) return { ms: null, source: 'wall', wallMs: null, relL2VsOurs: null, note: TFJS_IMPOSSIBLE[op.name] ?? 'no composition' };
  const f = build(p, cfg);
  const xt = tf.tensor(x, op.inputShape(cfg));
  const run = () => tf.tidy(() => f.forward(xt));
  try {
    let err: number | null = null;
    for (let i = 0; i < Math.max(1, warmup); i++) {
      const y = run();
      const v = await y.data();
      y.dispose();
      if (i === 0 && ours) err = relL2(v, ours);
    }
    await settleClocks(async () => {
      const y = run();
      await y.data();
      y.dispose();
      return null;
    }, { skip: ctx.report.software });
    const wall: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      const y = run();
      await y.data();
      wall.push(performance.now() - t0);
      y.dispose();
    }
    const kernel: number[] = [];
    if (ctx.report.timestamps) {
      for (let i = 0; i < reps; i++) {
        let y: tf.Tensor | null = null;
        const info = await tf.time(() => {
          y = run();
        });
        (y as tf.Tensor | null)?.dispose();
        if (typeof info.kernelMs === 'number' && info.kernelMs > 0) kernel.push(info.kernelMs);
      }
    }
    const wallMs = median(wall);
    return kernel.length === reps && reps > 0
      ? { ms: median(kernel), source: 'tf.time kernelMs', wallMs, relL2VsOurs: err }
      : { ms: wallMs, source: 'wall', wallMs, relL2VsOurs: err };
  } finally {
    xt.dispose();
    f.dispose();
  }
}
