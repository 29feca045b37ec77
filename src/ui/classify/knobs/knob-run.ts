/**
 * One forward of the loaded backbone on the photo under a knob setting, on the GPU: the logits,
 * the GPU time (timestamps where the device has them, else wall time to the logits), and the input
 * of one attention layer captured in the same forward (for its maps), with that layer's op config
 * at the setting.
 */
import type { GpuContext } from '../../../gpu/context';
import type { KnobSetting } from '../../../models/knobs';
import type { ModelChoice } from '../../../models/load';
import type { CapturedSite } from '../../../models/overlay';
import type { GpuForwardOptions } from '../../../models/types';
import type { Params } from '../../../ops/types';
import { siteConfigAt } from './net-knobs';

export interface KnobForward {
  logits: Float32Array;
  /** GPU ms of the forward (timestamps), or wall ms when the device has none */
  gpuMs: number;
  timeSource: 'timestamp' | 'wall';
  /** wall ms from the request to the logits on the page */
  wallMs: number;
  /** the chosen layer's input and its op config at the setting */
  captured: CapturedSite | null;
  /** every attention layer's input by site index (when all were asked for: the rollout) */
  captures: Record<number, Float32Array> | null;
}

/** One weights object per (model weights, site), so the op's GPU upload of them is cached across knob moves. */
const siteParamCache = new WeakMap<Params, Map<number, Params>>();
function siteParams(w: Params, site: { params(w: Params): Params }, index: number): Params {
  let m = siteParamCache.get(w);
  if (!m) siteParamCache.set(w, (m = new Map()));
  let p = m.get(index);
  if (!p) m.set(index, (p = site.params(w)));
  return p;
}

export async function knobForward(
  ctx: GpuContext, choice: ModelChoice, params: Params, tensor: { data: Float32Array; shape: number[] }, setting: KnobSetting, captureIndex: number | null, captureAll = false,
): Promise<KnobForward> {
  const fwd = choice.model.forwardGpu;
  if (!fwd) throw new Error(`${choice.model.title} has no WebGPU forward`);
  const sites = choice.model.attentionSites?.(choice.cfg, tensor.shape[2], tensor.shape[3]) ?? [];
  const site = captureIndex !== null ? sites[captureIndex] : undefined;
  const capture = captureAll && sites.length ? sites.map((_, i) => i) : site ? captureIndex! : undefined;
  const opts: GpuForwardOptions = { stages: false, timed: true, knobs: setting, ...(capture !== undefined ? { capture } : {}) };
  const t0 = performance.now();
  const out = await fwd.call(choice.model, ctx, tensor.data, tensor.shape, params, choice.cfg, opts);
  const wallMs = performance.now() - t0;
  let captured: CapturedSite | null = null;
  const x = site ? (out.captures?.[captureIndex!] ?? (captureAll ? undefined : out.captured)) : undefined;
  if (site && x) captured = { site: { ...site, opConfig: siteConfigAt(site, captureIndex!, setting) }, index: captureIndex!, x, params: siteParams(params, site, captureIndex!) };
  return { logits: out.logits, gpuMs: out.timeSource === 'timestamp' ? out.gpuMs : wallMs, timeSource: out.timeSource, wallMs, captured, captures: captureAll ? (out.captures ?? null) : null };
}
