/**
 * Knobs on a trained network (issue 13): the op knobs of a family's attention layers (ViG's τ,
 * HiLo's ws, VVT's θ, GMA's segments, …) applied inside the whole backbone, to every attention
 * layer, one stage or one block.
 *
 * CONTRACT shared by the engine (src/models/**, the CLI) and the UI (src/ui/classify, notebooks):
 * - a knob's `key` is the op spec's config key (src/ops/<op>/spec.ts sliders/choices), so a setting
 *   is applied by overriding that key in the op config of every attention site in scope;
 * - the official setting is "no overrides": `isOfficial(setting)` ⇒ the forward is bit-identical
 *   to the knob-less one;
 * - `ModelImpl.knobs(cfg)` lists what the family offers; `forwardReference(x, w, cfg, knobs)`,
 *   `forwardGpu(..., { knobs })` and `macs(cfg, H, W, knobs)` honour a setting.
 */

export type KnobValue = number | string | boolean;

export interface NetworkKnob {
  /** the op config key it overrides ('tau', 'direction', 'locality', 'ws', 'theta', 'aggToken', …) */
  key: string;
  /** registry name of the op whose config it sets */
  op: string;
  label: string;
  kind: 'slider' | 'choice' | 'toggle';
  /** slider range (kind 'slider') */
  min?: number;
  max?: number;
  step?: number;
  log?: boolean;
  /**
   * choice options (kind 'choice'). The option 'trained' means "each site keeps its own trained
   * value" (FAT's pooling window, trained 8/4/2/1 by stage).
   */
  options?: readonly string[];
  /** the trained value (where it differs by site, the value of the first site in scope) */
  official: KnobValue;
  /** the exact semantics, for the tooltip and the README (which official parameter it is) */
  help: string;
}

/** 'all' attention layers, one stage (`stage:N`, N as in AttentionSite.stage) or one site (`block:N`, index into attentionSites). */
export type KnobScope = 'all' | `stage:${number}` | `block:${number}`;

export interface KnobSetting {
  /** knob key → value; a key absent (or equal to the site's trained value) leaves the site official */
  values: Record<string, KnobValue>;
  scope: KnobScope;
}

export const OFFICIAL: KnobSetting = { values: {}, scope: 'all' };

export function isOfficial(s: KnobSetting | undefined): boolean {
  return !s || Object.keys(s.values).length === 0;
}

/** Whether a site (its index and stage) is inside a scope. */
export function inScope(scope: KnobScope, siteIndex: number, stage: number): boolean {
  if (scope === 'all') return true;
  const [kind, n] = scope.split(':');
  const v = Number(n);
  return kind === 'stage' ? stage === v : siteIndex === v;
}

/** A canonical text for a setting (plan cache keys, CSV rows): '' for the official setting. */
export function settingKey(s: KnobSetting | undefined): string {
  if (isOfficial(s)) return '';
  const keys = Object.keys(s!.values).sort();
  return `${s!.scope}|${keys.map((k) => `${k}=${String(s!.values[k])}`).join(',')}`;
}

/** Parse a scope from text ('all', 'stage:2', 'block:5'); throws a one-line message otherwise. */
export function parseScope(text: string): KnobScope {
  if (text === 'all') return 'all';
  const m = /^(stage|block):(\d{1,4})$/.exec(text);
  if (!m) throw new Error(`scope '${text}': expected all, stage:N or block:N`);
  return `${m[1] as 'stage' | 'block'}:${Number(m[2])}`;
}
