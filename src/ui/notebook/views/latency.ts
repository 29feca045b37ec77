/**
 * Measuring an op's time at several grids for the latency view. GPU: one warm-up run (pipeline
 * compile, uploads), then `runs` timed runs, median (timestamp queries when the device has them,
 * else wall clock to completion). No WebGPU: the float64 CPU reference, timed once, and skipped
 * where it would take too long to be useful. Also the view's settings (latencyPlan) and the
 * readings under its table: achieved GFLOP/s, and where each op crosses a baseline's time.
 */
import type { GpuContext } from '../../../gpu/context';
import { median } from '../../../tensor/stats';
import type { AnyOp } from '../../../ops/types';
import { viewParams } from '../../../ops/view';
import { gridsOf, opsOf } from './op-config';
import { settleClocks } from '../../../gpu/clock-settle';
import { formatMs } from '../../format';

export interface LatencyPoint {
  op: string;
  grid: number;
  tokens: number;
  macs: number;
  /** median ms; NaN when not measured */
  ms: number;
  error?: string;
}

export type TimeSource = 'gpu-timestamp' | 'gpu-wall' | 'cpu-reference';

/** Above this many MACs the CPU reference is not timed (seconds of blocked page for one number). */
export const CPU_MAX_MACS = 4e8;

/** Deterministic input of the op's shape (values like a normalised token: mean 0, spread 1). */
function input(n: number): Float32Array {
  const x = new Float32Array(n);
  let s = 0x9e3779b9;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = (s / 2 ** 32 - 0.5) * 3.46;
  }
  return x;
}


export async function timeOp(op: AnyOp, cfg: unknown, ctx: GpuContext | null, runs: number, cancelled: () => boolean): Promise<number> {
  const shape = op.inputShape(cfg);
  const x = input(shape.reduce((a, b) => a * b, 1));
  const p = viewParams(op, cfg);
  if (ctx && op.gpu) {
    // time only: y is never read back
    await op.gpu(ctx, x, p, cfg, { maps: false, timed: true, skipY: true });
    // back to back until the GPU's clocks are up (src/gpu/clock-settle.ts)
    await settleClocks(async () => (await op.gpu!(ctx, x, p, cfg, { maps: false, timed: true, skipY: true })).gpuMs, { skip: ctx.report.software, minMs: 300, maxMs: 1000 });
    const times: number[] = [];
    for (let i = 0; i < runs && !cancelled(); i++) {
      const r = await op.gpu(ctx, x, p, cfg, { maps: false, timed: true, skipY: true });
      times.push(r.gpuMs ?? NaN);
    }
    return times.length ? median(times) : NaN;
  }
  if (op.macs(cfg) > CPU_MAX_MACS) throw new Error('too slow to time on the CPU reference');
  const t0 = performance.now();
  op.reference({ shape, data: Float64Array.from(x) }, p, cfg);
  return performance.now() - t0;
}

export function timeSource(ctx: GpuContext | null): TimeSource {
  if (!ctx) return 'cpu-reference';
  return ctx.report.timestamps ? 'gpu-timestamp' : 'gpu-wall';
}

/** The sentence under a latency table: what kind of time it is and how it was taken. */
export function describeTiming(m: { source: TimeSource; software: boolean }, runs: number): string {
  if (m.source === 'cpu-reference') return 'time of the float64 CPU reference (no WebGPU in this browser)';
  const kind = m.source === 'gpu-timestamp' ? 'GPU time from timestamp queries' : 'GPU wall-clock time to completion';
  return `${kind}, median of ${runs} runs after a warm-up${m.software ? ' — on a software adapter, so not a real GPU time' : ''}`;
}

/** Settings of a latency view that belong to the view, not to the ops' knobs. */
export const LATENCY_VIEW_KEYS = ['upTo', 'baseline', 'throughput'] as const;

export interface LatencyPlan {
  ops: AnyOp[];
  /** the grids to time */
  grids: number[];
  /** listed grids left out by `upTo` */
  skipped: number[];
  runs: number;
  /** `baseline: mhsa`: say where each other op overtakes it */
  baseline: string | null;
  /** `throughput: true`: chart and reading of the achieved GFLOP/s */
  throughput: boolean;
  /** the config without the view's own keys, for buildOpConfig */
  knobs: Record<string, unknown>;
}

/** A latency view's settings → what to measure (throws with a message for bad settings). */
export function latencyPlan(config: Record<string, unknown>): LatencyPlan {
  const knobs = { ...config };
  for (const k of LATENCY_VIEW_KEYS) delete knobs[k];
  const ops = opsOf(config);
  const listed = gridsOf(config);
  const upTo = config.upTo;
  if (upTo !== undefined && (typeof upTo !== 'number' || !(upTo >= 1))) throw new Error(`\`upTo\` must be a grid size (the largest grid to time); got ${JSON.stringify(upTo)}.`);
  const grids = typeof upTo === 'number' ? listed.filter((g) => g <= upTo) : listed;
  if (grids.length === 0) throw new Error(`\`upTo: ${String(upTo)}\` leaves none of the grids ${listed.join(', ')} to time.`);
  const b = config.baseline;
  if (b !== undefined && (typeof b !== 'string' || !ops.some((o) => o.name === b))) throw new Error(`\`baseline\` must be one of this view's ops (${ops.map((o) => o.name).join(', ')}); got ${JSON.stringify(b)}.`);
  const t = config.throughput;
  if (t !== undefined && typeof t !== 'boolean') throw new Error(`\`throughput\` is true or false; got ${JSON.stringify(t)}.`);
  const runs = typeof config.runs === 'number' ? Math.min(20, Math.max(1, Math.round(config.runs))) : 3;
  return { ops, grids, skipped: listed.filter((g) => !grids.includes(g)), runs, baseline: (b as string | undefined) ?? null, throughput: t === true, knobs };
}

