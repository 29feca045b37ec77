/**
 * One op view computation: the photo's tokens through an op with seeded weights, the clicked
 * token's map panels, the MAC count and the measured time. WebGPU when there is a device, else the
 * float64 CPU reference (the no-WebGPU fallback; slower, same numbers).
 */
import type { GpuContext } from '../gpu/context';
import type { Tensor } from '../tensor/tensor';
import { syntheticParams } from './common/params';
import type { AnyOp, MapPanel, Params } from './types';
import { tokensToLayout } from '../image/pixels';
import { median } from '../tensor/stats';

export interface OpViewResult {
  panels: MapPanel[];
  macs: number;
  /** median time of the op alone, ms */
  ms: number;
  timeSource: 'gpu-timestamp' | 'gpu-wall' | 'cpu-reference';
  backend: 'webgpu' | 'cpu';
  /** the op's output, only when asked for (opts.y): the views draw maps and time, and the GPU skips reading y back */
  y?: Float32Array;
  /** the panels of every token in opts.queries (same order), from the same run (code cells' run(op, …, { tokens })) */
  perQuery?: MapPanel[][];
}

const paramCache = new Map<string, Params>();

/** Seeded weights per (op, config) — regenerated only when the shapes change. */
export function viewParams(op: AnyOp, cfg: unknown): Params {
  const shapes = op.paramShapes(cfg);
  const key = `${op.name}:${JSON.stringify(shapes)}`;
  let p = paramCache.get(key);
  if (!p) {
    p = syntheticParams(shapes);
    if (paramCache.size > 32) paramCache.clear();
    paramCache.set(key, p);
  }
  return p;
}


/**
 * `timingRuns` (default 0): extra timed runs after the map run. The map run is itself timed, so a
 * slider change costs one op run; views that report a careful median (compare, latency) ask for more.
 * `y`: also return the op's output (read back from the GPU only then).
 * `queries`: also the panels of these query tokens — the run then forms every map row (maps: true).
 */
export async function computeOpView(
  op: AnyOp,
  cfg: unknown,
  tokens: Tensor,
  token: number,
  ctx: GpuContext | null,
  opts: { timingRuns?: number; y?: boolean; queries?: readonly number[] } = {},
): Promise<OpViewResult> {
  const shape = op.inputShape(cfg);
  const x = tokensToLayout(tokens, shape);
  const p = viewParams(op, cfg);
  const macs = op.macs(cfg);
  if (ctx && op.gpu) {
    // ops that form chosen rows only get the token's row and the queries' rows (rowIndex = position)
    const rows = op.gpuRows ? [token, ...(opts.queries ?? [])] : undefined;
    const t0 = performance.now();
    const gpu = op.gpu;
    const out = await ctx.guard(op.name, () => gpu(ctx, x, p, cfg, { maps: !rows, rows, timed: true, skipY: !opts.y }));
    const wall = performance.now() - t0;
    const panels = op.queryMaps ? op.queryMaps(out.maps, cfg, token, rows ? 0 : token) : [];
    const times: number[] = [];
    for (let i = 0; i < (opts.timingRuns ?? 0); i++) times.push((await ctx.guard(op.name, () => gpu(ctx, x, p, cfg, { maps: false, timed: true, skipY: true }))).gpuMs ?? NaN);
    const timed = times.length > 0 || out.gpuMs !== undefined;
    const source: OpViewResult['timeSource'] = ctx.report.timestamps && timed ? 'gpu-timestamp' : 'gpu-wall';
    // without extra runs the time is the map run's own (the op plus the clicked token's map rows)
    const perQuery = opts.queries && op.queryMaps ? opts.queries.map((q, i) => op.queryMaps!(out.maps, cfg, q, rows ? i + 1 : q)) : undefined;
    return { panels, macs, ms: times.length ? median(times) : (out.gpuMs ?? wall), timeSource: source, backend: 'webgpu', ...(opts.y ? { y: out.y } : {}), ...(perQuery ? { perQuery } : {}) };
  }
  const t0 = performance.now();
  const out = op.reference({ shape, data: Float64Array.from(x) }, p, cfg);
  const ms = performance.now() - t0;
  const maps: Record<string, ArrayLike<number>> = {};
  for (const [k, v] of Object.entries(out.maps)) maps[k] = v.data;
  return {
    panels: op.queryMaps ? op.queryMaps(maps, cfg, token, token) : [],
    macs,
    ms,
    timeSource: 'cpu-reference',
    backend: 'cpu',
    ...(opts.y ? { y: Float32Array.from(out.y.data) } : {}),
    ...(opts.queries && op.queryMaps ? { perQuery: opts.queries.map((q) => op.queryMaps!(maps, cfg, q, q)) } : {}),
  };
}
