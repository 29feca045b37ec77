/**
 * The benchmark suite, runnable wherever a GpuContext exists (a page or Node + Dawn): each op at
 * each token grid with seeded weights, warm-up then repeated timed runs, medians reported; beside
 * each median its roofline floor (from this device's measured matmul rate and copy bandwidth), the
 * same op composed from stock tfjs ops (optional), and the cost growth over token counts (optional).
 */
import type { GpuContext } from '../gpu/context';
import { percentile as pct } from '../tensor/stats';
import { syntheticParams } from '../ops/common/params';
import { MECHANISMS, opByName } from '../ops/registry';
import type { AnyOp } from '../ops/types';
import { prngInput } from '../weights/prng';
import { measureCopyGBps, measureMatmulTflops, nominalPeak, type CopyBandwidth } from './peak';
import { opMinBytes, rooflineFloor, type Bound } from './roofline';
import { growthMarkdown, type GrowthReport, type GrowthRow } from './growth';
import { withOpDispatches } from './profile';
import { timeBackToBack } from './passes';

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
  /** compulsory bytes: x + weights + y, fp32 */
  minBytes: number;
  /** roofline floor in ms from the report's floor basis (null when a roof is unknown) */
  floorMs: number | null;
  bound: Bound | null;
  /** medianMs / floorMs */
  floorRatio: number | null;
  /** medianMs / floor from the nominal data-sheet roofs, when the GPU is known */
  nominalFloorRatio: number | null;
  /** the same op composed from stock tfjs ops (--tfjs) */
  tfjsMs?: number | null;
  tfjsSource?: string;
  tfjsWallMs?: number | null;
  /** tfjsMs / medianMs (> 1: our kernels are faster) */
  speedup?: number | null;
  tfjsRelL2?: number | null;
  tfjsNote?: string;
}

export interface BenchReport {
  adapter: string;
  software: boolean;
  timestamps: boolean;
  nominalPeakTflops: number | null;
  nominalGBps: number | null;
  peakSource: string;
  matmulTflops: number | null;
  copy: CopyBandwidth | null;
  /** which numbers the floor column uses */
  floorBasis: string | null;
  /** tfjs backend the tfjs columns ran on (null: not run) */
  tfjsBackend: string | null;
  rows: BenchRow[];
  growth: GrowthReport | null;
}

export interface BenchOptions {
  ops: string[];
  grids: number[];
  reps: number;
  warmup: number;
  matmulN?: number;
  /** measure the copy bandwidth for the roofline floors (default on) */
  roofline?: boolean;
  /** copy buffer size in MiB (default 256; keep it well above the last-level cache) */
  copyMB?: number;
  /** also time each op composed from stock tfjs ops on the shared device */
  tfjs?: boolean;
  /** cost growth: token grids (e.g. 14,21,28,42,56,70,84) for `growthOps` */
  growth?: number[];
  /** ops of the growth table (default: the six mechanisms); the first is the baseline */
  growthOps?: string[];
  /** the GPU's marketing name when the adapter does not say it (Dawn on Linux gives the driver) */
  gpuName?: string;
  log?: (line: string) => void;
}

/** The six mechanisms, softmax baseline first. */
export const GROWTH_OPS = MECHANISMS;


interface Prepared {
  op: AnyOp;
  cfg: unknown;
  x: Float32Array;
  p: ReturnType<typeof syntheticParams>;
}

function prepare(op: AnyOp, g: number): Prepared {
  const cfg = op.defaultConfig(g, g);
  const shape = op.inputShape(cfg);
  const x = Float32Array.from(prngInput(`bench:${op.name}`, shape.reduce((a: number, b: number) => a * b, 1)));
  return { op, cfg, x, p: syntheticParams(op.paramShapes(cfg)) };
}

/**
 * Sorted GPU times of `reps` runs of the op's dispatches back to back (src/bench/passes.ts: the
 * GPU busy throughout, after `warmup` runs and the clock settle), and the output of one ordinary run.
 */
