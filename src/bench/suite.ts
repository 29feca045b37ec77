/**
 * The benchmark suite, runnable wherever a GpuContext exists (a page or Node + Dawn): each op at
 * each token grid with seeded weights, warm-up then repeated timed runs, medians reported.
 */
import type { GpuContext } from '../gpu/context';
import { syntheticParams } from '../ops/common/params';
import { opByName } from '../ops/registry';
import { prngInput } from '../weights/prng';
import { measureMatmulTflops, nominalPeak } from './peak';

export interface BenchRow {
  op: string;
  grid: string;
  tokens: number;
  macs: number;
  medianMs: number;
  p10Ms: number;
  p90Ms: number;
  gflops: number;
  /** fraction of the nominal fp32 peak (2·MACs per time), when the GPU is known */
  peakFraction: number | null;
  timeSource: string;
}

export interface BenchReport {
  adapter: string;
  software: boolean;
  timestamps: boolean;
  nominalPeakTflops: number | null;
  peakSource: string;
  matmulTflops: number | null;
  rows: BenchRow[];
}

export interface BenchOptions {
  ops: string[];
  grids: number[];
  reps: number;
  warmup: number;
  matmulN?: number;
  /** the GPU's marketing name when the adapter does not say it (Dawn on Linux gives the driver) */
  gpuName?: string;
  log?: (line: string) => void;
}

const pct = (xs: number[], q: number) => xs[Math.min(xs.length - 1, Math.floor(q * xs.length))];

export async function runBench(ctx: GpuContext, o: BenchOptions): Promise<BenchReport> {
  const r = ctx.report;
  const adapter = [o.gpuName, r.vendor, r.architecture, r.description].filter(Boolean).join(' ') || 'unknown';
  const peak = nominalPeak(adapter);
  const rows: BenchRow[] = [];
  for (const name of o.ops) {
    const op = opByName(name);
    if (!op?.gpu) {
      o.log?.(`skip ${name}: no WebGPU path`);
      continue;
    }
    for (const g of o.grids) {
      const cfg = op.defaultConfig(g, g);
      const shape = op.inputShape(cfg);
      const x = Float32Array.from(prngInput(`bench:${name}`, shape.reduce((a: number, b: number) => a * b, 1)));
      const p = syntheticParams(op.paramShapes(cfg));
      let source = 'wall';
      const times: number[] = [];
      try {
        for (let i = 0; i < o.warmup + o.reps; i++) {
          const out = await op.gpu(ctx, x, p, cfg, { maps: false, timed: true });
          if (i >= o.warmup) times.push(out.gpuMs ?? NaN);
        }
      } catch (e) {
        o.log?.(`${name} ${g}×${g}: failed: ${(e as Error).message}`);
        continue;
      }
      if (r.timestamps) source = 'timestamp';
      times.sort((a, b) => a - b);
      const med = pct(times, 0.5);
      const macs = op.macs(cfg);
      const gflops = (2 * macs) / (med * 1e-3) / 1e9;
      const row: BenchRow = {
        op: name, grid: `${g}×${g}`, tokens: g * g, macs, medianMs: med, p10Ms: pct(times, 0.1), p90Ms: pct(times, 0.9), gflops,
        peakFraction: peak ? gflops / (peak.tflops * 1e3) : null, timeSource: source,
      };
      rows.push(row);
      o.log?.(`${name} ${row.grid}: median ${med.toFixed(3)} ms (${gflops.toFixed(1)} GFLOP/s)`);
    }
  }
  const matmulTflops = o.matmulN ? await measureMatmulTflops(ctx, o.matmulN) : null;
  return {
    adapter, software: r.software, timestamps: r.timestamps,
    nominalPeakTflops: peak?.tflops ?? null, peakSource: peak?.source ?? 'unknown GPU: no nominal peak',
    matmulTflops, rows,
  };
}

export function reportMarkdown(rep: BenchReport, where: string): string {
  const lines = [
    `- device: ${rep.adapter}${rep.software ? ' (software adapter: ratios only)' : ''}; ${where}; timing: ${rep.timestamps ? 'GPU timestamp queries' : 'wall clock to completion'}`,
    `- fp32 peak: ${rep.nominalPeakTflops ? `${rep.nominalPeakTflops} TFLOP/s (${rep.peakSource})` : rep.peakSource}` +
      (rep.matmulTflops ? `; our Linear kernel on a large matmul: ${rep.matmulTflops.toFixed(2)} TFLOP/s` : ''),
    '',
    '| op | grid | tokens | MACs | median ms | p10–p90 ms | GFLOP/s (2·MACs/t) | of fp32 peak |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
    ...rep.rows.map((r) => `| ${r.op} | ${r.grid} | ${r.tokens} | ${r.macs.toLocaleString('en-US')} | ${r.medianMs.toFixed(3)} | ${r.p10Ms.toFixed(3)}–${r.p90Ms.toFixed(3)} | ${r.gflops.toFixed(1)} | ${r.peakFraction === null ? '–' : `${(r.peakFraction * 100).toFixed(2)}%`} |`),
  ];
  return lines.join('\n');
}
