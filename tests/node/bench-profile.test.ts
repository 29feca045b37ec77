/** The per-kernel profile's pure half: kernel names from WGSL, workgroup sizes, aggregation, Markdown. */
import { describe, expect, it } from 'vitest';
import { expandWgsl, includeWgsl, kernelSources } from '../../src/gpu/wgsl';
import { constExpr, kernelName, kernelTemplates, workgroupSize } from '../../src/bench/kernel-label';
import { aggregateKernels, fmtUs, modelProfileMarkdown, opProfileMarkdown, profileTotals, type KernelTiming, type ProfileMeasure, type Roofs } from '../../src/bench/profile-report';

const src = (file: string) => kernelSources[`../../kernels/${file}.wgsl`];

describe('kernel names from the expanded WGSL', () => {
  it('names real kernels after their file, whatever the placeholders expanded to', () => {
    expect(kernelName(expandWgsl(src('linear'), { WY: 8 }))).toBe('linear');
    expect(kernelName(expandWgsl(src('hilo_window'), { HD: 32, TKEY: 64, TQ: 64 }))).toBe('hilo_window');
    expect(kernelName(expandWgsl(src('gla_scan'), { DK: 16, BT: 16, DVB: 16 }))).toBe('gla_scan');
  });
  it('every kernel file is named after itself', () => {
    for (const [path, text] of Object.entries(kernelSources)) {
      const entry = /@compute[^{]*?\bfn\s+(\w+)/.exec(text)?.[1];
      if (!entry) continue; // helper files (softmax_row) are only ever included
      const defines = Object.fromEntries([...includeWgsl(text).matchAll(/\{\{(\w+)\}\}/g)].map((m) => [m[1], 8]));
      const file = path.split('/').pop()!.replace(/\.wgsl$/, '');
      expect(kernelName(expandWgsl(text, defines), entry)).toBe(entry === 'main' ? file : `${file}:${entry}`);
    }
  });
  it('an including kernel wins over the file it includes', () => {
    expect(kernelName(expandWgsl(src('attn_rows'), { HD: 32 }))).toBe('attn_rows');
  });
  it('the included file may be longer than the includer’s own text', () => {
    const long = `fn helper() { ${'let a = 1; '.repeat(40)} }\n`;
    const t = kernelTemplates({ 'k/inc.wgsl': `${long}@compute @workgroup_size(1) fn main() {}\n`, 'k/top.wgsl': 'const N = {{N}}u;\n//#include inc.wgsl\n// top\n' });
    const expanded = `const N = 4u;\n${long}@compute @workgroup_size(1) fn main() {}\n\n// top\n`;
    expect(kernelName(expanded, 'main', t)).toBe('top');
    expect(kernelName(`${long}@compute @workgroup_size(1) fn main() {}\n`, 'main', t)).toBe('inc');
  });
  it('adds a non-main entry point and tags unknown sources', () => {
    expect(kernelName(src('fat_gn'), 'gn_pool')).toBe('fat_gn:gn_pool');
    expect(kernelName('@compute @workgroup_size(1) fn main() { let zz_unknown = 1; }')).toMatch(/^wgsl#[0-9a-f]{8}$/);
  });
});

describe('workgroup sizes', () => {
  it('reads literals, consts and products of consts, per entry', () => {
    expect(workgroupSize('@compute @workgroup_size(16, 16)\nfn main() {}')).toEqual([16, 16, 1]);
    expect(workgroupSize('const WG: u32 = 256u;\n@compute @workgroup_size(WG)\nfn main() {}')).toEqual([256, 1, 1]);
    expect(workgroupSize(expandWgsl(src('gla_scan'), { DK: 16, BT: 8, DVB: 4 }))).toEqual([32, 1, 1]);
    const two = '@compute @workgroup_size(64) fn a() {}\n@compute @workgroup_size(8, 4, 2) fn b() {}';
    expect(workgroupSize(two, 'b')).toEqual([8, 4, 2]);
    expect(workgroupSize(two, 'main')).toBeNull();
    expect(workgroupSize('override S: u32;\n@compute @workgroup_size(S) fn main() {}')).toBeNull();
  });
  it('evaluates + - * / and parentheses, refuses anything else', () => {
    expect(constExpr('(2 + 3) * 4 - 6 / 3', '')).toBe(18);
    expect(constExpr('max(2, 3)', '')).toBeNull();
  });
});

const k = (index: number, name: string, us: number, bytes: number, group = 0): KernelTiming => ({ index, group, name, workgroups: [4, 2, 1], threads: 512, bytesBound: bytes, medianUs: us });
const measure: ProfileMeasure = {
  kernels: [k(0, 'linear', 100, 4e6), k(1, 'hilo_window', 250, 2e6), k(2, 'linear', 50, 1e6), k(3, 'hilo_concat', 100, 1e6)],
  onePassUs: 450, passes: 1, reps: 5, timeSource: 'timestamp',
};
const roofs: Roofs = { tflops: 10, gbps: 100, basis: 'test roofs' };

describe('aggregation and totals', () => {
  it('sums time, launches and bytes per kernel name, most time first', () => {
    const a = aggregateKernels(measure.kernels);
    expect(a.map((x) => x.name)).toEqual(['hilo_window', 'linear', 'hilo_concat']);
    const lin = a.find((x) => x.name === 'linear')!;
    expect(lin).toMatchObject({ launches: 2, totalUs: 150, meanUs: 75, bytesBound: 5e6 });
    expect(lin.share).toBeCloseTo(150 / 500);
    expect(a.reduce((s, x) => s + x.share, 0)).toBeCloseTo(1);
  });
  it('gap, bandwidth and compute against the roofs', () => {
    const t = profileTotals(measure, 1e6, roofs);
    expect(t.launches).toBe(4);
    expect(t.sumUs).toBe(500);
    expect(t.gapUs).toBe(-50);
    expect(t.bytesBound).toBe(8e6);
    expect(t.gbps).toBeCloseTo(8e6 / 450e-6 / 1e9); // 17.8 GB/s
    expect(t.bandwidthShare).toBeCloseTo(t.gbps / 100);
    expect(t.gflops).toBeCloseTo(2e6 / 450e-6 / 1e9);
    expect(t.peakShare).toBeCloseTo(t.gflops! / 10e3);
    expect(t.top).toEqual({ name: 'hilo_window', share: 0.5 });
  });
  it('unknown roofs and MACs give no shares', () => {
    const t = profileTotals(measure, null, { tflops: null, gbps: null, basis: '' });
    expect(t.gflops).toBeNull();
    expect(t.peakShare).toBeNull();
    expect(t.bandwidthShare).toBeNull();
  });
});

describe('Markdown', () => {
  it('op table: a row per launch in order, bandwidth column only with a known bandwidth', () => {
    const md = opProfileMarkdown('hilo 56×56', measure, 1e6, roofs);
    const rows = md.split('\n').filter((l) => /^\| \d/.test(l));
    expect(rows).toHaveLength(4);
    expect(rows[1]).toBe('| 1 | hilo_window | 4×2 | 512 | 1.9 | 250 | 50.0% | 8.00 | 8.00% |');
    expect(md).toContain('of copy BW');
    expect(md).toContain('4 launches');
    expect(md).toContain('−50.0 µs: per-pass overhead');
    expect(md).toContain('most time: hilo_window 50.0%');
    expect(opProfileMarkdown('x', measure, 1e6, { tflops: null, gbps: null, basis: '' })).not.toContain('of copy BW');
  });
  it('positive gap reads as launch and dependency cost', () => {
    expect(opProfileMarkdown('x', { ...measure, onePassUs: 600 }, null, roofs)).toContain('+100 µs: launch and dependency cost');
  });
  it('backbone table: a row per kernel name with launch counts', () => {
    const md = modelProfileMarkdown('vig-t batch 1', { ...measure, passes: 4 }, 1e9, roofs);
    expect(md).toContain('| linear | 2 | 150 | 30.0% | 75.0 |');
    expect(md.split('\n').filter((l) => /^\| [a-z]/.test(l))).toHaveLength(4); // header + 3 kernels
    expect(md).toContain('(the real run: 4 passes)');
  });
  it('µs keep 3 significant digits, whole µs from 1000', () => {
    expect(fmtUs(1.23456)).toBe('1.23');
    expect(fmtUs(123456.7)).toBe('123457');
    expect(fmtUs(NaN)).toBe('–');
  });
});