async function timeOurs(ctx: GpuContext, r: Prepared, reps: number, warmup: number): Promise<{ times: number[]; y: Float32Array }> {
  const { y } = await r.op.gpu!(ctx, r.x, r.p, r.cfg, { maps: false, timed: false });
  const times = await withOpDispatches(ctx, r.op, r.cfg, (d) => timeBackToBack(ctx, d, reps, warmup));
  return { times, y };
}

/** Device errors (out of memory, limits) of `f` as an exception instead of an uncaptured event. */
export async function scoped<T>(ctx: GpuContext, f: () => Promise<T>): Promise<T> {
  const dev = ctx.device;
  dev.pushErrorScope('out-of-memory');
  dev.pushErrorScope('validation');
  let value: T;
  try {
    value = await f();
  } finally {
    const v = await dev.popErrorScope();
    const m = await dev.popErrorScope();
    if (v || m) throw new Error((m ?? v)!.message.split('\n')[0]);
  }
  return value;
}

export async function runBench(ctx: GpuContext, o: BenchOptions): Promise<BenchReport> {
  const r = ctx.report;
  const adapter = [o.gpuName, r.vendor, r.architecture, r.description].filter(Boolean).join(' ') || 'unknown';
  const nominal = nominalPeak(adapter);
  // the roofs first: every row's floor needs them
  const matmulTflops = o.matmulN ? await measureMatmulTflops(ctx, o.matmulN) : null;
  const copy = o.roofline === false ? null : await measureCopyGBps(ctx, o.copyMB ?? 256);
  if (matmulTflops) o.log?.(`matmul ${o.matmulN}³: ${matmulTflops.toPrecision(3)} TFLOP/s`);
  if (copy) o.log?.(`copy ${copy.bufferMB.toFixed(0)} MiB: ${copy.gbps.toPrecision(4)} GB/s (${copy.method})`);
  const tflops = matmulTflops ?? nominal?.tflops ?? null;
  const gbps = copy?.gbps ?? nominal?.gbps ?? null;
  const floorBasis = tflops && gbps
    ? `${matmulTflops ? `measured ${tflops.toPrecision(3)} TFLOP/s (our Linear kernel, ${o.matmulN}³)` : `nominal ${tflops} TFLOP/s (${nominal!.source})`} and ` +
      `${copy ? `measured ${gbps.toPrecision(4)} GB/s (${copy.method}, ${copy.bufferMB.toFixed(0)} MiB)` : `nominal ${gbps} GB/s (${nominal!.source})`}`
    : null;
  let tfjsBackend: string | null = null;
  if (o.tfjs) {
    const { useTfjsOn } = await import('./tfjs-time');
    tfjsBackend = await useTfjsOn(ctx);
    if (tfjsBackend !== 'webgpu-shared') o.log?.(`tfjs runs on '${tfjsBackend}', not on our device: its times are not comparable`);
  }
  const rows: BenchRow[] = [];
  for (const name of o.ops) {
    const op = opByName(name);
    if (!op?.gpu) {
      o.log?.(`skip ${name}: no WebGPU path`);
      continue;
    }
    for (const g of o.grids) {
      const prep = prepare(op, g);
      let times: number[];
      let y: Float32Array;
      try {
        ({ times, y } = await scoped(ctx, () => timeOurs(ctx, prep, o.reps, o.warmup)));
      } catch (e) {
        o.log?.(`${name} ${g}×${g}: failed: ${(e as Error).message}`);
        continue;
      }
      const med = pct(times, 0.5);
      const macs = op.macs(prep.cfg);
      const gflops = (2 * macs) / (med * 1e-3) / 1e9;
      const minBytes = opMinBytes(op, prep.cfg);
      const floor = tflops && gbps ? rooflineFloor(macs, minBytes, tflops, gbps) : null;
      const nominalFloor = nominal ? rooflineFloor(macs, minBytes, nominal.tflops, nominal.gbps) : null;
      const row: BenchRow = {
        op: name, grid: `${g}×${g}`, tokens: g * g, macs, medianMs: med, p10Ms: pct(times, 0.1), p90Ms: pct(times, 0.9), gflops,
        peakFraction: nominal ? gflops / (nominal.tflops * 1e3) : null, timeSource: r.timestamps ? 'timestamp' : 'wall',
        minBytes, floorMs: floor?.ms ?? null, bound: floor?.bound ?? null, floorRatio: floor ? med / floor.ms : null,
        nominalFloorRatio: nominalFloor ? med / nominalFloor.ms : null,
      };
      if (o.tfjs) {
        const { timeTfjs } = await import('./tfjs-time');
        try {
          const t = await scoped(ctx, () => timeTfjs(ctx, op, prep.cfg, prep.x, prep.p, o.reps, o.warmup, y));
          Object.assign(row, { tfjsMs: t.ms, tfjsSource: t.source, tfjsWallMs: t.wallMs, tfjsRelL2: t.relL2VsOurs, speedup: t.ms !== null ? t.ms / med : null, tfjsNote: t.note });
        } catch (e) {
          Object.assign(row, { tfjsMs: null, speedup: null, tfjsNote: `failed: ${(e as Error).message}` });
        }
      }
      rows.push(row);
      o.log?.(`${name} ${row.grid}: median ${med.toFixed(3)} ms (${gflops.toFixed(1)} GFLOP/s)` +
        (row.floorRatio ? `, ${row.floorRatio.toFixed(1)}× its ${row.bound}-bound floor` : '') +
        (row.tfjsMs ? `; tfjs ${row.tfjsMs.toFixed(3)} ms (${row.speedup!.toFixed(2)}×)` : row.tfjsNote ? `; tfjs: ${row.tfjsNote}` : ''));
    }
  }
  const growth = o.growth?.length ? await runGrowth(ctx, o) : null;
  return {
    adapter, software: r.software, timestamps: r.timestamps,
    nominalPeakTflops: nominal?.tflops ?? null, nominalGBps: nominal?.gbps ?? null, peakSource: nominal?.source ?? 'unknown GPU: no nominal peak',
    matmulTflops, copy, floorBasis, tfjsBackend, rows, growth,
  };
}

