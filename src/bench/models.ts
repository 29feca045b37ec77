/**
 * Whole-backbone benchmark hook: one official variant with PRNG weights (fixtures/README.md rule)
 * through its family's forwardGpu, warm-up then `reps` timed forwards. Latency = wall time of one
 * forward (input upload, the forward's submit, logits read-back; stage outputs are not read where
 * the family supports skipping them); throughput = batch / latency. GPU time (timestamps) is
 * reported beside it when the forward returns it. Weights are generated and uploaded once per
 * (family, variant) and reused across batch sizes.
 */
import type { GpuContext } from '../gpu/context';
import { MODELS } from '../models/registry';
import type { AnyModel } from '../models/types';
import type { Params } from '../ops/types';
import { syntheticParams } from '../ops/common/params';
import { prngInput } from '../weights/prng';
import { timeForward, type ForwardTiming } from '../models/timing';
import { relL2 } from '../tensor/tensor';

export interface ModelBenchResult extends ForwardTiming {
  family: string;
  variant: string;
  /** float storage of the run: 'f32', or 'f16' / 'emulated' for ctx.half() */
  storage: string;
  /** half storage only: logits against the fp32 forward on the same input (rel L2, top-1 agreement) */
  halfError?: { relL2: number; top1Agree: number };
  inputSize: number;
  /** MACs of one image at inputSize (the family's macs()) */
  macsPerImage: number;
}

const weightCache = new Map<string, Params>();

function findModel(family: string, variant: string): AnyModel {
  const m = MODELS.find((f) => f.family === family);
  if (!m) throw new Error(`benchModel: unknown family '${family}'`);
  if (!(variant in m.variants)) throw new Error(`benchModel: '${family}' has no variant '${variant}' (${Object.keys(m.variants).join(', ')})`);
  if (!m.forwardGpu) throw new Error(`benchModel: '${family}' has no WebGPU forward`);
  return m;
}

/**
 * Median latency (use batch 1) and throughput (use batch 32) of `variant` on this device.
 * `warmup` forwards (default 2) build pipelines and the activation plan first.
 */
export async function benchModel(ctx: GpuContext, family: string, variant: string, batch: number, reps: number, opts: { warmup?: number; half?: boolean; log?: (l: string) => void } = {}): Promise<ModelBenchResult> {
  const m = findModel(family, variant);
  const cfg = m.variants[variant];
  const size = m.inputSize(cfg).size;
  const key = `${family}/${variant}`;
  let w = weightCache.get(key);
  if (!w) weightCache.set(key, (w = syntheticParams(m.expectedKeys(cfg))));
  const x = Float32Array.from(prngInput(`bench:${variant}`, batch * 3 * size * size));
  const run = opts.half ? ctx.half() : ctx;
  const t = await timeForward(run, m, cfg, w, x, size, batch, reps, { warmup: opts.warmup ?? 2 });
  const res: ModelBenchResult = { family, variant, storage: run.storage, inputSize: size, macsPerImage: m.macs(cfg, size, size), ...t };
  if (opts.half) res.halfError = await halfError(ctx, m, cfg, w, x, batch, size);
  const err = res.halfError ? `, logits rel L2 vs f32 ${res.halfError.relL2.toExponential(2)}, top-1 agree ${(100 * res.halfError.top1Agree).toFixed(0)}%` : '';
  opts.log?.(`${variant} batch ${batch} ${run.storage}: median ${t.medianMs.toFixed(2)} ms (${t.imgPerSec.toFixed(1)} img/s)${t.gpuMedianMs !== null ? `, GPU ${t.gpuMedianMs.toFixed(2)} ms` : ''}${err}`);
  return res;
}

/** The half-storage forward's logits against the fp32 forward's on the same batch. */
async function halfError(ctx: GpuContext, m: AnyModel, cfg: unknown, w: Params, x: Float32Array, batch: number, size: number): Promise<{ relL2: number; top1Agree: number }> {
  const shape = [batch, 3, size, size];
  const full = await m.forwardGpu!(ctx, x, shape, w, cfg, { stages: false, timed: false });
  const half = await m.forwardGpu!(ctx.half(), x, shape, w, cfg, { stages: false, timed: false });
  const k = full.logits.length / batch;
  let agree = 0;
  for (let b = 0; b < batch; b++) {
    if (argmax(full.logits.subarray(b * k, (b + 1) * k)) === argmax(half.logits.subarray(b * k, (b + 1) * k))) agree++;
  }
  return { relL2: relL2(half.logits, full.logits), top1Agree: agree / batch };
}

function argmax(v: Float32Array): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

/** Drop the benchmark's PRNG weights and their GPU copies. */
export function releaseBenchModels(ctx: GpuContext): void {
  for (const [key, w] of weightCache) {
    const m = MODELS.find((f) => f.family === key.split('/')[0]);
    m?.releaseGpu?.(ctx, w);
    m?.releaseGpu?.(ctx.half(), w);
  }
  weightCache.clear();
}
