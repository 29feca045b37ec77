/**
 * Measuring an op's time at several grids for the latency view. GPU: one warm-up run (pipeline
 * compile, uploads), then `runs` timed runs, median (timestamp queries when the device has them,
 * else wall clock to completion). No WebGPU: the float64 CPU reference, timed once, and skipped
 * where it would take too long to be useful.
 */
import type { GpuContext } from '../../../gpu/context';
import type { AnyOp } from '../../../ops/types';
import { viewParams } from '../../../ops/view';

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

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function timeOp(op: AnyOp, cfg: unknown, ctx: GpuContext | null, runs: number, cancelled: () => boolean): Promise<number> {
  const shape = op.inputShape(cfg);
  const x = input(shape.reduce((a, b) => a * b, 1));
  const p = viewParams(op, cfg);
  if (ctx && op.gpu) {
    await op.gpu(ctx, x, p, cfg, { maps: false, timed: true });
    const times: number[] = [];
    for (let i = 0; i < runs && !cancelled(); i++) {
      const r = await op.gpu(ctx, x, p, cfg, { maps: false, timed: true });
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
