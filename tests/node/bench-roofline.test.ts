/** The bench's roofline floors, crossover sentence, growth table and SVG chart, on hand-made numbers. */
import { describe, expect, it } from 'vitest';
import { opByName } from '../../src/ops/registry';
import { opMinBytes, rooflineFloor } from '../../src/bench/roofline';
import { nominalPeak } from '../../src/bench/peak';
import { crossovers, crossoverSentence, growthMarkdown, type GrowthReport } from '../../src/bench/growth';
import { growthChartSvg } from '../../src/bench/chart';
import { reportMarkdown, type BenchReport } from '../../src/bench/suite';

describe('compulsory bytes', () => {
  it('mhsa: x + qkv/proj weights and biases + y, fp32', () => {
    const op = opByName('mhsa')!;
    const c = op.defaultConfig(14, 14); // dim 64, qkv bias
    const io = 2 * 196 * 64;
    const w = 3 * 64 * 64 + 3 * 64 + 64 * 64 + 64;
    expect(opMinBytes(op, c)).toBe(4 * (io + w));
  });
  it('fasa: counts BatchNorm vectors, not the num_batches_tracked counter', () => {
    const op = opByName('fasa')!;
    const c = { ...op.defaultConfig(8, 8), ws: 4 }; // two pooling steps, two BN layers
    const shapes = op.paramShapes(c) as Array<[string, number[]]>;
    expect(shapes.some(([k]) => k.endsWith('num_batches_tracked'))).toBe(true);
    const weights = shapes.filter(([k]) => !k.endsWith('num_batches_tracked')).reduce((a, [, s]) => a + s.reduce((x, y) => x * y, 1), 0);
    expect(opMinBytes(op, c)).toBe(4 * (2 * 64 * 8 * 8 + weights));
  });
});

describe('roofline floor', () => {
  it('is the larger of the compute and memory times', () => {
    // 1e9 MACs at 10 TFLOP/s = 0.2 ms; 1e6 bytes at 1000 GB/s = 0.001 ms
    const f = rooflineFloor(1e9, 1e6, 10, 1000);
    expect(f.computeMs).toBeCloseTo(0.2, 12);
    expect(f.memoryMs).toBeCloseTo(0.001, 12);
    expect(f).toMatchObject({ ms: f.computeMs, bound: 'compute' });
    const g = rooflineFloor(1e3, 4e9, 10, 2000);
    expect(g).toMatchObject({ bound: 'memory' });
    expect(g.ms).toBeCloseTo(2, 12);
  });
  it('knows the data-sheet roofs of the bench GPUs', () => {
    expect(nominalPeak('NVIDIA H200 nvidia')).toMatchObject({ tflops: 66.9, gbps: 4800 });
    expect(nominalPeak('NVIDIA H100 PCIe')).toMatchObject({ tflops: 51.2, gbps: 2000 });
    expect(nominalPeak('google swiftshader')).toBeNull();
  });
});

/** baseline ∝ N², linear op ∝ N with a larger constant, an op that wins only in the middle. */
function growthFixture(): GrowthReport {
  const grids = [8, 16, 32, 64];
  const rows = grids.flatMap((g) => {
    const N = g * g;
    return [
      { op: 'mhsa', grid: g, tokens: N, macs: N * N, medianMs: 1e-4 * N * N },
      { op: 'lin', grid: g, tokens: N, macs: 10 * N, medianMs: 0.05 * N },
      { op: 'fast', grid: g, tokens: N, macs: N, medianMs: 1e-5 * N * N },
      { op: 'mid', grid: g, tokens: N, macs: N, medianMs: g === 16 ? 1e-5 : 1e9 },
      { op: 'oom', grid: g, tokens: N, macs: N, medianMs: g === 64 ? null : 1e-6 },
    ];
  });
  return { ops: ['mhsa', 'lin', 'fast', 'mid', 'oom'], grids, baseline: 'mhsa', rows, timeSource: 'GPU timestamps' };
}

