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

export interface OpViewResult {
  panels: MapPanel[];
  macs: number;
  /** median time of the op alone, ms */
  ms: number;
  timeSource: 'gpu-timestamp' | 'gpu-wall' | 'cpu-reference';
  backend: 'webgpu' | 'cpu';
  y?: Float32Array;
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

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function computeOpView(
  op: AnyOp,
  cfg: unknown,
  tokens: Tensor,
  token: number,
  ctx: GpuContext | null,
  opts: { timingRuns?: number } = {},
): Promise<OpViewResult> {
  const shape = op.inputShape(cfg);
  const x = tokensToLayout(tokens, shape);
  const p = viewParams(op, cfg);
  const macs = op.macs(cfg);
  if (ctx && op.gpu) {
    const rows = op.gpuRows ? [token] : undefined;
    const out = await op.gpu(ctx, x, p, cfg, { maps: !rows, rows, timed: false });
    const panels = op.queryMaps ? op.queryMaps(out.maps, cfg, token, rows ? 0 : token) : [];
    const times: number[] = [];
    let source: OpViewResult['timeSource'] = 'gpu-wall';
    for (let i = 0; i < (opts.timingRuns ?? 3); i++) {
      const t = await op.gpu(ctx, x, p, cfg, { maps: false, timed: true });
      times.push(t.gpuMs ?? NaN);
      if (ctx.report.timestamps) source = 'gpu-timestamp';
    }
    return { panels, macs, ms: median(times), timeSource: source, backend: 'webgpu', y: out.y };
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
    y: Float32Array.from(out.y.data),
  };
}
