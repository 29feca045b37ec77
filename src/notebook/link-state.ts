/**
 * Shareable links that carry param values: `#nb=hilo-alpha&alpha=0.5&ws=2`.
 *
 * API
 *   encodeLinkState(name, values, g, { onlyChanged? }) → "nb=…&alpha=0.5" (no leading '#'; set
 *       `location.hash` to it). Values equal to the default are left out when onlyChanged (default true).
 *   readLinkNotebook(input) → the notebook name in a link, or null (to know which notebook to load).
 *   decodeLinkState(input, g) → { notebook, values, fromLink, notes }
 *       input: a hash ("#…"), a query ("?…"), a bare "a=1&b=2" or a whole URL (its hash wins).
 *       values: a COMPLETE valid value set (defaults, overridden by the link); out-of-range numbers
 *       are clamped, slider values snapped to the step, malformed values and unknown names ignored,
 *       each with a plain-language note. Never throws.
 *
 * Limits: links longer than MAX_LINK_CHARS are read only up to it, values longer than
 * MAX_VALUE_CHARS and entries beyond MAX_LINK_ENTRIES are ignored (each with a note). At most
 * MAX_LINK_NOTES notes of at most MAX_NOTE_CHARS characters come back (then one summary note).
 *
 * How values are written, so that every value the notebook can hold reads back identical (===):
 *   numbers   the shortest text that parses back to the same number ("0.3", "1.2345678901234567");
 *             slider values are already on their step grid (values.ts), so no float noise;
 *   toggles   1 / 0;
 *   options   (select, image with options) the option's text when that text names exactly one
 *             option, is at most MAX_VALUE_CHARS long, has no surrounding spaces and is not of the
 *             form `~N`; otherwise `~N`, the option's 0-based position (`true` next to "true",
 *             "1" next to 1, options hundreds of characters long, names like `__proto__` are all
 *             safe either way).
 */
import { checkParamValue, formatParamValue, parseParamString, type CheckableSpec } from './values';
import { normalizeValues, resolveParamSpec, type NotebookGraph, type ParamValues } from './runtime';
import type { ParamValue, SelectOption } from './format';

export const MAX_LINK_CHARS = 4096;
export const MAX_VALUE_CHARS = 256;
export const MAX_LINK_ENTRIES = 64;
export const MAX_LINK_NOTES = 12;
export const MAX_NOTE_CHARS = 240;
const NOTEBOOK_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const KEY_RE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const OPTION_INDEX_RE = /^~(\d{1,6})$/;

/** The shortest decimal text that parses back to exactly `v` (-0 included). */
function numberText(v: number): string {
  if (Object.is(v, -0)) return '-0';
  const short = formatParamValue(v);
  return Number(short) === v ? short : String(v);
}

function encodable(t: string): boolean {
  try {
    encodeURIComponent(t);
    return true;
  } catch {
    return false; // a lone surrogate
  }
}

/** Each option's link text: its own text where that is unambiguous and short, else `~index`. */
function optionTexts(options: readonly SelectOption[]): string[] {
  const texts = options.map((o) => formatParamValue(o.value));
  const count = new Map<string, number>();
  for (const t of texts) count.set(t, (count.get(t) ?? 0) + 1);
  return texts.map((t, i) =>
    count.get(t) === 1 && t.length > 0 && t.length <= MAX_VALUE_CHARS && t === t.trim() && !OPTION_INDEX_RE.test(t) && encodable(t) ? t : `~${i}`,
  );
}

const hasOptions = (spec: CheckableSpec) => (spec.kind === 'select' || spec.kind === 'image') && !!spec.options && spec.options.length > 0;

/** How `v` is written in a link (not yet URI-encoded); null when it cannot be written. */
function valueText(spec: CheckableSpec, v: ParamValue): string | null {
  if (hasOptions(spec)) {
    const opts = spec.options!;
    let i = opts.findIndex((o) => o.value === v);
    if (i < 0 && spec.kind === 'image') i = opts.findIndex((o) => String(o.value) === v);
    return i < 0 ? null : optionTexts(opts)[i];
  }
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'number') return numberText(v);
  return encodable(v) ? v : null;
}

