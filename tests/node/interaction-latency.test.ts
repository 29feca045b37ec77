/**
 * The FLOPs-vs-latency notebook and the latency view's readings (views/latency.ts): `upTo`,
 * `baseline` and `throughput` settings, achieved GFLOP/s, where an op crosses the baseline, and the
 * shipped notebook's latency view resolving (also with a link that caps the grids).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildGraph, decodeLinkState, parseNotebook, planAll, resolveView } from '../../src/notebook';
import { crossovers, gflops, latencyPlan, throughputReadings, type LatencyPoint } from '../../src/ui/notebook/views/latency';
import { flopsTable } from '../../src/ui/notebook/views/flops-table';
import { MECHANISMS } from '../../src/ops/registry';

const pt = (op: string, grid: number, macs: number, ms: number, error?: string): LatencyPoint => ({ op, grid, tokens: grid * grid, macs, ms, ...(error ? { error } : {}) });

describe('latencyPlan', () => {
  it('upTo leaves out the larger grids and says which', () => {
    const p = latencyPlan({ ops: ['mhsa', 'gla'], grids: [14, 28, 42, 56], upTo: 28 });
    expect(p.grids).toEqual([14, 28]);
    expect(p.skipped).toEqual([42, 56]);
    expect(p.runs).toBe(3);
    expect(p.baseline).toBeNull();
    expect(p.throughput).toBe(false);
  });
  it('the view\'s own keys do not reach the ops\' knobs', () => {
    const p = latencyPlan({ op: 'hilo', grids: [14], upTo: 56, baseline: 'hilo', throughput: true, alpha: 0.5, runs: 50 });
    expect(p.knobs).toEqual({ op: 'hilo', grids: [14], alpha: 0.5, runs: 50 });
    expect(p.runs).toBe(20);
    expect(p.baseline).toBe('hilo');
    expect(p.throughput).toBe(true);
  });
  it('bad settings are refused in words', () => {
    expect(() => latencyPlan({ ops: ['mhsa'], grids: [28, 56], upTo: 14 })).toThrow(/leaves none of the grids 28, 56/);
    expect(() => latencyPlan({ ops: ['mhsa'], upTo: 'big' })).toThrow(/`upTo` must be a grid size/);
    expect(() => latencyPlan({ ops: ['mhsa', 'gla'], baseline: 'hilo' })).toThrow(/one of this view's ops \(mhsa, gla\)/);
    expect(() => latencyPlan({ ops: ['mhsa'], throughput: 'yes' })).toThrow(/true or false/);
  });
});

describe('achieved GFLOP/s', () => {
  it('2 FLOPs per MAC over the time', () => {
    // 1e9 MACs in 2 ms = 1 TFLOP/s
    expect(gflops(pt('mhsa', 56, 1e9, 2))).toBeCloseTo(1000);
  });
  it('NaN for an unmeasured or failed point', () => {
    expect(gflops(pt('mhsa', 14, 1e6, NaN))).toBeNaN();
    expect(gflops(pt('mhsa', 14, 1e6, 1, 'out of memory'))).toBeNaN();
    expect(gflops(pt('mhsa', 14, 1e6, 0))).toBeNaN();
  });
});

describe('crossovers', () => {
  const base = [pt('mhsa', 14, 8e6, 0.07), pt('mhsa', 28, 9e7, 0.19), pt('mhsa', 56, 1.3e9, 0.65)];
  it('overtakes between two grids', () => {
    const c = crossovers([...base, pt('gla', 14, 4e6, 0.11), pt('gla', 28, 1.5e7, 0.21), pt('gla', 56, 6e7, 0.6)], 'mhsa');
    expect(c).toEqual([{ op: 'gla', text: 'overtakes mhsa between 28×28 and 56×56 (1.1× faster at 56×56)' }]);
  });
  it('faster everywhere, slower everywhere, trading places', () => {
    const c = crossovers(
      [
        ...base,
        pt('vicinity', 14, 2e6, 0.065), pt('vicinity', 28, 1e7, 0.07), pt('vicinity', 56, 4e7, 0.081),
        pt('hilo', 14, 8e7, 0.19), pt('hilo', 28, 4e8, 0.24), pt('hilo', 56, 2.7e9, 0.77),
        pt('gma', 14, 7e6, 0.06), pt('gma', 28, 3e7, 0.2), pt('gma', 56, 1e8, 0.2),
      ],
      'mhsa',
    );
    const by = Object.fromEntries(c.map((x) => [x.op, x.text]));
    expect(by.vicinity).toBe('faster than mhsa at every grid measured (8.0× faster at 56×56)');
    expect(by.hilo).toBe('slower than mhsa at every grid measured (1.2× its time at 56×56)');
    expect(by.gma).toBe('trades places with mhsa: faster at 14×14, 56×56, slower at 28×28');
  });
  it('falls behind between two grids', () => {
    const c = crossovers([...base, pt('fasa', 14, 4e6, 0.06), pt('fasa', 28, 3e7, 0.2), pt('fasa', 56, 3e8, 1.3)], 'mhsa');
    expect(c).toEqual([{ op: 'fasa', text: 'falls behind mhsa between 14×14 and 28×28 (2.0× its time at 56×56)' }]);
  });
  it('only grids both were measured at; failed points do not count', () => {
    const c = crossovers([...base.slice(0, 2), pt('mhsa', 56, 1.3e9, NaN, 'lost'), pt('fasa', 14, 4e6, 0.06), pt('fasa', 56, 3e8, 0.25)], 'mhsa');
    expect(c).toEqual([{ op: 'fasa', text: 'faster than mhsa at every grid measured (1.2× faster at 14×14)' }]);
  });
});

describe('throughputReadings', () => {
  it('GFLOP/s at the smallest and largest grid, growth of MACs and time, launch-bound when time lags the work', () => {
    const r = throughputReadings([pt('mhsa', 14, 8_128_512, 0.068), pt('mhsa', 56, 1_310_195_712, 0.645), pt('gla', 14, 1e6, 1), pt('gla', 56, 16e6, 12)]);
    expect(r[0]).toEqual({ op: 'mhsa', text: '239 GFLOP/s at 14×14 → 4063 GFLOP/s at 56×56; MACs ×161, time ×9.5: time grew far less than the work, so the small grid did not keep the GPU busy' });
    expect(r[1].text).toBe('2 GFLOP/s at 14×14 → 2.67 GFLOP/s at 56×56; MACs ×16, time ×12');
  });
});

describe('the shipped notebook flops-vs-latency.md', () => {
  const text = readFileSync(resolve(__dirname, '../../notebooks/flops-vs-latency.md'), 'utf8');
  const g = buildGraph(parseNotebook(text));
  const latency = g.views.find((v) => v.view === 'latency')!;
  const flops = g.views.find((v) => v.view === 'flops')!;

  it('parses cleanly; the latency view waits for Run, the MACs are there at once', () => {
    expect(g.notebook.errors).toEqual([]);
    expect(g.issues).toEqual([]);
    expect(planAll(g).expensive).toEqual([latency.id]);
    expect(planAll(g).cheap).toContain(flops.id);
  });

  it('all six ops at 14…56, against softmax, with the GFLOP/s reading', () => {
    const r = resolveView(g, latency.id, decodeLinkState('#nb=flops-vs-latency', g).values);
    if (!r.ok) throw new Error(r.message);
    const p = latencyPlan(r.config);
    expect(p.ops.map((o) => o.name)).toEqual(MECHANISMS);
    expect(p.grids).toEqual([14, 28, 42, 56]);
    expect(p.baseline).toBe('mhsa');
    expect(p.throughput).toBe(true);
    expect(p.runs).toBe(5);
  });

  it('a link caps the grids timed (largest=28)', () => {
    const link = decodeLinkState('#nb=flops-vs-latency&largest=28', g);
    expect(link.notes).toEqual([]);
    const r = resolveView(g, latency.id, link.values);
    if (!r.ok) throw new Error(r.message);
    expect(latencyPlan(r.config).grids).toEqual([14, 28]);
  });

  it('the MACs view counts every op at every grid', () => {
    const r = resolveView(g, flops.id, {});
    if (!r.ok) throw new Error(r.message);
    const t = flopsTable(r.config);
    expect(t.problems).toEqual([]);
    expect(t.ops.map((o) => o.macs.every((m) => typeof m === 'number' && m > 0))).toEqual([true, true, true, true, true, true]);
    // softmax grows quadratically: 16× the tokens, more than 100× the MACs
    const mhsa = t.ops.find((o) => o.name === 'mhsa')!.macs as number[];
    expect(mhsa[3] / mhsa[0]).toBeGreaterThan(100);
  });
});