const ok = (p: LatencyPoint | undefined): p is LatencyPoint => !!p && !p.error && Number.isFinite(p.ms) && p.ms > 0;

/** Achieved GFLOP/s: 2 FLOPs per MAC (a multiply and an add) over the measured time; NaN when unmeasured. */
export function gflops(p: LatencyPoint): number {
  return ok(p) && Number.isFinite(p.macs) ? (2 * p.macs) / p.ms / 1e6 : NaN;
}

const gridName = (g: number) => `${g}×${g}`;
const times = (x: number) => (x >= 10 ? x.toFixed(0) : x.toPrecision(2));

/** Axis labels: seconds from 1 s up ("2 s", not "2000 ms"). */
export const fmtMs = (v: number) => (v >= 1000 ? `${Number((v / 1000).toPrecision(3))} s` : formatMs(v));

/** GFLOP/s for reading: whole numbers from 100 up, else 3 significant digits without trailing zeros. */
export const fmtRate = (v: number) => (v >= 100 ? v.toFixed(0) : String(Number(v.toPrecision(3))));

/** Where each op's time crosses the baseline's, over the grids both were measured at, in words. */
export function crossovers(points: LatencyPoint[], baseline: string): Array<{ op: string; text: string }> {
  const base = new Map(points.filter((p) => p.op === baseline && ok(p)).map((p) => [p.grid, p]));
  const ops = [...new Set(points.map((p) => p.op))].filter((o) => o !== baseline);
  const out: Array<{ op: string; text: string }> = [];
  for (const op of ops) {
    const pairs = points.filter((p) => p.op === op && ok(p) && base.has(p.grid)).sort((a, b) => a.grid - b.grid).map((p) => ({ grid: p.grid, ms: p.ms, base: base.get(p.grid)!.ms }));
    if (!pairs.length) continue;
    const faster = pairs.map((p) => p.ms < p.base);
    const last = pairs[pairs.length - 1];
    const speedup = `${times(last.base / last.ms)}× faster at ${gridName(last.grid)}`;
    const slowdown = `${times(last.ms / last.base)}× its time at ${gridName(last.grid)}`;
    const k = faster.indexOf(true);
    let text: string;
    if (faster.every(Boolean)) text = `faster than ${baseline} at every grid measured (${speedup})`;
    else if (k < 0) text = `slower than ${baseline} at every grid measured (${slowdown})`;
    else if (faster.slice(k).every(Boolean)) text = `overtakes ${baseline} between ${gridName(pairs[k - 1].grid)} and ${gridName(pairs[k].grid)} (${speedup})`;
    else if (k === 0 && faster.indexOf(false) > 0 && !faster.slice(faster.indexOf(false)).some(Boolean)) {
      const j = faster.indexOf(false);
      text = `falls behind ${baseline} between ${gridName(pairs[j - 1].grid)} and ${gridName(pairs[j].grid)} (${slowdown})`;
    }
    else {
      const at = (v: boolean) => pairs.filter((_, i) => faster[i] === v).map((p) => gridName(p.grid)).join(', ');
      text = `trades places with ${baseline}: faster at ${at(true)}, slower at ${at(false)}`;
    }
    out.push({ op, text });
  }
  return out;
}

/** Per op: achieved GFLOP/s at its smallest and largest measured grid, and how MACs and time grew between them. */
export function throughputReadings(points: LatencyPoint[]): Array<{ op: string; text: string }> {
  const out: Array<{ op: string; text: string }> = [];
  for (const op of [...new Set(points.map((p) => p.op))]) {
    const ps = points.filter((p) => p.op === op && Number.isFinite(gflops(p))).sort((a, b) => a.grid - b.grid);
    if (!ps.length) continue;
    const a = ps[0];
    const b = ps[ps.length - 1];
    const g = (p: LatencyPoint) => `${fmtRate(gflops(p))} GFLOP/s at ${gridName(p.grid)}`;
    if (a === b) {
      out.push({ op, text: g(a) });
      continue;
    }
    const macs = b.macs / a.macs;
    const time = b.ms / a.ms;
    const launch = time < macs / 4 ? ': time grew far less than the work, so the small grid did not keep the GPU busy' : '';
    out.push({ op, text: `${g(a)} → ${g(b)}; MACs ×${times(macs)}, time ×${times(time)}${launch}` });
  }
  return out;
}
