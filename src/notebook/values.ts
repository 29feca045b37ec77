/**
 * Checking one param value against its spec, shared by the parser (default values), the runtime
 * (setting values, re-clamping when a bound param moves) and shared links.
 *
 *   checkParamValue(spec, value) → { value, note? } | { error }
 *     numbers are clamped into [min, max], sliders snapped to their step, tokens rounded; `note`
 *     then says what happened, as a clause to put after the value's name:
 *     "99 is above the maximum 8; using 8". `error`: the value cannot be used at all.
 *   parseParamString(spec, text) → the typed value of a string (shared links), or { error }.
 *   formatParamValue(v) → short text for links and labels (no float noise).
 *
 * Bounds given as `$name` references must be resolved first (runtime.resolveParamSpec); an
 * unresolved reference is treated as "no bound".
 */
import type { NumOrRef, ParamKind, ParamValue, SelectOption } from './format';

/** A spec as far as value checking is concerned (ParamSpec or the runtime's resolved spec). */
export interface CheckableSpec {
  kind: ParamKind;
  min?: NumOrRef;
  max?: NumOrRef;
  step?: NumOrRef;
  log?: boolean;
  options?: SelectOption[];
}

export type Checked = { value: ParamValue; note?: string } | { error: string };

/** Image params carry a name from the image list, never a URL or path (a shared link must not make the page fetch anything). */
export const IMAGE_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const num = (v: NumOrRef | undefined): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export function formatParamValue(v: ParamValue): string {
  if (typeof v === 'number') return String(Number(v.toPrecision(12)));
  return String(v);
}

const show = (v: unknown): string => {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (typeof v === 'number') return formatParamValue(v);
  if (typeof v === 'boolean') return String(v);
  return Array.isArray(v) ? 'a list' : v === null ? 'null' : typeof v;
};

/** The options for a message: the first few, each shortened (a notebook may list thousands). */
function listOptions(opts: readonly SelectOption[]): string {
  const shown = opts.slice(0, 8).map((o) => {
    const t = formatParamValue(o.value);
    return t.length > 40 ? t.slice(0, 40) + '…' : t;
  });
  return opts.length > 8 ? `${shown.join(', ')}, … ${opts.length - 8} more` : shown.join(', ');
}

export function checkParamValue(spec: CheckableSpec, value: unknown): Checked {
  switch (spec.kind) {
    case 'slider':
    case 'number':
    case 'token':
      return checkNumber(spec, value);
    case 'toggle':
      return typeof value === 'boolean' ? { value } : { error: `${show(value)} must be true or false` };
    case 'select': {
      const opts = spec.options ?? [];
      const hit = opts.find((o) => o.value === value) ?? (typeof value === 'string' ? opts.find((o) => String(o.value) === value) : undefined);
      return hit ? { value: hit.value } : { error: `${show(value)} is not one of the options (${listOptions(opts)})` };
    }
    case 'image': {
      if (typeof value !== 'string') return { error: `${show(value)} must be an image name` };
      if (spec.options && spec.options.length > 0) {
        const hit = spec.options.find((o) => String(o.value) === value);
        return hit ? { value: String(hit.value) } : { error: `${show(value)} is not one of the images (${listOptions(spec.options)})` };
      }
      return IMAGE_NAME_RE.test(value) ? { value } : { error: `${show(value)} is not an image name (letters, digits, '.', '_' and '-' only)` };
    }
    default:
      return { error: 'has an unknown kind' };
  }
}

function checkNumber(spec: CheckableSpec, value: unknown): Checked {
  if (typeof value !== 'number' || !Number.isFinite(value)) return { error: `${show(value)} must be a number` };
  const notes: string[] = [];
  let v = value;
  if (spec.kind === 'token' && !Number.isInteger(v)) {
    v = Math.round(v);
    notes.push(`is not a whole token index; using ${v}`);
  }
  const min = num(spec.min);
  const max = num(spec.max);
  if (min !== undefined && v < min) {
    notes.push(`is below the minimum ${formatParamValue(min)}; using ${formatParamValue(min)}`);
    v = min;
  } else if (max !== undefined && v > max) {
    notes.push(`is above the maximum ${formatParamValue(max)}; using ${formatParamValue(max)}`);
    v = max;
  }
  const step = num(spec.step);
  if (spec.kind === 'slider' && !spec.log && step !== undefined && step > 0 && min !== undefined) {
    const k = Math.round((v - min) / step);
    // the grid value, printed short when that only drops float noise (0.1 + 0.2 → 0.3) but exact
    // when the short print would move it (θ = 32·π/64 must stay π/2, not 1.57079632679)
    const exact = min + k * step;
    const short = Number(exact.toPrecision(12));
    let snapped = k === 0 ? min : Math.abs(short - exact) <= 1e-14 * Math.max(1, Math.abs(exact)) ? short : exact;
    if (snapped < min) snapped = min;
    if (max !== undefined && snapped > max) snapped = max;
    if (Number.isFinite(snapped)) {
      if (Math.abs(snapped - v) > 1e-9 * Math.max(1, Math.abs(v))) {
        notes.push(`is not on the slider's steps of ${formatParamValue(step)}; using ${formatParamValue(snapped)}`);
      }
      // always the grid value itself: one canonical number per step, so a shared link writes it
      // short and reads back exactly the same number
      v = snapped;
    }
  }
  const note = notes.length ? `${formatParamValue(value)} ${notes.join(', then ')}` : undefined;
  return note ? { value: v, note } : { value: v };
}

/** A value written as text (a shared link) → typed for the spec's kind. */
export function parseParamString(spec: CheckableSpec, text: string): { value: ParamValue } | { error: string } {
  const t = text.trim();
  switch (spec.kind) {
    case 'slider':
    case 'number':
    case 'token': {
      // Number('') is 0 and Number('0x10') is 16: accept plain decimal notation only
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return { error: `${show(text)} is not a number` };
      const v = Number(t);
      return Number.isFinite(v) ? { value: v } : { error: `${show(text)} is not a finite number` };
    }
    case 'toggle': {
      const l = t.toLowerCase();
      if (['1', 'true', 'on', 'yes'].includes(l)) return { value: true };
      if (['0', 'false', 'off', 'no'].includes(l)) return { value: false };
      return { error: `${show(text)} is not on/off (use 1 or 0)` };
    }
    case 'select': {
      const hit = (spec.options ?? []).find((o) => formatParamValue(o.value) === t);
      return hit ? { value: hit.value } : { value: t };
    }
    default:
      return { value: t };
  }
}
