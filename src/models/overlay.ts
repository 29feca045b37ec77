/**
 * A backbone layer's attention on the photo: the forward re-runs with the chosen attention
 * module's input captured (sample 0), then that module's op — the same src/ops code the explorer
 * uses, with the module's own trained weights — computes the maps of one query token. Only the
 * query's row is formed, so a 56×56 stage costs one op run, not an N×N map per layer.
 */
import type { GpuContext } from '../gpu/context';
import { opByName } from '../ops/registry';
import type { MapPanel, Params } from '../ops/types';
import type { AnyModel, AttentionSite } from './types';

export interface CapturedSite {
  site: AttentionSite;
  index: number;
  /** the module's input for the photo, in the op's layout (batch 1) */
  x: Float32Array;
  /** the module's weights */
  params: Params;
}

export function attentionSitesOf(model: AnyModel, cfg: unknown, size: number): AttentionSite[] {
  return model.attentionSites?.(cfg, size, size) ?? [];
}

/** Run the backbone on `input` [1,3,S,S] and keep attention module `index`'s input. */
export async function captureSite(ctx: GpuContext, model: AnyModel, cfg: unknown, w: Params, input: Float32Array, shape: number[], index: number): Promise<CapturedSite> {
  if (!model.forwardGpu || !model.attentionSites) throw new Error(`${model.title}: per-layer attention needs its WebGPU forward`);
  const sites = model.attentionSites(cfg, shape[2], shape[3]);
  const site = sites[index];
  if (!site) throw new Error(`${model.title}: no attention layer ${index} (it has ${sites.length})`);
  const one = shape[0] === 1 ? input : input.subarray(0, input.length / shape[0]);
  const out = await model.forwardGpu(ctx, one, [1, ...shape.slice(1)], w, cfg, { stages: false, timed: false, capture: index });
  if (!out.captured) throw new Error(`${model.title}: the forward did not return layer ${index}'s input`);
  return { site, index, x: out.captured, params: site.params(w) };
}

/** The query token's map panels for a captured module (the op's own panels: per head, mean, …). */
export async function siteQueryPanels(ctx: GpuContext, c: CapturedSite, token: number): Promise<MapPanel[]> {
  const op = opByName(c.site.op);
  if (!op?.gpu || !op.queryMaps) throw new Error(`op '${c.site.op}' cannot draw maps`);
  const cfg = c.site.opConfig;
  const rows = op.gpuRows ? [token] : undefined;
  // maps only: y stays on the GPU; c.params is one object per capture, so its upload is cached
  const out = await op.gpu(ctx, c.x, c.params, cfg, { maps: !rows, rows, timed: false, skipY: true });
  return op.queryMaps(out.maps, cfg, token, rows ? 0 : token);
}

/** The token grid of a site (the op config's H × W). */
export function siteGrid(site: AttentionSite): { H: number; W: number } {
  const c = site.opConfig as { H?: number; W?: number };
  if (typeof c.H !== 'number' || typeof c.W !== 'number') throw new Error(`site ${site.label}: op config has no H/W`);
  return { H: c.H, W: c.W };
}