/** Median time of every growth op at every grid of o.growth (sizes that fail are kept as failed). */
export async function runGrowth(ctx: GpuContext, o: BenchOptions): Promise<GrowthReport> {
  const ops = (o.growthOps?.length ? o.growthOps : GROWTH_OPS).filter((n) => opByName(n)?.gpu);
  const grids = o.growth ?? [];
  const rows: GrowthRow[] = [];
  for (const name of ops) {
    const op = opByName(name)!;
    for (const g of grids) {
      const prep = prepare(op, g);
      const base = { op: name, grid: g, tokens: g * g, macs: op.macs(prep.cfg) };
      try {
        const { times } = await scoped(ctx, () => timeOurs(ctx, prep, o.reps, o.warmup));
        rows.push({ ...base, medianMs: pct(times, 0.5) });
        o.log?.(`growth ${name} ${g}×${g}: ${pct(times, 0.5).toFixed(3)} ms`);
      } catch (e) {
        rows.push({ ...base, medianMs: null, note: (e as Error).message.slice(0, 80) });
        o.log?.(`growth ${name} ${g}×${g}: failed: ${(e as Error).message}`);
      }
    }
  }
  return { ops, grids, baseline: ops[0], rows, timeSource: ctx.report.timestamps ? 'GPU timestamps' : 'wall clock' };
}

/** 3 significant digits below 100 (floors run from µs on a real GPU to seconds on SwiftShader). */
const sig = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : v >= 100 ? v.toFixed(1) : v.toPrecision(3));
const num = (v: number | null | undefined, d: number, suffix = '') => (v === null || v === undefined || !Number.isFinite(v) ? '–' : `${v.toFixed(d)}${suffix}`);
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(2);