/** The option a link's text names (see valueText), or undefined. */
function optionFromText(spec: CheckableSpec, text: string): ParamValue | undefined {
  const opts = spec.options!;
  const texts = optionTexts(opts);
  const t = text.trim();
  let i = texts.indexOf(t);
  const m = OPTION_INDEX_RE.exec(t);
  if (i < 0 && m && Number(m[1]) < opts.length) i = Number(m[1]);
  if (i < 0) return undefined;
  // an image param holds its option as text (an option written `1` is the image named "1")
  return spec.kind === 'image' ? String(opts[i].value) : opts[i].value;
}

export function encodeLinkState(
  notebook: string,
  values: ParamValues,
  g: NotebookGraph,
  opts: { onlyChanged?: boolean } = {},
): string {
  const onlyChanged = opts.onlyChanged ?? true;
  const defaults = normalizeValues(g, {}).values;
  const parts: string[] = [];
  if (NOTEBOOK_NAME_RE.test(notebook)) parts.push(`nb=${notebook}`);
  let len = parts.join('&').length;
  const resolved: ParamValues = {};
  for (const name of g.paramOrder) {
    if (!Object.prototype.hasOwnProperty.call(values, name)) continue;
    // the value as the notebook holds it (bounds from the values before it, slider grid)
    const spec = resolveParamSpec(g, name, resolved);
    if (!spec) continue;
    const checked = checkParamValue(spec, values[name]);
    if ('error' in checked) continue;
    const v = checked.value;
    resolved[name] = v;
    if (onlyChanged && v === defaults[name]) continue;
    const text = valueText(spec, v);
    // a value too long to be read back is not written
    if (text === null || text.length > MAX_VALUE_CHARS) continue;
    const part = `${name}=${encodeURIComponent(text)}`;
    if (len + part.length + 1 > MAX_LINK_CHARS || parts.length > MAX_LINK_ENTRIES) break;
    parts.push(part);
    len += part.length + 1;
  }
  return parts.join('&');
}

/** The part of the input that holds key=value pairs. */
function pairsText(input: string): string {
  const hash = input.indexOf('#');
  if (hash >= 0) return input.slice(hash + 1);
  const q = input.indexOf('?');
  if (q >= 0) return input.slice(q + 1);
  return input;
}

