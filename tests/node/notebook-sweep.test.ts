/**
 * `sweep: alpha` in flops/latency/attention views: reading the sweep, one config per setting, and
 * the MAC table by branch; plus the shipped HiLo notebook's sweep cells (parse, resolve, numbers).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildGraph, defaultValues, parseNotebook, resolveView, viewCells } from '../../src/notebook';
import { opByName } from '../../src/ops/registry';
import { hiloMacs } from '../../src/ops/hilo/flops';
import type { HiloConfig } from '../../src/ops/hilo/spec';
import { sweepConfigs, sweepMacsTable, sweepOf, sweepOpGrid } from '../../src/ui/notebook/views/sweep';

const VALUES = [0, 0.2, 0.4, 0.5, 0.7, 0.9, 1];
const hilo = opByName('hilo')!;

describe('sweep settings', () => {
  it('reads `sweep` and `values`; none → null', () => {
    expect(sweepOf({ op: 'hilo' }, hilo)).toBeNull();
    expect(sweepOf({ sweep: 'alpha', values: VALUES }, hilo)).toEqual({ key: 'alpha', values: VALUES });
  });
  it('refuses what it cannot sweep, in words', () => {
    expect(() => sweepOf({ sweep: 'beta', values: [1] }, hilo)).toThrow(/number setting of hilo .*alpha/);
    expect(() => sweepOf({ sweep: 'qkvBias', values: [1] }, hilo)).toThrow(/number setting/);
    expect(() => sweepOf({ sweep: 'alpha' }, hilo)).toThrow(/needs `values`/);
    expect(() => sweepOf({ sweep: 'alpha', values: [0, 'x'] }, hilo)).toThrow(/must be numbers/);
    expect(() => sweepOf({ sweep: 'alpha', values: Array(17).fill(0.5) }, hilo)).toThrow(/At most 16/);
    expect(() => sweepOpGrid({ ops: ['hilo', 'mhsa'], sweep: 'alpha' })).toThrow(/one op/);
    expect(() => sweepOpGrid({ op: 'hilo', grid: 10 }, true)).toThrow(/does not divide/);
  });
  it('one config per value, the other knobs kept; the grid is `grid` or the first of `grids`', () => {
    const { op, grid } = sweepOpGrid({ op: 'hilo', grids: [28, 56] });
    expect(grid).toBe(28);
    const { cfgs, warnings } = sweepConfigs(op, grid, { op: 'hilo', ws: 4, heads: 8, alpha: 0.3 }, { key: 'alpha', values: [0, 1] });
    expect(cfgs.map((c) => (c as HiloConfig).alpha)).toEqual([0, 1]);
    expect(cfgs.every((c) => (c as HiloConfig).ws === 4 && (c as HiloConfig).heads === 8 && (c as HiloConfig).H === 28)).toBe(true);
    expect(warnings.join(' ')).toMatch(/`alpha` is swept/);
  });
});

describe('MACs along alpha', () => {
  it('branches sum to the op\'s count; Lo-Fi grows and Hi-Fi shrinks with alpha (ws 2, 12 heads)', () => {
    const t = sweepMacsTable({ op: 'hilo', grid: 14, heads: 12, ws: 2, sweep: 'alpha', values: VALUES });
    expect(t.problems).toEqual([]);
    expect(t.branches).toEqual(['Hi-Fi', 'Lo-Fi']);
    expect(t.rows.map((r) => r.value)).toEqual(VALUES);
    for (const r of t.rows) {
      expect(r.branch['Hi-Fi'] + r.branch['Lo-Fi']).toBe(r.total);
      expect(r.total).toBe(hiloMacs({ ...(hilo.defaultConfig(14, 14) as HiloConfig), heads: 12, ws: 2, alpha: r.value }));
    }
    for (let i = 1; i < t.rows.length; i++) {
      expect(t.rows[i].branch['Lo-Fi']).toBeGreaterThan(t.rows[i - 1].branch['Lo-Fi']);
      expect(t.rows[i].branch['Hi-Fi']).toBeLessThan(t.rows[i - 1].branch['Hi-Fi']);
    }
    // the README's example: dim 384, 12 heads, ws 2, alpha 0.5 on 14×14
    expect(t.rows[3].total).toBe(83_467_776);
    expect(t.rows[0].branch['Lo-Fi']).toBe(0);
    expect(t.rows[6].branch['Hi-Fi']).toBe(0);
  });
  it('an op without branches gives totals only', () => {
    const t = sweepMacsTable({ op: 'mhsa', grid: 14, sweep: 'heads', values: [1, 2, 4] });
    expect(t.branches).toEqual([]);
    expect(t.rows.map((r) => r.total)).toEqual([1, 2, 4].map((h) => opByName('mhsa')!.macs({ ...(opByName('mhsa')!.defaultConfig(14, 14) as object), heads: h })));
  });
});

describe('the HiLo notebook\'s sweep cells', () => {
  const nb = parseNotebook(readFileSync(resolve(import.meta.dirname, '../../notebooks/hilo-alpha.md'), 'utf8'));
  const g = buildGraph(nb);
  const values = defaultValues(g);
  it('parse without errors and resolve to sweeps of alpha over seven values', () => {
    expect(nb.errors.filter((e) => e.severity === 'error')).toEqual([]);
    const sweeps = viewCells(nb).filter((c) => c.config.sweep !== undefined);
    expect(sweeps.map((c) => `${c.viewKind} ${c.name}`)).toEqual(['attention sweep-maps', 'flops sweep-macs', 'latency sweep-time']);
    for (const c of sweeps) {
      const r = resolveView(g, c.id, values);
      expect(r.ok).toBe(true);
      if (!r.ok) continue;
      const { op, grid } = sweepOpGrid(r.config, c.view === 'attention');
      expect(sweepOf(r.config, op)).toEqual({ key: 'alpha', values: VALUES });
      expect(sweepConfigs(op, grid, r.config, sweepOf(r.config, op)!).warnings).toEqual([]);
    }
    // the latency sweep is expensive like every latency view; the others are cheap
    expect(sweeps.map((c) => (resolveView(g, c.id, values) as { cost: string }).cost)).toEqual(['cheap', 'cheap', 'expensive']);
  });
});
