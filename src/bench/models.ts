/**
 * Whole-backbone benchmark hook: one official variant with PRNG weights (fixtures/README.md rule)
 * through its family's forwardGpu, warm-up then `reps` timed forwards. The input is 8-bit RGB crops
 * normalised on the GPU, as the app and the CLI feed it (`input: 'f32'`: the host-normalised float
 * tensor, 4× the bytes). Latency = wall time of one forward (input upload, the forward's submit,
 * logits read-back; stage outputs are not read where the family supports skipping them); throughput
 * = batch / latency for one forward at a time, and at batch > 1 also over `reps` forwards pipelined
 * (forwardBatches: the next batch uploaded and submitted while the current one runs). GPU time
 * (timestamps) is reported beside it when the forward returns it. Weights are generated and uploaded
 * once per (family, variant) and reused across batch sizes.
 */
import type { GpuContext } from '../gpu/context';
import { MODELS } from '../models/registry';
import type { AnyModel, ModelInput } from '../models/types';
import type { Params } from '../ops/types';
import { syntheticParams } from '../ops/common/params';
import { prngInput } from '../weights/prng';
import { timeForward, type ForwardTiming } from '../models/timing';
import { argmax, relL2 } from '../tensor/tensor';

export interface ModelBenchResult extends ForwardTiming {
  family: string;
  variant: string;
  /** float storage of the run: 'f32', or 'f16' / 'emulated' for ctx.half() */
  storage: string;
  /** half storage only: logits against the fp32 forward on the same input (rel L2, top-1 agreement) */
  halfError?: { relL2: number; top1Agree: number };
  inputSize: number;
  /** what was uploaded: 8-bit RGB crops normalised on the GPU, or the host-normalised float tensor */
  input: 'u8' | 'f32';
  /** MACs of one image at inputSize (the family's macs()) */
  macsPerImage: number;
}

const weightCache = new Map<string, Params>();

/** The benchmark's input of `n` values: PRNG floats in [-2, 2), or the same stream mapped onto bytes 0…255. */
export function benchInput(variant: string, n: number, input: 'u8' | 'f32'): ModelInput {
  const v = prngInput(`bench:${variant}`, n);
  return input === 'u8' ? Uint8Array.from(v, (a) => Math.floor((a + 2) * 64)) : Float32Array.from(v);
}

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
export async function benchModel(ctx: GpuContext, family: string, variant: string, batch: number, reps: number, opts: { warmup?: number; half?: boolean; input?: 'u8' | 'f32'; log?: (l: string) => void } = {}): Promise<ModelBenchResult> {
  const m = findModel(family, variant);
  const cfg = m.variants[variant];
  const size = m.inputSize(cfg).size;
  const key = `${family}/${variant}`;
  let w = weightCache.get(key);
  if (!w) weightCache.set(key, (w = syntheticParams(m.expectedKeys(cfg))));
  const input = opts.input ?? 'u8';
  const x = benchInput(variant, batch * 3 * size * size, input);
  const run = opts.half ? ctx.half() : ctx;
  const t = await timeForward(run, m, cfg, w, x, size, batch, reps, { warmup: opts.warmup ?? 2, pipelined: batch > 1 });
  const res: ModelBenchResult = { family, variant, storage: run.storage, inputSize: size, input, macsPerImage: m.macs(cfg, size, size), ...t };
  if (opts.half) res.halfError = await halfError(ctx, m, cfg, w, x, batch, size);
  const err = res.halfError ? `, logits rel L2 vs f32 ${res.halfError.relL2.toExponential(2)}, top-1 agree ${(100 * res.halfError.top1Agree).toFixed(0)}%` : '';
  const piped = t.pipelinedImgPerSec !== undefined ? `, pipelined ${t.pipelinedImgPerSec.toFixed(1)} img/s` : '';
  opts.log?.(`${variant} batch ${batch} ${run.storage} ${input} input: median ${t.medianMs.toFixed(2)} ms (one forward: ${t.imgPerSec.toFixed(1)} img/s${piped})${t.gpuMedianMs !== null ? `, GPU ${t.gpuMedianMs.toFixed(2)} ms` : ''}${err}`);
  return res;
}

/** The half-storage forward's logits against the fp32 forward's on the same batch. */
async function halfError(ctx: GpuContext, m: AnyModel, cfg: unknown, w: Params, x: ModelInput, batch: number, size: number): Promise<{ relL2: number; top1Agree: number }> {
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

/** Drop the benchmark's PRNG weights and their GPU copies. */
export function releaseBenchModels(ctx: GpuContext): void {
  for (const [key, w] of weightCache) {
    const m = MODELS.find((f) => f.family === key.split('/')[0]);
    m?.releaseGpu?.(ctx, w);
    m?.releaseGpu?.(ctx.half(), w);
  }
  weightCache.clear();
}
