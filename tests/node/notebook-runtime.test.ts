/**
 * The reactive graph: only dependents re-run (transitively through param bounds), split into
 * cheap (live) and expensive (on release); cycles, unknown and broken references are reported;
 * views resolve their `$name`s.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNotebook } from '../../src/notebook/format';
import {
  buildGraph,
  change,
  defaultValues,
  normalizeValues,
  planAll,
  planRun,
  resolveParamSpec,
  resolveView,
  VIEW_COST,
} from '../../src/notebook/runtime';

const cell = (info: string, body: string) => '```' + info + '\n' + body + '\n```\n\n';

const DOC =
  cell('param n', 'kind: slider\nmin: 1\nmax: 10\nstep: 1\nvalue: 8') +
  cell('param k', 'kind: slider\nmin: 0\nmax: $n\nstep: 1\nvalue: 5') + // bounded by n
  cell('param mode', 'kind: select\noptions: [fast, exact]') +
  cell('param on', 'kind: toggle\nvalue: true') +
  'Some prose.\n\n' +
  cell('view attention a', 'op: mhsa\nheads: $n') +
  cell('view latency b', 'op: mhsa\nheads: $k') +
  cell('view table c', 'rows: [[$mode, $on]]\nnote: "$$n is literal"') +
  cell('view flops d', 'ops: [mhsa]') +
  cell('view classify e', 'model: vig-t\nflag: $on') +
  cell('view compare f', 'left: {op: hilo, ws: $k}\ncost: cheap');

describe('dependencies and run plans', () => {
  const nb = parseNotebook(DOC);
  const g = buildGraph(nb);

  it('builds without issues; params in dependency order', () => {
    expect(nb.errors).toEqual([]);
    expect(g.issues).toEqual([]);
    expect(g.paramOrder.indexOf('n')).toBeLessThan(g.paramOrder.indexOf('k'));
    expect(defaultValues(g)).toEqual({ n: 8, k: 5, mode: 'fast', on: true });
  });

  it('cost table', () => {
    expect(VIEW_COST).toMatchObject({ attention: 'cheap', kernel: 'cheap', table: 'cheap', flops: 'cheap', latency: 'expensive', classify: 'expensive', compare: 'expensive' });
  });

  it('only dependents re-run, transitively through bounds, split by cost', () => {
    // n bounds k, so views of k may change too
    expect(planRun(g, ['n'])).toEqual({ cheap: ['view-a', 'view-f'], expensive: ['view-b'] });
    expect(planRun(g, ['k'])).toEqual({ cheap: ['view-f'], expensive: ['view-b'] });
    expect(planRun(g, ['mode'])).toEqual({ cheap: ['view-c'], expensive: [] });
    expect(planRun(g, ['on'])).toEqual({ cheap: ['view-c'], expensive: ['view-e'] });
    expect(planRun(g, ['nope'])).toEqual({ cheap: [], expensive: [] });
    expect(planAll(g)).toEqual({ cheap: ['view-a', 'view-c', 'view-d', 'view-f'], expensive: ['view-b', 'view-e'] });
  });

  it('change(): the exact set — a dependent re-runs only when its value moves', () => {
    const v = defaultValues(g);
    // n 8 → 9: k (5) still fits under 9, so only n's own views
    const a = change(g, v, 'n', 9);
    expect(a.values).toEqual({ ...v, n: 9 });
    expect(a.changed).toEqual(['n']);
    expect([a.cheap, a.expensive]).toEqual([['view-a'], []]);
    // n → 3: k is clamped from 5 to 3, so k's views re-run as well
    const b = change(g, v, 'n', 3);
    expect(b.values).toMatchObject({ n: 3, k: 3 });
    expect(b.changed).toEqual(['n', 'k']);
    expect(b.notes).toEqual(['k: 5 is above the maximum 3; using 3.']);
    expect([b.cheap, b.expensive]).toEqual([['view-a', 'view-f'], ['view-b']]);
    // the same value again: nothing to do
    expect(change(g, a.values, 'n', 9)).toMatchObject({ changed: [], cheap: [], expensive: [] });
    // k's max now follows n
    expect(resolveParamSpec(g, 'k', b.values)).toMatchObject({ min: 0, max: 3 });
    expect(change(g, b.values, 'k', 7)).toMatchObject({ values: { k: 3 }, changed: [] });
    // input is not mutated
    expect(v).toEqual({ n: 8, k: 5, mode: 'fast', on: true });
  });

  it('change(): clamps, snaps and refuses with notes', () => {
    const v = defaultValues(g);
    expect(change(g, v, 'n', 99)).toMatchObject({ values: { n: 10 }, notes: ['n: 99 is above the maximum 10; using 10.'] });
    expect(change(g, v, 'n', 2.4)).toMatchObject({ values: { n: 2 } });
    expect(change(g, v, 'n', 2.4).notes[0]).toMatch(/not on the slider's steps of 1; using 2/);
    const bad = change(g, v, 'n', 'lots');
    expect(bad.error).toMatch(/must be a number/);
    expect(bad.values).toBe(v);
    expect(change(g, v, 'mode', 'slow').error).toMatch(/not one of the options \(fast, exact\)/);
    expect(change(g, v, 'on', 1).error).toMatch(/true or false/);
    expect(change(g, v, 'ghost', 1).error).toMatch(/no param `ghost`/);
  });

  it('resolveView substitutes values deep and keeps $$ as a literal $', () => {
    const v = { ...defaultValues(g), mode: 'exact', on: false };
    expect(resolveView(g, 'view-c', v)).toMatchObject({ ok: true, view: 'table', config: { rows: [['exact', false]], note: '$n is literal' }, cost: 'cheap' });
    expect(resolveView(g, 'view-f', v)).toMatchObject({ ok: true, config: { left: { op: 'hilo', ws: 5 } }, cost: 'cheap' });
    expect(resolveView(g, 'view-b', v)).toMatchObject({ ok: true, op: 'mhsa', config: { heads: 5 }, cost: 'expensive' });
    expect(resolveView(g, 'view-zzz', v)).toMatchObject({ ok: false });
  });

  it('normalizeValues fills missing ones and repairs bad ones', () => {
    const r = normalizeValues(g, { n: 2, k: 9, mode: 'nope', extra: 1 } as never);
    expect(r.values).toEqual({ n: 2, k: 2, mode: 'fast', on: true });
    expect(r.notes).toEqual(['k: 9 is above the maximum 2; using 2.', 'mode: "nope" is not one of the options (fast, exact); using the default fast.']);
  });
});

describe('problems in the graph', () => {
  it('cycles are reported and block the cells that need them', () => {
    const nb = parseNotebook(
      cell('param p', 'kind: slider\nmin: 0\nmax: $q') +
        cell('param q', 'kind: slider\nmin: 0\nmax: $p') +
        cell('param r', 'kind: slider\nmin: 0\nmax: $r') +
        cell('param s', 'kind: slider\nmin: 0\nmax: $p') +
        cell('param ok', 'kind: toggle') +
        cell('view table t1', 'x: $p') +
        cell('view table t2', 'x: $s') +
        cell('view table t3', 'x: $ok'),
    );
    const g = buildGraph(nb);
    const cycles = g.issues.filter((i) => i.kind === 'cycle');
    expect(cycles.map((i) => i.cellId).sort()).toEqual(['param-p', 'param-q', 'param-r']);
    expect(cycles.find((i) => i.cellId === 'param-p')!.message).toMatch(/\$p → \$q → \$p|\$q → \$p → \$q/);
    expect(cycles.find((i) => i.cellId === 'param-r')!.message).toMatch(/\$r → \$r/);
    expect([...g.blocked.keys()].sort()).toEqual(['param-p', 'param-q', 'param-r', 'param-s', 'view-t1', 'view-t2']);
    expect(g.paramOrder).toEqual(['ok']);
    expect(defaultValues(g)).toEqual({ ok: false });
    expect(planAll(g)).toEqual({ cheap: ['view-t3'], expensive: [] });
    expect(resolveView(g, 'view-t1', { ok: true })).toMatchObject({ ok: false, message: expect.stringMatching(/cannot be set/) });
    expect(change(g, { ok: false }, 'p', 1).error).toMatch(/circle/);
  });

  it('unknown references are reported with a suggestion; the cell is blocked', () => {
    const nb = parseNotebook(
      cell('param alpha', 'kind: slider\nmin: 0\nmax: 1') +
        cell('view attention', 'op: hilo\nalpha: $alhpa') +
        cell('view table', 'x: $zzz') +
        cell('param w', 'kind: slider\nmin: 0\nmax: $nothing'),
    );
    const g = buildGraph(nb);
    const msgs = g.issues.map((i) => `${i.kind} ${i.cellId} ${i.line}: ${i.message}`);
    expect(msgs).toEqual([
      'unknown-ref param-w 19: `$nothing` does not match any param (params: $alpha, $w).',
      'unknown-ref view-attention 9: `$alhpa` does not match any param (did you mean `$alpha`?).',
      'unknown-ref view-table 13: `$zzz` does not match any param (params: $alpha, $w).',
    ]);
    expect(planRun(g, ['alpha'])).toEqual({ cheap: [], expensive: [] });
    expect(resolveView(g, 'view-attention', defaultValues(g))).toMatchObject({ ok: false, message: expect.stringMatching(/did you mean/) });
  });

  it('a reference to a broken or duplicate param says so', () => {
    const nb = parseNotebook(cell('param a', 'kind: slider\nmin: 0') + cell('view table', 'x: $a'));
    const g = buildGraph(nb);
    expect(g.issues).toEqual([expect.objectContaining({ kind: 'broken-param', cellId: 'view-table', message: expect.stringMatching(/line 1, which has errors/) })]);
  });

  it('unknown view kinds and broken bodies do not run', () => {
    const nb = parseNotebook(cell('view hologram', 'x: 1') + cell('view table', 'x: [') + cell('view flops', 'cost: expensive'));
    const g = buildGraph(nb);
    expect(resolveView(g, 'view-hologram', {})).toMatchObject({ ok: false, message: expect.stringMatching(/does not know: `hologram`/) });
    expect(resolveView(g, 'view-table', {})).toMatchObject({ ok: false });
    expect(planAll(g)).toEqual({ cheap: ['view-hologram'], expensive: ['view-flops'] });
  });

  it('the shipped softmax notebook: heads re-runs the map and the latency, not the FLOPs', () => {
    const nb = parseNotebook(readFileSync(resolve(__dirname, '../../notebooks/softmax-attention.md'), 'utf8'));
    const g = buildGraph(nb);
    expect(g.issues).toEqual([]);
    const v = defaultValues(g);
    expect(v).toEqual({ heads: 4, token: 105 });
    const r = change(g, v, 'heads', 2);
    expect(r.cheap.map((id) => nb.cells.find((c) => c.id === id)!.type === 'view' && (nb.cells.find((c) => c.id === id) as { view: string }).view)).toEqual(['attention']);
    expect(r.expensive.length).toBe(1);
    const t = change(g, v, 'token', 3);
    expect(t.expensive).toEqual([]);
    expect(t.cheap.length).toBe(1);
    expect(resolveView(g, t.cheap[0], t.values)).toMatchObject({ ok: true, op: 'mhsa', config: { heads: 4, token: 3 } });
  });
});
