/**
 * Knob change on a whole backbone (issue 13), the GPU half: wall time from a new knob setting to
 * the logits read back (batch 1, PRNG weights already on the device), p50/p95. Two cases: settings
 * never seen (each builds its plan: bind groups, uniforms, scratch) and settings seen lately (the
 * store's cached plans, GpuWeightStore.planFor).
 */
import type { GpuContext } from '../gpu/context';
import { MODELS } from '../models/registry';
import { syntheticParams } from '../ops/common/params';
import { prngInput } from '../weights/prng';
import type { KnobSetting } from '../models/knobs';
import { percentile } from '../tensor/stats';
import { settleClocks } from '../gpu/clock-settle';

export interface KnobChangeResult {
  variant: string;
  knob: string;
  /** first visit of each value: plan build, and pipeline compiles where the value changes a kernel's constants */
  cold: { p50: number; p95: number; n: number };
  fresh: { p50: number; p95: number; n: number };
  cached: { p50: number; p95: number; n: number };
}

const pct = percentile;

/** The values a sweep of the family's first knob visits (sliders: `n` steps over the range). */
function sweep(family: string, n: number): { key: string; values: Array<number | string | boolean> } {
  const m = MODELS.find((f) => f.family === family)!;
  const k = m.knobs!(Object.values(m.variants)[0])[0];
  if (k.kind === 'slider') {
    const vals = Array.from({ length: n }, (_, i) => k.min! + ((k.max! - k.min!) * (i + 1)) / (n + 1)).map((v) => (k.step === 1 ? Math.round(v) : v));
    return { key: k.key, values: [...new Set(vals)] };
  }
  if (k.kind === 'toggle') return { key: k.key, values: [false, true] };
  return { key: k.key, values: [...k.options!] };
}

export async function benchKnobChange(ctx: GpuContext, family: string, variant: string, o: { steps?: number; reps?: number; log?: (l: string) => void } = {}): Promise<KnobChangeResult> {
  const m = MODELS.find((f) => f.family === family)!;
  const cfg = m.variants[variant];
  const size = m.inputSize(cfg).size;
  const w = syntheticParams(m.expectedKeys(cfg));
  const x = Float32Array.from(prngInput(`bench:${variant}`, 3 * size * size));
  const shape = [1, 3, size, size];
  const run = async (knobs?: KnobSetting) => {
    const t0 = performance.now();
    await m.forwardGpu!(ctx, x, shape, w, cfg, { stages: false, timed: false, knobs });
    return performance.now() - t0;
  };
  for (let i = 0; i < 3; i++) await run();
  await settleClocks(() => run(), { skip: ctx.report.software }); // clocks up first (src/gpu/clock-settle.ts)
  const { key, values } = sweep(family, o.steps ?? 24);
  // never-seen settings: each value once (its pipelines may be new too: the first sweep warms them,
  // the second, with another scope, measures plan building on warm pipelines)
  const cold: number[] = [];
  for (const v of values) cold.push(await run({ scope: 'all', values: { [key]: v } }));
  const fresh: number[] = [];
  for (const v of values) fresh.push(await run({ scope: `block:0`, values: { [key]: v } }));
  // settings seen lately: back and forth between two cached plans
  const a: KnobSetting = { scope: 'all', values: { [key]: values[0] } };
  const cached: number[] = [];
  await run(a);
  await run();
  for (let i = 0; i < (o.reps ?? 30); i++) cached.push(await run(i % 2 ? undefined : a));
  m.releaseGpu?.(ctx, w);
  const r = { variant, knob: key, cold: { p50: pct(cold, 0.5), p95: pct(cold, 0.95), n: cold.length }, fresh: { p50: pct(fresh, 0.5), p95: pct(fresh, 0.95), n: fresh.length }, cached: { p50: pct(cached, 0.5), p95: pct(cached, 0.95), n: cached.length } };
  o.log?.(`${variant} ${key}: first visit p50 ${r.cold.p50.toFixed(2)} / p95 ${r.cold.p95.toFixed(2)} ms, new setting p50 ${r.fresh.p50.toFixed(2)} / p95 ${r.fresh.p95.toFixed(2)} ms, cached p50 ${r.cached.p50.toFixed(2)} / p95 ${r.cached.p95.toFixed(2)} ms`);
  return r;
}
