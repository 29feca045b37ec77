/**
 * Attention rollout of the loaded backbone at a knob setting, from one forward that captures every
 * attention layer's input: each layer's full maps come from its op on the GPU (all query rows),
 * and src/models/rollout.ts turns them into the family's effective mixing matrices and the
 * rollout row of a query (its definition per family is rolloutDefinition()).
 */
import type { GpuContext } from '../../../gpu/context';
import type { KnobSetting } from '../../../models/knobs';
import type { ModelChoice } from '../../../models/load';
import { rolloutFromCaptures, type MapsOf } from '../../../models/rollout';
import { opByName } from '../../../ops/registry';
import type { Params } from '../../../ops/types';

/** Maps of every query row from the op's WebGPU path (its float64 reference when it has none). */
export function gpuMaps(ctx: GpuContext): MapsOf {
  return async (op, x, p, cfg) => {
    const impl = opByName(op);
    if (!impl) throw new Error(`rollout: no op '${op}'`);
    if (!impl.gpu) return Object.fromEntries(Object.entries(impl.reference(x, p, cfg).maps).map(([k, t]) => [k, t.data]));
    const out = await impl.gpu(ctx, Float32Array.from(x.data), p, cfg, { maps: true, timed: false, skipY: true });
    return out.maps;
  };
}

export interface RolloutMap {
  values: Float32Array;
  H: number;
  W: number;
  layers: number;
  /** the query, a token of the last attention layer's grid */
  query: number;
  lastH: number;
  lastW: number;
}

/** The rollout row of `query` (last layer's grid; null = its centre) from a forward's captures. */
export async function rolloutMap(
  ctx: GpuContext, choice: ModelChoice, params: Params, size: number, captures: Record<number, ArrayLike<number>>, setting: KnobSetting, query: number | null,
): Promise<RolloutMap> {
  const sites = choice.model.attentionSites?.(choice.cfg, size, size) ?? [];
  const last = sites[sites.length - 1]?.opConfig as { H: number; W: number } | undefined;
  if (!last) throw new Error(`${choice.model.title} has no attention layers`);
  const q = query ?? Math.floor(last.H / 2) * last.W + Math.floor(last.W / 2);
  const r = await rolloutFromCaptures(choice.model, choice.cfg, params, size, size, captures, q, { knobs: setting, mapsOf: gpuMaps(ctx) });
  return { values: Float32Array.from(r.values), H: r.H, W: r.W, layers: r.layers, query: q, lastH: last.H, lastW: last.W };
}

/** The last layer's token under a cell of the rollout's (first layer's) grid. */
export function queryUnder(cell: number, H: number, W: number, lastH: number, lastW: number): number {
  const y = Math.floor(cell / W);
  const x = cell % W;
  return Math.min(lastH - 1, Math.floor(((y + 0.5) * lastH) / H)) * lastW + Math.min(lastW - 1, Math.floor(((x + 0.5) * lastW) / W));
}

/** The rollout grid's cell at the centre of a last-layer token (where the query is drawn). */
export function cellOver(query: number, H: number, W: number, lastH: number, lastW: number): number {
  const y = Math.floor(query / lastW);
  const x = query % lastW;
  return Math.min(H - 1, Math.floor(((y + 0.5) * H) / lastH)) * W + Math.min(W - 1, Math.floor(((x + 0.5) * W) / lastW));
}
