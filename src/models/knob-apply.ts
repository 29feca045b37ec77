/**
 * Applying a KnobSetting (src/models/knobs.ts) to a backbone: checking it against the family's
 * knobs, and turning each attention site's official op config into the config at the setting.
 * One place for all families: the forwards (CPU and GPU) and the MAC counts read the per-site
 * configs this module returns, indexed like attentionSites(cfg, H, W).
 */
import { hiloDerived, type HiloConfig } from '../ops/hilo/spec';
import type { FasaConfig } from '../ops/fasa/spec';
import { opByName } from '../ops/registry';
import { inScope, isOfficial, type KnobSetting, type KnobValue, type NetworkKnob } from './knobs';
import type { AnyModel, AttentionSite } from './types';

/** One-line error for a bad setting (the CLI prints it as is). */
export class KnobError extends Error {}

/** A knob's value as its kind reads it: slider → finite number, toggle → boolean, choice → one of its options. */
export function knobValue(k: NetworkKnob, v: KnobValue): KnobValue {
  if (k.kind === 'slider') {
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    if (!Number.isFinite(n)) throw new KnobError(`knob ${k.key}: '${String(v)}' is not a number`);
    if ((k.min !== undefined && n < k.min) || (k.max !== undefined && n > k.max)) {
      throw new KnobError(`knob ${k.key}: ${n} is outside ${k.min} … ${k.max}`);
    }
    if (k.step === 1 && !Number.isInteger(n)) throw new KnobError(`knob ${k.key}: ${n} is not an integer`);
    return n;
  }
  if (k.kind === 'toggle') {
    if (v === true || v === 1 || v === 'on' || v === 'true' || v === '1') return true;
    if (v === false || v === 0 || v === 'off' || v === 'false' || v === '0') return false;
    throw new KnobError(`knob ${k.key}: '${String(v)}' is not on/off`);
  }
  const s = String(v);
  if (!k.options?.includes(s)) throw new KnobError(`knob ${k.key}: '${s}' is not one of ${k.options?.join(', ')}`);
  return s;
}

/**
 * Check a setting against the family's knobs and the model's sites: unknown keys, values out of
 * range and scopes naming no site are refused with one line. Returns the setting with values
 * coerced to their kinds (a CLI's 'tau=4' string becomes 4).
 */
export function checkSetting(knobs: NetworkKnob[], sites: AttentionSite[], s: KnobSetting): KnobSetting {
  const values: Record<string, KnobValue> = {};
  for (const [key, v] of Object.entries(s.values)) {
    const k = knobs.find((n) => n.key === key);
    if (!k) throw new KnobError(`unknown knob '${key}'${knobs.length ? ` (this model has ${knobs.map((n) => n.key).join(', ')})` : ' (this model has none)'}`);
    values[key] = knobValue(k, v);
  }
  const hit = sites.some((site, i) => inScope(s.scope, i, site.stage));
  if (!hit) {
    const stages = [...new Set(sites.map((x) => x.stage))].join(', ');
    throw new KnobError(`scope ${s.scope} holds no attention layer (stages ${stages}; blocks 0…${sites.length - 1})`);
  }
  return { scope: s.scope, values };
}

/** The op config key's own type from a knob value: numbers (toggles → 1/0), strings; 'trained' keeps the site's. */
function coerce(official: unknown, v: KnobValue): unknown {
  if (v === 'trained') return official;
  if (typeof official === 'number') return typeof v === 'boolean' ? (v ? 1 : 0) : Number(v);
  if (typeof official === 'boolean') return v === true || v === 1 || v === 'true';
  return String(v);
}

/** One site's op config at a setting's values (the site is in scope). Op-specific rules live here. */
export function knobbedOpConfig(op: string, official: unknown, values: Record<string, KnobValue>): unknown {
  const o = official as Record<string, unknown>;
  const c: Record<string, unknown> = { ...o };
  for (const [k, v] of Object.entries(values)) {
    if (!(k in o)) throw new KnobError(`knob '${k}' is not a setting of ${op}`);
    c[k] = coerce(o[k], v);
  }
  if (op === 'hilo') {
    // the trained head split stays (it fixes the weights' shapes) whatever ws is
    return { ...c, lHeads: hiloDerived(o as unknown as HiloConfig).lHeads } as HiloConfig;
  }
  if (op === 'fasa') {
    const f = c as unknown as FasaConfig;
    const trained = (o as unknown as FasaConfig).ws;
    if (f.ws !== 1 && f.ws !== trained) throw new KnobError(`fasa: pooling window ${f.ws} needs pooling weights this block does not have (trained ${trained}; offered: 1 or trained)`);
  }
  return c;
}

/**
 * The op config of every site at the setting (index = site index), or null for the official
 * setting (callers then keep their own official configs: bit-identical by construction).
 */
export function knobSites(sites: AttentionSite[], s: KnobSetting | undefined): unknown[] | null {
  if (isOfficial(s)) return null;
  return sites.map((site, i) => (inScope(s!.scope, i, site.stage) ? knobbedOpConfig(site.op, site.opConfig, s!.values) : site.opConfig));
}

/**
 * Network MACs at a setting by the op-level counts: official MACs − Σ op.macs(official site
 * configs) + Σ op.macs(site configs at the setting). The families count MACs block by block with
 * the knobbed configs; tests check both agree.
 */
export function macsByOps(model: AnyModel, cfg: unknown, H: number, W: number, s: KnobSetting | undefined): number {
  const official = model.macs(cfg, H, W);
  if (isOfficial(s) || !model.attentionSites) return official;
  const sites = model.attentionSites(cfg, H, W);
  const knobbed = knobSites(sites, s)!;
  let m = official;
  sites.forEach((site, i) => {
    const op = opByName(site.op);
    if (!op) throw new Error(`no op ${site.op}`);
    m += op.macs(knobbed[i]) - op.macs(site.opConfig);
  });
  return m;
}