function decodePart(s: string): string | null {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

const clip = (s: string) => (s.length > 40 ? s.slice(0, 40) + '…' : s);

interface Pair {
  key: string;
  value: string;
}

function readPairs(input: string, notes: string[]): Pair[] {
  let text = pairsText(typeof input === 'string' ? input : '');
  if (text.length > MAX_LINK_CHARS) {
    notes.push(`The link is too long (${text.length.toLocaleString('en-US')} characters); only the first ${MAX_LINK_CHARS.toLocaleString('en-US')} were read.`);
    text = text.slice(0, MAX_LINK_CHARS);
    const amp = text.lastIndexOf('&');
    text = amp >= 0 ? text.slice(0, amp) : '';
  }
  const pairs: Pair[] = [];
  const seen = new Set<string>();
  let dropped = 0;
  for (const part of text.split('&')) {
    if (part === '') continue;
    if (pairs.length >= MAX_LINK_ENTRIES) {
      dropped++;
      continue;
    }
    const eq = part.indexOf('=');
    const key = decodePart(eq >= 0 ? part.slice(0, eq) : part);
    const value = eq >= 0 ? decodePart(part.slice(eq + 1)) : null;
    if (key === null || !KEY_RE.test(key)) {
      notes.push(`Ignored \`${clip(key ?? part)}\` in the link: not a param name.`);
      continue;
    }
    if (eq < 0) {
      notes.push(`Ignored \`${key}\` in the link: it has no value (write ${key}=…).`);
      continue;
    }
    if (value === null) {
      notes.push(`Ignored \`${key}\` in the link: its value is not properly encoded.`);
      continue;
    }
    if (value.length > MAX_VALUE_CHARS) {
      notes.push(`Ignored \`${key}\` in the link: its value is too long (${value.length} characters).`);
      continue;
    }
    if (seen.has(key)) {
      notes.push(`The link sets \`${key}\` more than once; the first value is used.`);
      continue;
    }
    seen.add(key);
    pairs.push({ key, value });
  }
  if (dropped) notes.push(`The link has too many entries; ${dropped} after the first ${MAX_LINK_ENTRIES} were ignored.`);
  return pairs;
}

export function readLinkNotebook(input: string): string | null {
  try {
    const nb = readPairs(input, []).find((p) => p.key === 'nb');
    return nb && NOTEBOOK_NAME_RE.test(nb.value) ? nb.value : null;
  } catch {
    return null;
  }
}

export interface LinkState {
  /** the notebook the link names, or null */
  notebook: string | null;
  /** every usable param: the link's value where it gave a usable one, else the default */
  values: ParamValues;
  /** params whose value came from the link */
  fromLink: string[];
  /** what was adjusted or ignored, in words */
  notes: string[];
}

export function decodeLinkState(input: string, g: NotebookGraph): LinkState {
  const notes: string[] = [];
  try {
    const r = decodeUnsafe(input, g, notes);
    return { ...r, notes: boundNotes(r.notes) };
  } catch {
    notes.push('The link could not be read; the notebook opens with its default values.');
    return { notebook: null, values: safeDefaults(g), fromLink: [], notes: boundNotes(notes) };
  }
}

/** At most MAX_LINK_NOTES notes, each at most MAX_NOTE_CHARS long: a link cannot flood the page. */
function boundNotes(notes: string[]): string[] {
  const clipNote = (n: string) => (n.length > MAX_NOTE_CHARS ? n.slice(0, MAX_NOTE_CHARS - 1) + '…' : n);
  if (notes.length <= MAX_LINK_NOTES) return notes.map(clipNote);
  const rest = notes.length - (MAX_LINK_NOTES - 1);
  return [...notes.slice(0, MAX_LINK_NOTES - 1).map(clipNote), `${rest} more notes about the link are not shown.`];
}

function safeDefaults(g: NotebookGraph): ParamValues {
  try {
    return normalizeValues(g, {}).values;
  } catch {
    return {};
  }
}

function decodeUnsafe(input: string, g: NotebookGraph, notes: string[]): LinkState {
  const pairs = readPairs(input, notes);
  let notebook: string | null = null;
  const typed = new Map<string, { value: ParamValue; text: string }>();
  let unknown = 0;
  for (const { key, value } of pairs) {
    if (key === 'nb') {
      if (NOTEBOOK_NAME_RE.test(value)) notebook = value;
      else notes.push(`Ignored the notebook name \`${clip(value)}\` in the link: not a valid name.`);
      continue;
    }
    const cell = g.params.get(key);
    if (!cell) {
      if (++unknown <= 5) notes.push(`The link sets \`${key}\`, but this notebook has no such param; ignored.`);
      continue;
    }
    if (g.blocked.has(cell.id)) {
      notes.push(`The link sets \`${key}\`, but that param has errors in the notebook; ignored.`);
      continue;
    }
    const option = hasOptions(cell.spec!) ? optionFromText(cell.spec!, value) : undefined;
    const parsed = option !== undefined ? { value: option } : parseParamString(cell.spec!, value);
    if ('error' in parsed) {
      notes.push(`Ignored \`${key}\` from the link: ${parsed.error}.`);
      continue;
    }
    typed.set(key, { value: parsed.value, text: value });
  }
  if (unknown > 5) notes.push(`${unknown - 5} more names in the link match no param of this notebook; ignored.`);
  // in dependency order, so a bound set by the link is in place before it is used
  const values: ParamValues = {};
  const fromLink: string[] = [];
  const defaults = normalizeValues(g, {}).values;
  for (const name of g.paramOrder) {
    const spec = resolveParamSpec(g, name, values)!;
    const t = typed.get(name);
    if (t) {
      const r = checkParamValue(spec, t.value);
      if ('error' in r) {
        notes.push(`Ignored \`${name}\` from the link: ${r.error}.`);
      } else {
        values[name] = r.value;
        fromLink.push(name);
        if (r.note) notes.push(`\`${name}\` from the link: ${r.note}.`);
        continue;
      }
    }
    // the default, re-checked: its bounds may have been moved by the link
    const d = checkParamValue(spec, defaults[name]);
    values[name] = 'error' in d ? defaults[name] : d.value;
  }
  return { notebook, values, fromLink, notes };
}
