/**
 * The interaction benchmark's shared parts (src/bench/interaction.ts): percentiles, the browser
 * trace → phases split, the words for a missed target, the phase timers on a GpuContext, and that
 * the browser's one-view notebooks and the Node half build the same op configs.
 */
import { describe, expect, it } from 'vitest';
import {
  INTERACTION_KNOBS,
  INTERACTION_OPS,
  browserPhases,
  explainMiss,
  interactionConfig,
  interactionNotebook,
  percentile,
  withPhaseTimers,
  type PhaseAcc,
} from '../../src/bench/interaction';
import type { GpuContext } from '../../src/gpu/context';
import { buildGraph, change, defaultValues, parseNotebook, resolveView } from '../../src/notebook';
import { opByName } from '../../src/ops/registry';
import { buildOpConfig } from '../../src/ui/notebook/views/op-config';

describe('percentile (nearest rank)', () => {
  it('p50 and p95 of 1…20', () => {
    const xs = Array.from({ length: 20 }, (_, i) => 20 - i);
    expect(percentile(xs, 0.5)).toBe(10);
    expect(percentile(xs, 0.95)).toBe(19);
    expect(percentile(xs, 1)).toBe(20);
  });
  it('ignores NaN; empty → NaN', () => {
    expect(percentile([NaN, 3, 1], 0.5)).toBe(1);
    expect(percentile([], 0.5)).toBeNaN();
  });
});

describe('browserPhases', () => {
  // change at 100; 2 runs: submit, GPU wait, read-back; map committed at 100+60, drawn +64, shown +80
  const trace = [
    { k: 'submit' as const, t0: 90 }, // before the change: not this one's
    { k: 'submit' as const, t0: 110 },
    { k: 'done' as const, t0: 111, t1: 126 },
    { k: 'map' as const, t0: 127, t1: 131, size: 4096 },
    { k: 'submit' as const, t0: 133 },
    { k: 'done' as const, t0: 134, t1: 149 },
    { k: 'map' as const, t0: 150, t1: 152, size: 16 },
    { k: 'done' as const, t0: 170, t1: 175 }, // after the commit: another view's
  ];
  const p = browserPhases({ startTime: 100, duration: 80, commitMs: 60, drawnMs: 64 }, trace);
  it('splits the change into phases that add up', () => {
    expect(p).toMatchObject({ total: 80, prep: 10, gpu: 30, readback: 6, runs: 2, render: 8, draw: 4, present: 16 });
    expect(p.js).toBeCloseTo(152 - 110 - 30 - 6);
    expect(p.prep + p.gpu + p.readback + p.js + p.render + p.draw + p.present).toBeCloseTo(p.total);
  });
  it('no GPU calls (CPU fallback): GPU phases are NaN, not 0', () => {
    const q = browserPhases({ startTime: 0, duration: 30, commitMs: 20, drawnMs: 25 }, []);
    expect(q.gpu).toBeNaN();
    expect(q.prep).toBeNaN();
    expect(q.runs).toBe(0);
    expect(q.draw).toBe(5);
  });
});

describe('explainMiss', () => {
  it('says by how much and names the largest phases first', () => {
    const s = explainMiss({ targetMs: 16, p50Ms: 40, p95Ms: 48, runs: 4, phases: [['render', 4], ['GPU wait', 30], ['read-back', 5], ['draw', NaN]] });
    expect(s).toMatch(/^p95 48\.00 ms is 32\.00 ms over the 16 ms target \(3\.0×\)/);
    expect(s.indexOf('GPU wait 30.00 ms (75%)')).toBeLessThan(s.indexOf('read-back 5.00 ms'));
    expect(s).toContain('the op ran 4× per change (1 for the map, 3 only to time it)');
    expect(s).not.toContain('draw');
  });
  it('says whether the part a faster GPU cannot remove fits the target', () => {
    const base = { targetMs: 16, p50Ms: 40, p95Ms: 48, phases: [['GPU wait', 30]] as Array<[string, number]> };
    expect(explainMiss({ ...base, restMs: 20 })).toContain('would still take 20.00 ms, over the target on its own');
    expect(explainMiss({ ...base, restMs: 9 })).toContain('would take 9.00 ms, within the target');
  });
});

describe('withPhaseTimers', () => {
  it('times run/read/upload of one GpuContext and restores its methods', async () => {
    let t = 0;
    const realNow = performance.now.bind(performance);
    performance.now = () => t;
    try {
      class Fake {
        async run() {
          t += 7;
          return { ms: 1, source: 'wall' as const };
        }
        async read() {
          t += 3;
          return new Float32Array(1);
        }
        upload() {
          t += 2;
          return {} as GPUBuffer;
        }
      }
      const ctx = new Fake() as unknown as GpuContext;
      const acc: PhaseAcc = { upload: 0, gpu: 0, read: 0 };
      await withPhaseTimers(ctx, acc, async () => {
        ctx.upload(new Float32Array(1));
        await ctx.run([]);
        await ctx.read({} as GPUBuffer, 1);
        await ctx.run([]);
      });
      expect(acc).toEqual({ upload: 2, gpu: 14, read: 3 });
      expect(Object.keys(ctx)).toEqual([]);
      expect(ctx.run).toBe(Fake.prototype.run);
    } finally {
      performance.now = realNow;
    }
  });
});

describe('the knobs moved', () => {
  for (const op of INTERACTION_OPS) {
    for (const grid of [14, 56]) {
      it(`${op} ${grid}×${grid}: the browser notebook and the Node half build the same two configs, and they differ`, () => {
        const k = INTERACTION_KNOBS[op];
        const o = opByName(op)!;
        const g = buildGraph(parseNotebook(interactionNotebook(op, grid)));
        expect(g.notebook.errors).toEqual([]);
        const v0 = defaultValues(g);
        expect(v0[k.key]).toBe(k.values[0]);
        const moved = change(g, v0, k.key, k.values[1]);
        expect(moved.error).toBeUndefined();
        expect(moved.cheap).toHaveLength(1);
        const cfgs = [v0, moved.values].map((vals) => {
          const r = resolveView(g, g.views[0].id, vals);
          if (!r.ok) throw new Error(r.message);
          const { cfg, warnings } = buildOpConfig(o, grid, r.config);
          expect(warnings).toEqual([]);
          return cfg;
        });
        expect(cfgs[0]).toEqual(interactionConfig(o, grid, k.key, k.values[0]));
        expect(cfgs[1]).toEqual(interactionConfig(o, grid, k.key, k.values[1]));
        expect(cfgs[1]).not.toEqual(cfgs[0]);
      });
    }
  }
});
