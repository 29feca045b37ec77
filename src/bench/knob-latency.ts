/**
 * Knob change → updated top-5 (issue 13's speed target), the GPU half: a backbone with PRNG
 * weights at batch 1; each step sets a knob and runs the forward to the logits on the host, then
 * takes the top-5 — what the classify panel does before it paints. Two ways a user meets a knob:
 * - `revisit`: alternating between two values, whose plans the family keeps (LRU per setting);
 * - `new`: a value not seen before, each time (a plan is built for it: the first drag over a range).
 * Wall ms per change, p50 / p95, after the clocks are settled.
 */
import type { GpuContext } from '../gpu/context';
import { MODELS } from '../models/registry';
import type { KnobSetting, KnobValue } from '../models/knobs';
import { syntheticParams } from '../ops/common/params';
import { prngInput } from '../weights/prng';
import { percentile } from '../tensor/stats';
import { settleClocks } from '../gpu/clock-settle';
import { variantFamily } from '../parity/model-check';

export interface KnobLatencyRow {
  variant: string;
  knob: string;
  mode: 'revisit' | 'new';
  values: string;
  changes: number;
  p50Ms: number;
  p95Ms: number;
}

/** The knob each benchmarked variant moves, with a pair to revisit and a run of new values. */
const PLANS: Record<string, { key: string; pair: [KnobValue, KnobValue]; fresh: KnobValue[] }> = {
  'vig-t': { key: 'tau', pair: [16, 4], fresh: [2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17, 18, 19, 20, 24, 28, 32] },
  'litv2-s': { key: 'ws', pair: [2, 3], fresh: [1, 4, 5, 6, 7, 1, 4, 5, 6, 7, 1, 4, 5, 6, 7] },
};

function top5(v: Float32Array): number[] {
  return Array.from(v.keys()).sort((a, b) => v[b] - v[a]).slice(0, 5);
}

export async function benchKnobLatency(ctx: GpuContext, variants: string[], reps: number, log?: (l: string) => void): Promise<KnobLatencyRow[]> {
  const rows: KnobLatencyRow[] = [];
  for (const v of variants) {
    const plan = PLANS[v];
    const m = MODELS.find((f) => f.family === variantFamily(v));
    if (!plan || !m?.forwardGpu) {
      log?.(`knob latency: no plan for ${v}`);
      continue;
    }
    const cfg = m.variants[v];
    const size = m.inputSize(cfg).size;
    const w = syntheticParams(m.expectedKeys(cfg));
    const x = Float32Array.from(prngInput(`bench:${v}`, 3 * size * size));
    const shape = [1, 3, size, size];
    const at = (val: KnobValue): KnobSetting => ({ values: { [plan.key]: val }, scope: 'all' });
    const change = async (val: KnobValue) => {
      const t0 = performance.now();
      const out = await m.forwardGpu!(ctx, x, shape, w, cfg, { stages: false, timed: true, knobs: at(val) });
      top5(out.logits);
      return performance.now() - t0;
    };
    await change(plan.pair[0]);
    await change(plan.pair[1]);
    await settleClocks(() => change(plan.pair[0]), { skip: ctx.report.software });
    const revisit: number[] = [];
    for (let i = 0; i < reps; i++) revisit.push(await change(plan.pair[i % 2 === 0 ? 1 : 0]));
    rows.push({ variant: v, knob: plan.key, mode: 'revisit', values: plan.pair.join(' ↔ '), changes: reps, p50Ms: percentile(revisit, 0.5), p95Ms: percentile(revisit, 0.95) });
    const fresh: number[] = [];
    for (const val of plan.fresh) fresh.push(await change(val));
    rows.push({ variant: v, knob: plan.key, mode: 'new', values: plan.fresh.join(','), changes: fresh.length, p50Ms: percentile(fresh, 0.5), p95Ms: percentile(fresh, 0.95) });
    m.releaseGpu?.(ctx, w);
    log?.(`knob latency ${v}: revisit p95 ${rows[rows.length - 2].p95Ms.toFixed(2)} ms, new p95 ${rows[rows.length - 1].p95Ms.toFixed(2)} ms`);
  }
  return rows;
}

export function knobLatencyMarkdown(rows: KnobLatencyRow[]): string {
  return [
    '| model | knob | mode | values | changes | p50 ms | p95 ms | target p95 < 50 ms |',
    '|---|---|---|---|---:|---:|---:|---|',
    ...rows.map((r) => `| ${r.variant} | ${r.knob} | ${r.mode} | ${r.values} | ${r.changes} | ${r.p50Ms.toFixed(2)} | ${r.p95Ms.toFixed(2)} | ${r.p95Ms < 50 ? 'met' : 'missed'} |`),
  ].join('\n');
}
