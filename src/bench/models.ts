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
import { releaseVigGpu } from '../models/vig/gpu';
import { releaseLitv2Gpu } from '../models/litv2/gpu';

export interface ModelBenchResult {
  family: string;
  variant: string;
  batch: number;
  reps: number;
  inputSize: number;
  /** MACs of one image at inputSize (the family's macs()) */
  macsPerImage: number;
  /** wall ms per forward: median, 10th and 90th percentile */
  medianMs: number;
  p10Ms: number;
  p90Ms: number;
  /** batch / median wall time */
  imgPerSec: number;
  /** median GPU ms per forward from timestamps, when the forward reports them */
  gpuMedianMs: number | null;
  /** median GPU ms per stage (same order as the stage outputs), when reported */
  stageMedianMs: number[] | null;
  timeSource: string;
}

/** Extra arguments the ViG forwards understand (others ignore them). */
type ForwardWithOpts = (ctx: GpuContext, x: Float32Array, shape: number[], w: Params, cfg: unknown, opts?: { stages?: boolean; timed?: boolean }) =>
  Promise<{ logits: Float32Array; stages: Float32Array[]; stageMs?: number[]; gpuMs?: number; timeSource?: string }>;

const weightCache = new Map<string, Params>();
/** GPU-side caches to drop with the weights (families that keep uploaded weights per weights object). */
const RELEASE: Record<string, (ctx: GpuContext, w: Params) => void> = { vig: releaseVigGpu, vig_h: releaseVigGpu, litv2: releaseLitv2Gpu };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
const pct = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

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
  const shape = [batch, 3, size, size];
  const x = Float32Array.from(prngInput(`bench:${variant}`, batch * 3 * size * size));
  const fwd = m.forwardGpu as unknown as ForwardWithOpts;
  const run = () => fwd(ctx, x, shape, w, cfg, { stages: false, timed: true });
  for (let i = 0; i < (opts.warmup ?? 2); i++) await run();
  const wall: number[] = [];
  const gpu: number[] = [];
  const stage: number[][] = [];
  let source = 'wall';
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const out = await run();
    wall.push(performance.now() - t0);
    if (out.timeSource === 'timestamp' && typeof out.gpuMs === 'number') {
      gpu.push(out.gpuMs);
      source = 'timestamp';
    }
    if (out.stageMs) stage.push(out.stageMs);
  }
  const med = median(wall);
  const res: ModelBenchResult = {
    family, variant, batch, reps, inputSize: size, macsPerImage: m.macs(cfg, size, size),
    medianMs: med, p10Ms: pct(wall, 0.1), p90Ms: pct(wall, 0.9), imgPerSec: batch / (med / 1e3),
    gpuMedianMs: gpu.length ? median(gpu) : null,
    stageMedianMs: stage.length === reps && reps > 0 ? stage[0].map((_, s) => median(stage.map((r) => r[s]))) : null,
    timeSource: source,
  };
  opts.log?.(`${variant} batch ${batch}: median ${med.toFixed(2)} ms (${res.imgPerSec.toFixed(1)} img/s)${res.gpuMedianMs !== null ? `, GPU ${res.gpuMedianMs.toFixed(2)} ms` : ''}`);
  return res;
}

/** Drop the benchmark's PRNG weights and their GPU copies. */
export function releaseBenchModels(ctx: GpuContext): void {
  for (const [key, w] of weightCache) RELEASE[key.split('/')[0]]?.(ctx, w);
  weightCache.clear();
}
