/**
 * The UI's side of the knob contract (src/models/knobs.ts): which knobs a loaded backbone offers,
 * the setting the controls describe (values equal to the trained one are dropped, so "all at the
 * trained value" is exactly the official setting), the scope choices, and the network's MACs at a
 * setting.
 */
import { inScope, isOfficial, settingKey as contractKey, type KnobScope, type KnobSetting, type KnobValue, type NetworkKnob } from '../../../models/knobs';
import { knobbedOpConfig } from '../../../models/knob-apply';
import type { AnyModel, AttentionSite } from '../../../models/types';

/** The knobs a family offers for this configuration ([] when it offers none). */
export function networkKnobs(model: AnyModel, cfg: unknown): NetworkKnob[] {
  return model.knobs?.(cfg) ?? [];
}

/** MACs of the whole network at `size`×`size` under a setting. */
export function networkMacs(model: AnyModel, cfg: unknown, size: number, setting: KnobSetting): number {
  return model.macs(cfg, size, size, isOfficial(setting) ? undefined : setting);
}

/**
 * Whether a control's value is the knob's trained value: equal, or for sliders within a millionth
 * of a step (a slider snapped back onto π/2 reads 1.5707963268, the trained value is Math.PI/2).
 */
export function sameValue(v: KnobValue | undefined, k: Pick<NetworkKnob, 'official' | 'step'>): boolean {
  const b = k.official;
  if (v === undefined || v === b) return true;
  return typeof v === 'number' && typeof b === 'number' && Math.abs(v - b) <= 1e-6 * (k.step ?? 0) + 1e-12 * Math.max(1, Math.abs(b));
}

/** The setting the controls describe: only knobs moved off their trained value count. */
export function settingOf(knobs: readonly NetworkKnob[], values: Record<string, KnobValue>, scope: KnobScope): KnobSetting {
  const out: Record<string, KnobValue> = {};
  for (const k of knobs) {
    const v = values[k.key];
    if (v !== undefined && !sameValue(v, k)) out[k.key] = v;
  }
  return { values: out, scope };
}

/** A stable text key of a setting (cache keys, test hooks): the contract's, 'official' for the official setting. */
export function settingKey(s: KnobSetting): string {
  return contractKey(s) || 'official';
}

/** Plain words for a setting: "official" or "τ = 4, scan direction = forward (stage 2)". */
export function describeSetting(knobs: readonly NetworkKnob[], s: KnobSetting, sites: readonly AttentionSite[]): string {
  if (isOfficial(s)) return 'the official (trained) setting';
  const parts = Object.entries(s.values).map(([k, v]) => `${knobs.find((x) => x.key === k)?.label ?? k} = ${formatKnobValue(v)}`);
  return `${parts.join(', ')} (${scopeLabel(s.scope, sites)})`;
}

export function formatKnobValue(v: KnobValue): string {
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
  return v;
}

export interface ScopeChoice {
  value: KnobScope;
  label: string;
}

/** 'all', each stage that has attention, each attention block (indices into attentionSites). */
export function scopeChoices(sites: readonly AttentionSite[]): ScopeChoice[] {
  const stages = [...new Set(sites.map((s) => s.stage))].sort((a, b) => a - b);
  return [
    { value: 'all', label: `all ${sites.length} attention layers` },
    ...stages.map((st): ScopeChoice => ({ value: `stage:${st}`, label: `stage ${st} only (${sites.filter((s) => s.stage === st).length} layers)` })),
    ...sites.map((s, i): ScopeChoice => ({ value: `block:${i}`, label: `${s.label} only` })),
  ];
}

export function scopeLabel(scope: KnobScope, sites: readonly AttentionSite[]): string {
  return scopeChoices(sites).find((c) => c.value === scope)?.label ?? scope;
}

/** The op config a site runs with under a setting: its knob keys overridden where the site is in scope. */
export function siteConfigAt(site: AttentionSite, index: number, setting: KnobSetting): unknown {
  if (isOfficial(setting) || !inScope(setting.scope, index, site.stage)) return site.opConfig;
  return knobbedOpConfig(site.op, site.opConfig, setting.values);
}
