/**
 * YAML reading for notebook bodies that never throws and never hands pathological input to the
 * `yaml` package: very deep nesting can exhaust the stack inside it (and its pretty error printer
 * can run out of memory on thousands of such errors), so depth and size are checked first.
 *
 *   readYamlMapping(src, firstLine, what) → { data, errors }
 *     data: the mapping as plain JS (null when unreadable; an empty body gives {}),
 *     errors: ParseError[] with absolute 1-based line numbers (firstLine = line of src's first line).
 */
import { parseDocument } from 'yaml';
import type { ParseError } from './format';

/** Bodies larger than this are not parsed (a param or view needs a few lines). */
export const MAX_YAML_CHARS = 64 * 1024;
/** Deeper flow/block nesting is refused before parsing: real cells nest 2–3 levels. */
export const MAX_YAML_DEPTH = 32;
/** At most this many YAML messages per body; the rest are summarised. */
const MAX_MESSAGES = 5;

export function lineOfOffset(src: string, offset: number): number {
  let line = 0;
  const end = Math.min(Math.max(0, offset), src.length);
  for (let i = 0; i < end; i++) {
    const ch = src.charCodeAt(i);
    if (ch === 10) line++;
    else if (ch === 13 && src.charCodeAt(i + 1) !== 10) line++;
  }
  return line;
}

/**
 * A cheap upper bound on nesting: flow brackets (outside quotes) and the width of a line's
 * leading run of indentation and block indicators (`- - - x` nests one level per dash).
 * Returns the 0-based line of the first offending spot, or -1.
 */
function tooDeep(src: string, maxDepth: number): number {
  let flow = 0;
  let line = 0;
  let quote = '';
  let atLineStart = true;
  let lead = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\n' || c === '\r') {
      if (c === '\r' && src[i + 1] === '\n') i++;
      line++;
      atLineStart = true;
      lead = 0;
      if (quote === "'" || quote === '"') {
        // multi-line quoted scalars are legal; keep the quote state
      }
      continue;
    }
    if (atLineStart) {
      if (c === ' ' || c === '\t' || c === '-' || c === '?' || c === ':') {
        lead++;
        // two characters ("- ") per block level, plus indentation
        if (lead > maxDepth * 4) return line;
        continue;
      }
      atLineStart = false;
    }
    if (quote) {
      if (c === quote) {
        if (quote === "'" && src[i + 1] === "'") i++;
        else quote = '';
      } else if (c === '\\' && quote === '"') i++;
      continue;
    }
    if (c === '#') {
      // comment to end of line (only when preceded by space or at start; close enough for a bound)
      const prev = src[i - 1];
      if (prev === undefined || prev === ' ' || prev === '\t') {
        while (i + 1 < src.length && src[i + 1] !== '\n' && src[i + 1] !== '\r') i++;
      }
      continue;
    }
    if (c === '"' || c === "'") {
      const prev = src[i - 1];
      // a quote only opens a scalar at its start; `don't` inside plain text is not a quote
      if (prev === undefined || /[\s,[{:]/.test(prev)) quote = c;
      continue;
    }
    if (c === '[' || c === '{') {
      if (++flow > maxDepth) return line;
    } else if (c === ']' || c === '}') {
      if (flow > 0) flow--;
    }
  }
  return -1;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

export function readYamlMapping(
  src: string,
  firstLine: number,
  what: string,
): { data: Record<string, unknown> | null; errors: ParseError[] } {
  const errors: ParseError[] = [];
  if (src.length > MAX_YAML_CHARS) {
    errors.push({
      line: firstLine,
      severity: 'error',
      message: `${what} is too long to read (${src.length.toLocaleString('en-US')} characters; the limit is ${MAX_YAML_CHARS.toLocaleString('en-US')}).`,
    });
    return { data: null, errors };
  }
  const deep = tooDeep(src, MAX_YAML_DEPTH);
  if (deep >= 0) {
    errors.push({
      line: firstLine + deep,
      severity: 'error',
      message: `${what} is nested too deeply to read (more than ${MAX_YAML_DEPTH} levels).`,
    });
    return { data: null, errors };
  }
  try {
    const doc = parseDocument(src, { prettyErrors: false, uniqueKeys: true });
    const report = (list: ReadonlyArray<{ message: string; pos: [number, number] }>, severity: 'error' | 'warning') => {
      const seen = new Set<string>();
      list.slice(0, MAX_MESSAGES).forEach((e) => {
        const line = firstLine + lineOfOffset(src, e.pos[0]);
        const message = `${what}: ${cleanYamlMessage(e.message)}`;
        // the parser sometimes reports one problem twice
        if (seen.has(line + message)) return;
        seen.add(line + message);
        errors.push({ line, severity, message });
      });
      if (list.length > MAX_MESSAGES) {
        errors.push({ line: firstLine, severity, message: `${what}: ${list.length - MAX_MESSAGES} more YAML problems not shown.` });
      }
    };
    report(doc.errors, 'error');
    report(doc.warnings, 'warning');
    if (doc.errors.length > 0) return { data: null, errors };
    const js: unknown = doc.toJS({ maxAliasCount: 100 });
    if (js === null || js === undefined) return { data: {}, errors };
    if (!isPlainObject(js)) {
      errors.push({
        line: firstLine,
        severity: 'error',
        message: `${what} must be a list of \`key: value\` lines (found ${Array.isArray(js) ? 'a list' : 'a single value'}).`,
      });
      return { data: null, errors };
    }
    return { data: js, errors };
  } catch (e) {
    // `yaml` throws for some inputs (unresolved aliases, alias bombs); report, never rethrow
    errors.push({ line: firstLine, severity: 'error', message: `${what}: could not be read as YAML (${cleanYamlMessage(errMessage(e))}).` });
    return { data: null, errors };
  }
}

export function errMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  try {
    return String(e);
  } catch {
    return 'unknown error';
  }
}

function cleanYamlMessage(m: string): string {
  const first = m.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '').trim();
  return first.length > 200 ? first.slice(0, 200) + '…' : first;
}
