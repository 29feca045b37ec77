/**
 * The notebook UI's pure helpers: routes, view settings → op configs (knob checks, toggle → 0/1,
 * per-op knobs), grids and tokens, the MAC table (also split by branch), table sources, kernel
 * lookup, file names and the "suspicious content" notice for opened files.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNotebook } from '../../src/notebook';
import { parseRoute } from '../../src/ui/route';
import { buildOpConfig, checkGrid, findOp, gridsOf, opsOf } from '../../src/ui/notebook/views/op-config';
import { tokenOf } from '../../src/ui/notebook/views/token';
import { flopsTable } from '../../src/ui/notebook/views/flops-table';
import { TABLE_SOURCES } from '../../src/ui/notebook/views/table-sources';
import { notebookNameFromFile, suspiciousContent } from '../../src/ui/notebook/open-file';
import { opByName } from '../../src/ops/registry';
import { kernelByFile, kernelsOfOp, sharedKernelsOfOp } from '../../src/ui/notebook/views/kernels';

describe('routes', () => {
  it('index, explorer, notebook with its link state', () => {
    expect(parseRoute('')).toEqual({ page: 'index' });
    expect(parseRoute('#')).toEqual({ page: 'index' });
    expect(parseRoute('#explore')).toEqual({ page: 'explore' });
    expect(parseRoute('#nb=softmax-attention&heads=4')).toEqual({ page: 'notebook', name: 'softmax-attention', hash: '#nb=softmax-attention&heads=4' });
    // a name that could be a path or script is not a notebook
    expect(parseRoute('#nb=../etc&x=1').page).toBe('index');
    expect(parseRoute('#nb=<script>').page).toBe('index');
  });
});

describe('view settings → op config', () => {
  const mhsa = opByName('mhsa')!;
  it('merges knobs over the default config and names the unknown ones', () => {
    const r = buildOpConfig(mhsa, 14, { op: 'mhsa', grid: 14, token: 3, dim: 192, heads: 3, head: 2, H: 7 });
    expect(r.cfg).toMatchObject({ dim: 192, heads: 3, H: 14, W: 14 });
    expect(r.warnings.join(' ')).toMatch(/`head` is not a setting of mhsa/);
    expect(r.warnings.join(' ')).toMatch(/`H` is set by `grid`/);
    expect(r.warnings).toHaveLength(2);
  });
  it('refuses a knob of the wrong type, converts toggles to 0/1 switches', () => {
    expect(buildOpConfig(mhsa, 14, { heads: 'four' }).warnings[0]).toMatch(/should be a number/);
    const gma = opByName('gma')!;
    expect((buildOpConfig(gma, 14, { agg7: false }).cfg as { agg7: number }).agg7).toBe(0);
    expect((buildOpConfig(gma, 14, { agg7: true }).cfg as { agg7: number }).agg7).toBe(1);
  });
  it('shared knobs skip ops without them; a mapping under an op name applies to that op only', () => {
    const hilo = opByName('hilo')!;
    const settings = { ops: ['mhsa', 'hilo'], alpha: 0.5, hilo: { ws: 7 }, mhsa: { heads: 2 } };
    const m = buildOpConfig(mhsa, 14, settings, { shared: true });
    expect(m.warnings).toEqual([]);
    expect((m.cfg as { heads: number }).heads).toBe(2);
    const h = buildOpConfig(hilo, 14, settings, { shared: true });
    expect(h.cfg).toMatchObject({ alpha: 0.5, ws: 7 });
    // not shared: the same top-level knob is reported for the op that lacks it
    expect(buildOpConfig(mhsa, 14, { alpha: 0.5 }).warnings[0]).toMatch(/`alpha` is not a setting/);
  });
  it('ops, grids and tokens are checked with messages', () => {
    expect(() => findOp('nope')).toThrow(/Unknown op `nope`/);
    expect(() => findOp(undefined)).toThrow(/needs an `op`/);
    expect(opsOf({ op: 'hilo' }).map((o) => o.name)).toEqual(['hilo']);
    expect(() => opsOf({})).toThrow(/needs `ops/);
    expect(checkGrid(42)).toBe(42); // counting and timing take any grid
    expect(() => checkGrid(42, 14, true)).toThrow(/does not divide the 224-pixel photo/);
    expect(() => checkGrid(0)).toThrow(/whole number/);
    expect(gridsOf({ grids: [14, 28] })).toEqual([14, 28]);
    const w: string[] = [];
    expect(tokenOf({ token: 500 }, 14, w)).toBe(7 * 14 + 7);
    expect(w[0]).toMatch(/outside the 14×14 grid/);
    expect(tokenOf({ token: 44 }, 14, [])).toBe(44);
  });
});

describe('MAC table', () => {
  it('equals each op\'s own count; the softmax notebook\'s numbers', () => {
    const t = flopsTable({ ops: ['mhsa'], grids: [14, 28, 42, 56], dim: 192 });
    expect(t.problems).toEqual([]);
    expect(t.ops[0].macs).toEqual([43_653_120, 351_633_408, 1_455_003_648, 4_238_868_480]);
  });
  it('split: branch adds the branches, which sum to the total', () => {
    const t = flopsTable({ ops: ['hilo', 'mhsa'], grids: [14, 28], split: 'branch', alpha: 0.5 });
    expect(t.ops.map((o) => o.name)).toEqual(['hilo', 'hilo Hi-Fi', 'hilo Lo-Fi', 'mhsa']);
    for (let i = 0; i < 2; i++) expect(t.ops[1].macs[i]! + t.ops[2].macs[i]!).toBe(t.ops[0].macs[i]);
    expect(t.problems).toEqual([]);
  });
  it('problems are reported in words, not thrown', () => {
    expect(flopsTable({ ops: ['mhsa'], grids: [14], split: 'heads' }).problems.join(' ')).toMatch(/`split` can only be `branch`/);
    expect(flopsTable({ ops: ['mhsa'], grids: [14], split: 'branch' }).problems.join(' ')).toMatch(/None of these ops has branches/);
    expect(flopsTable({ ops: ['mhsa'], grids: [14], heads: 'x' }).problems.join(' ')).toMatch(/mhsa: `heads` should be a number/);
  });
});

describe('table sources', () => {
  it('litv2-alpha-sweep has one row per released alpha', () => {
    const t = TABLE_SOURCES['litv2-alpha-sweep']();
    expect(t.rows.length).toBe(7);
    expect(t.rows.every((r) => r.length === t.columns.length)).toBe(true);
  });
});

describe('opened files', () => {
  it('file names become safe notebook names', () => {
    expect(notebookNameFromFile('My Notebook (2).md')).toBe('My-Notebook-2');
    expect(notebookNameFromFile('../../evil.md')).toBe('evil');
    expect(notebookNameFromFile('.md')).toBe('notebook');
  });
  it('flags raw HTML and script links, not ordinary notebooks', () => {
    const shipped = readFileSync(resolve(import.meta.dirname, '../../notebooks/softmax-attention.md'), 'utf8');
    expect(suspiciousContent(parseNotebook(shipped))).toEqual([]);
    const bad = parseNotebook('# x\n\n<script>alert(1)</script>\n\n<img src=x onerror="a()">\n\n[l](javascript:alert(1))\n');
    expect(suspiciousContent(bad)).toEqual(['<script> tags', 'HTML event handlers (onerror=, onclick=, …)', 'javascript:/data: links']);
  });
});

describe('kernel view lookup', () => {
  it('an op\'s own kernels and the shared ones its gpu.ts imports', async () => {
    // mhsa has no kernel of its own: the shared attention core and the two Linear kernels
    // linearDispatch picks between (by shape)
    expect(kernelsOfOp('mhsa')).toEqual([]);
    expect((await sharedKernelsOfOp('mhsa')).map((k) => k.file)).toEqual(['attn_rows.wgsl', 'attn.wgsl', 'lib/flash_attn.wgsl', 'lib/gelu.wgsl', 'lib/gemm.wgsl', 'lib/softmax_row.wgsl', 'linear_big.wgsl', 'linear.wgsl']);
    // gla2d lives in gla's folder
    expect(kernelsOfOp('gla2d').length).toBeGreaterThan(0);
    expect(kernelsOfOp('gla2d')).toEqual(kernelsOfOp('gla'));
    expect(kernelByFile('linear')?.source).toMatch(/@compute/);
    expect(kernelByFile('nope')).toBeUndefined();
  });
});
