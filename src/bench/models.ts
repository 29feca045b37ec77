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

export interface ModelBenchResult extends ForwardTiming {
  family: string;
  variant: string;
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
export async function benchModel(ctx: GpuContext, family: string, variant: string, batch: number, reps: number, opts: { warmup?: number; log?: (l: string) => void } = {}): Promise<ModelBenchResult> {
  const m = findModel(family, variant);
  const cfg = m.variants[variant];
  const size = m.inputSize(cfg).size;
  const key = `${family}/${variant}`;
  let w = weightCache.get(key);
  if (!w) weightCache.set(key, (w = syntheticParams(m.expectedKeys(cfg))));
  const x = Float32Array.from(prngInput(`bench:${variant}`, batch * 3 * size * size));
  const t = await timeForward(ctx, m, cfg, w, x, size, batch, reps, { warmup: opts.warmup ?? 2 });
  const res: ModelBenchResult = { family, variant, inputSize: size, macsPerImage: m.macs(cfg, size, size), ...t };
  opts.log?.(`${variant} batch ${batch}: median ${t.medianMs.toFixed(2)} ms (${t.imgPerSec.toFixed(1)} img/s)${t.gpuMedianMs !== null ? `, GPU ${t.gpuMedianMs.toFixed(2)} ms` : ''}`);
  return res;
}

/** Drop the benchmark's PRNG weights and their GPU copies. */
export function releaseBenchModels(ctx: GpuContext): void {
  for (const [key, w] of weightCache) MODELS.find((m) => m.family === key.split('/')[0])?.releaseGpu?.(ctx, w);
  weightCache.clear();
}