export function reportMarkdown(rep: BenchReport, where: string): string {
  const tfjs = rep.tfjsBackend !== null;
  const tfjsSource = [...new Set(rep.rows.map((r) => r.tfjsSource).filter(Boolean))].join(' / ');
  const lines = [
    `- device: ${rep.adapter}${rep.software ? ' (software adapter: ratios only)' : ''}; ${where}; timing: ${rep.timestamps ? 'GPU timestamp queries' : 'wall clock to completion'}`,
    `- fp32 peak: ${rep.nominalPeakTflops ? `${rep.nominalPeakTflops} TFLOP/s, memory ${rep.nominalGBps} GB/s (${rep.peakSource})` : rep.peakSource}` +
      (rep.matmulTflops ? `; our Linear kernel on a large matmul: ${sig(rep.matmulTflops)} TFLOP/s` : ''),
  ];
  if (rep.copy) {
    lines.push(`- copy bandwidth (read + write, ${rep.copy.bufferMB.toFixed(0)} MiB buffer, ${rep.copy.timeSource}): copyBufferToBuffer ${sig(rep.copy.copyBufferGBps)} GB/s, vec4 copy kernel ${sig(rep.copy.kernelGBps)} GB/s → ${sig(rep.copy.gbps)} GB/s`);
  }
  lines.push(rep.floorBasis
    ? `- roofline floor = max(2·MACs / peak, (x + weights + y bytes) / bandwidth) from ${rep.floorBasis}; "bound" says which term wins; "of floor" = median / floor` +
      (rep.nominalPeakTflops ? '; "of nominal floor" uses the data-sheet peak and bandwidth instead' : '')
    : '- roofline floor: no peak or bandwidth known (run with --matmul and the copy measurement on)');
  if (tfjs) {
    lines.push(`- tfjs: the same op composed from stock tfjs ops (src/bench/tfjs-ops) on the '${rep.tfjsBackend}' backend sharing this device; tfjs ms = ${tfjsSource || 'n/a'}` +
      ' (kernelMs: sum of per-kernel GPU timestamps from tf.time(); wall: the call up to `await y.data()`, read-back included); speed-up = tfjs ms / our median; relL2 = tfjs output vs our kernel output');
  }
  const head = ['op', 'grid', 'tokens', 'MACs', 'median ms', 'p10–p90 ms', 'GFLOP/s (2·MACs/t)', 'of fp32 peak', 'min MiB', 'floor ms', 'bound', 'of floor'];
  if (rep.nominalPeakTflops) head.push('of nominal floor');
  if (tfjs) head.push('tfjs ms', 'tfjs wall ms', 'speed-up', 'relL2');
  lines.push('', `| ${head.join(' | ')} |`, `|---|---|${head.slice(2).map((h) => (h === 'bound' ? '---' : '---:')).join('|')}|`);
  for (const r of rep.rows) {
    const cells = [
      r.op, r.grid, String(r.tokens), r.macs.toLocaleString('en-US'), r.medianMs.toFixed(3), `${r.p10Ms.toFixed(3)}–${r.p90Ms.toFixed(3)}`, r.gflops.toFixed(1),
      r.peakFraction === null ? '–' : `${(r.peakFraction * 100).toFixed(2)}%`,
      mb(r.minBytes), sig(r.floorMs), r.bound ?? '–', num(r.floorRatio, 1, '×'),
    ];
    if (rep.nominalPeakTflops) cells.push(num(r.nominalFloorRatio, 1, '×'));
    if (tfjs) {
      if (r.tfjsMs === null || r.tfjsMs === undefined) cells.push(r.tfjsNote ?? 'n/a', '–', '–', '–');
      else cells.push(r.tfjsMs.toFixed(3), num(r.tfjsWallMs, 3), num(r.speedup, 2, '×'), r.tfjsRelL2 === null || r.tfjsRelL2 === undefined ? '–' : r.tfjsRelL2.toExponential(1));
    }
    lines.push(`| ${cells.join(' | ')} |`);
  }
  if (rep.growth) lines.push('', '#### Cost growth', '', growthMarkdown(rep.growth));
  return lines.join('\n');
}