describe('cost growth', () => {
  it('finds from which token count each op beats the baseline', () => {
    const c = new Map(crossovers(growthFixture()).map((x) => [x.op, x]));
    // lin < mhsa ⇔ 0.05·N < 1e-4·N² ⇔ N > 500: first at 1024 tokens (32×32)
    expect(c.get('lin')).toMatchObject({ fromTokens: 1024, always: false });
    expect(c.get('lin')!.timeExponent).toBeCloseTo(1, 12);
    expect(c.get('lin')!.macsExponent).toBeCloseTo(1, 12);
    expect(c.get('fast')).toMatchObject({ fromTokens: 64, always: true });
    expect(c.get('fast')!.timeExponent).toBeCloseTo(2, 12);
    expect(c.get('mid')).toMatchObject({ fromTokens: null, always: false });
    // the size that failed is left out: faster at every size it ran
    expect(c.get('oom')).toMatchObject({ fromTokens: 64, always: true });
  });
  it('says it in one sentence and a table', () => {
    const rep = growthFixture();
    const s = crossoverSentence(rep);
    expect(s).toContain('lin is faster from 1024 tokens (32×32) on');
    expect(s).toContain('fast is faster at every measured size (64–4096 tokens)');
    expect(s).toContain('mid is not faster than mhsa at the largest measured size (4096 tokens)');
    const md = growthMarkdown(rep);
    expect(md).toContain('| op | 64 (8×8) | 256 (16×16) | 1024 (32×32) | 4096 (64×64) |');
    expect(md).toMatch(/\| oom \| 0\.000 \| 0\.000 \| 0\.000 \| failed \|/);
    expect(md).toContain('| mhsa | 0.410 | 6.554 | 104.858 | 1677.722 | 2.00 | 2.00 | (baseline) |');
  });
  it('draws a log-log SVG with one line and legend entry per op', () => {
    const svg = growthChartSvg(growthFixture());
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<path /g)).toHaveLength(5);
    for (const op of ['mhsa (baseline)', 'lin', 'fast', 'mid', 'oom']) expect(svg).toContain(`>${op}</text>`);
    expect(svg).not.toMatch(/NaN|undefined/);
    // the failed size draws no point: 4 + 4 + 4 + 4 + 3 points
    expect(svg.match(/<circle /g)).toHaveLength(19);
  });
});

describe('op table', () => {
  it('has the floor and tfjs columns when they were measured', () => {
    const rep: BenchReport = {
      adapter: 'NVIDIA H200', software: false, timestamps: true, nominalPeakTflops: 66.9, nominalGBps: 4800, peakSource: 'NVIDIA H200 SXM data sheet',
      matmulTflops: 16.5, copy: { gbps: 4000, method: 'vec4 kernel', bufferMB: 256, copyBufferGBps: 3900, kernelGBps: 4000, timeSource: 'timestamp' },
      floorBasis: 'measured 16.5 TFLOP/s and measured 4000 GB/s', tfjsBackend: 'webgpu-shared',
      rows: [{
        op: 'mhsa', grid: '14×14', tokens: 196, macs: 8128512, medianMs: 0.068, p10Ms: 0.067, p90Ms: 0.069, gflops: 239, peakFraction: 0.0036, timeSource: 'timestamp',
        minBytes: 167168, floorMs: 0.000985, bound: 'compute', floorRatio: 69, nominalFloorRatio: 280, tfjsMs: 0.2, tfjsSource: 'tf.time kernelMs', tfjsWallMs: 0.9, speedup: 2.94, tfjsRelL2: 3e-7,
      }],
      growth: null,
    };
    const md = reportMarkdown(rep, 'Node + Dawn');
    expect(md).toContain('| op | grid | tokens | MACs | median ms | p10–p90 ms | GFLOP/s (2·MACs/t) | of fp32 peak | min MiB | floor ms | bound | of floor | of nominal floor | tfjs ms | tfjs wall ms | speed-up | relL2 |');
    expect(md).toContain('| mhsa | 14×14 | 196 | 8,128,512 | 0.068 | 0.067–0.069 | 239.0 | 0.36% | 0.16 | 0.000985 | compute | 69.0× | 280.0× | 0.200 | 0.900 | 2.94× | 3.0e-7 |');
    expect(md).toContain('vec4 copy kernel 4000.0 GB/s → 4000.0 GB/s');
  });
});
