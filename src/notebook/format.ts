/**
 * The notebook file format: a Markdown file with YAML front matter, prose, and fenced cells whose
 * info string names the cell (DESIGN.md §5):
 *
 *     ```param alpha            ```view attention [name]
 *     kind: slider              op: hilo
 *     min: 0                    alpha: $alpha
 *     max: 1                    ```
 *     value: 0.9
 *     ```
 *
 * API
 *   parseNotebook(text) → Notebook        never throws, whatever the string; problems are in
 *                                          notebook.errors (and each cell's own `errors`).
 *   serializeNotebook(nb) → string         serializeNotebook(parseNotebook(t)) === t, byte for byte:
 *                                          every block keeps its raw text; edit.ts re-renders only
 *                                          the blocks it changes.
 *   renderFencedCell(fence, body, eol)     the raw text of a param/view cell with a new body.
 *   newCellRaw(spec, eol)                  the raw text of a brand-new cell.
 *   paramCells(nb) / viewCells(nb)         typed filters; usableParams(nb): first valid definition of each name.
 *   notebookLimitError(text) → string|null  why a text is refused before parsing (size, lines, line
 *                                          length, param/view/code cells), in words; null when it is within
 *                                          the limits. parseNotebook keeps a refused text as one
 *                                          unparsed prose block with this message (`tooLarge`).
 *   MAX_NOTEBOOK_CHARS, MAX_NOTEBOOK_LINES, MAX_LINE_CHARS, MAX_FENCED_CELLS, MAX_CELL_REFS: the limits
 *                                          (far above any real notebook; every step below them is linear).
 *
 * ```js name``` fences are code cells (CodeCell, read by ./code/cell.ts: refs and syntax errors
 * without evaluating anything); their code runs in a Worker (./code/, README "Code cells").
 *
 * Model: `Notebook.head` (optional BOM, front matter, blank lines) followed by `cells`, each owning
 * its raw text including the blank lines after it. Ordinary code fences (```python …) stay in prose;
 * a ```view inside them is not a cell. Cell ids are deterministic for the same text
 * (`param-alpha`, `view-attention`, `view-attention-2`, `prose-3`) and edit.ts keeps them stable
 * across edits. `$name` (a whole YAML value) references a param; `$$x` is the literal text `$x`.
 */
import { readYamlMapping } from './yaml-safe';
import { checkParamValue } from './values';
import { buildCodeCell } from './code/cell';

export const MAX_NOTEBOOK_CHARS = 2 * 1024 * 1024;
/** More lines than this are refused (a long notebook has a few thousand). */
export const MAX_NOTEBOOK_LINES = 100_000;
/** A longer line is refused (prose paragraphs written on one line stay far below). */
export const MAX_LINE_CHARS = 32 * 1024;
/** At most this many ```param / ```view / ```js fence lines (the shipped notebooks have 10 to 40). */
export const MAX_FENCED_CELLS = 1000;
/** A cell referencing more distinct `$params` than this is not read (real cells reference a few). */
export const MAX_CELL_REFS = 64;

export interface ParseError {
  /** 1-based line in the notebook file */
  line: number;
  message: string;
  /** 'warning': the notebook still means what the author intended (e.g. a value was clamped). */
  severity: 'error' | 'warning';
  /** the cell the problem belongs to (absent for front matter / whole-file problems) */
  cellId?: string;
}

export const PARAM_KINDS = ['slider', 'number', 'token', 'select', 'toggle', 'image'] as const;
export type ParamKind = (typeof PARAM_KINDS)[number];
export const VIEW_KINDS = ['attention', 'flops', 'latency', 'classify', 'compare', 'compare-models', 'kernel', 'table', 'network', 'ablate', 'alpha-sweep'] as const;
export type ViewKind = (typeof VIEW_KINDS)[number];

export type ParamValue = number | string | boolean;
/** A `$name` reference where a number is expected (e.g. `max: $grid`). */
export interface Ref {
  ref: string;
}
export type NumOrRef = number | Ref;
export interface SelectOption {
  value: ParamValue;
  label: string;
}

export interface ParamSpec {
  kind: ParamKind;
  label?: string;
  /** slider/number/token bounds; may reference other params */
  min?: NumOrRef;
  max?: NumOrRef;
  step?: NumOrRef;
  /** slider on a log scale (needs min > 0) */
  log: boolean;
  /** select (required) and image (optional allow-list) */
  options?: SelectOption[];
  /** the default value */
  value: ParamValue;
}

/** The fence of a param/view cell, kept verbatim so unedited cells serialise unchanged. */
export interface Fence {
  /** opening line without its line ending, e.g. "```view attention" */
  open: string;
  /** closing line without its line ending; null when the file ended first */
  close: string | null;
  char: '`' | '~';
  size: number;
  /** spaces before the opening fence (CommonMark strips up to this many from body lines) */
  indent: number;
  /** the info string, trimmed: "view attention" */
  info: string;
}

interface CellBase {
  /** stable id, unique in the notebook */
  id: string;
  /** 1-based line where the cell starts */
  line: number;
  /** exact source text of the block, including the blank lines after it */
  raw: string;
  errors: ParseError[];
}

export interface ProseCell extends CellBase {
  type: 'prose';
  /** Markdown source (== raw) */
  text: string;
}

export interface ParamCell extends CellBase {
  type: 'param';
  name: string;
  fence: Fence;
  /** YAML body (indentation of an indented fence removed) */
  body: string;
  /** null when the body could not be read; the param is then unusable */
  spec: ParamSpec | null;
  /** params referenced by min/max/step, in order of appearance */
  refs: string[];
  /** a later definition of a name already defined above: ignored by the runtime */
  duplicate: boolean;
}

export interface ViewCell extends CellBase {
  type: 'view';
  /** the kind when known; unknown kinds render as a message */
  view: ViewKind | 'unknown';
  /** the kind as written in the info string */
  viewKind: string;
  /** optional third word of the info string */
  name: string | null;
  fence: Fence;
  body: string;
  /** the body mapping, `$name` strings unresolved ({} when unreadable) */
  config: Record<string, unknown>;
  /** `config.op` when it is a string */
  op: string | null;
  /** distinct params referenced anywhere in the body, in order of appearance */
  refs: string[];
  /** the body could not be read */
  broken: boolean;
}

/** A ```js name``` code cell (DESIGN.md §5): JavaScript run in a Worker; see src/notebook/code/. */
export interface CodeCell extends CellBase {
  type: 'code';
  /** the result's name (`$name` in other code cells); '' when the fence names none */
  name: string;
  fence: Fence;
  body: string;
  /** `$name` identifiers the code reads (params or other code cells), in order of appearance */
  refs: string[];
  /** the body as the worker compiles it (a trailing expression becomes `return (…)`; same lines); null on a syntax error */
  compiled: string | null;
}

export type Cell = ProseCell | ParamCell | ViewCell | CodeCell;

export interface NotebookMeta {
  title?: string;
  description?: string;
  /** default image (a name from the image list) */
  image?: string;
  /** default model/backbone variant */
  model?: string;
  /** every other front-matter key, as parsed */
  extra: Record<string, unknown>;
}

export interface Notebook {
  /** BOM + front matter + blank lines before the first cell (serialised first, verbatim) */
  head: string;
  /** the front matter's YAML text, or null when there is none */
  frontMatter: string | null;
  meta: NotebookMeta;
  cells: Cell[];
  /** the file's line ending, used for re-rendered blocks */
  eol: '\n' | '\r\n' | '\r';
  /** every problem: front matter, cells, whole file (sorted by line) */
  errors: ParseError[];
  /** the input exceeded MAX_NOTEBOOK_CHARS and was kept as one unparsed prose block */
  tooLarge: boolean;
}

/** Param names: identifiers, not starting with `__` (they become object keys). */
const NAME_RE = /^(?!__)[A-Za-z_][A-Za-z0-9_]*$/;
const REF_RE = /^\$([A-Za-z_][A-Za-z0-9_]*)$/;
/** `nb` names the notebook in a shared link. */
export const RESERVED_PARAM_NAMES: readonly string[] = ['nb'];

// ---------------------------------------------------------------- lines

interface Line {
  /** text without the line ending */
  text: string;
  /** '\n', '\r\n', '\r' or '' (last line without ending) */
  end: string;
}

/** The lines of `s` with their own endings (a last line without one has end ''). */
export function splitLines(s: string): Line[] {
  const lines: Line[] = [];
  const re = /\r\n|\n|\r/g;
  let start = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    lines.push({ text: s.slice(start, m.index), end: m[0] });
    start = m.index + m[0].length;
  }
  if (start < s.length) lines.push({ text: s.slice(start), end: '' });
  return lines;
}

function detectEol(s: string): Notebook['eol'] {
  const m = /\r\n|\n|\r/.exec(s);
  return m ? (m[0] as Notebook['eol']) : '\n';
}

const isBlank = (t: string) => /^[ \t]*$/.test(t);

interface FenceOpen {
  indent: number;
  char: '`' | '~';
  size: number;
  info: string;
}

/** CommonMark opening fence: ≤3 spaces, ≥3 backticks/tildes, backtick info without backticks. */
function fenceOpen(text: string): FenceOpen | null {
  const m = /^( {0,3})(`{3,}|~{3,})(.*)$/.exec(text);
  if (!m) return null;
  const char = m[2][0] as '`' | '~';
  if (char === '`' && m[3].includes('`')) return null;
  return { indent: m[1].length, char, size: m[2].length, info: m[3].trim() };
}

function isFenceClose(text: string, f: { char: string; size: number }): boolean {
  const m = /^ {0,3}(`+|~+)[ \t]*$/.exec(text);
  return !!m && m[1][0] === f.char && m[1].length >= f.size;
}

// ---------------------------------------------------------------- parse

export function parseNotebook(text: string): Notebook {
  try {
    return parseUnsafe(typeof text === 'string' ? text : String(text));
  } catch (e) {
    // a bug must not lose the user's file: keep it verbatim as one prose block
    const s = typeof text === 'string' ? text : '';
    return opaque(s, `The notebook could not be read (${e instanceof Error ? e.message : 'internal error'}); it is shown as plain text.`);
  }
}

function opaque(text: string, message: string): Notebook {
  const err: ParseError = { line: 1, message, severity: 'error' };
  const cells: Cell[] = text ? [{ type: 'prose', id: 'prose-1', line: 1, raw: text, text, errors: [] }] : [];
  return { head: '', frontMatter: null, meta: { extra: {} }, cells, eol: detectEol(text.slice(0, 4096)), errors: [err], tooLarge: true };
}

/** A line opening a param, view or code cell (sticky: tested in place at each line start, whatever the fence length). */
const FENCED_CELL_LINE = / {0,3}(?:`{3,}|~{3,})[ \t]*(?:param|view|js)(?:[ \t\r\n]|$)/y;
const KEPT = 'Nothing was run; the file is kept unchanged.';

/**
 * Why `text` is refused before parsing, or null. One linear pass; the same check guards opening
 * a file (the open notebook stays), parsing (the text is kept as one unparsed block) and edits
 * (an edit that would cross a limit is not applied).
 */
export function notebookLimitError(text: string): string | null {
  const en = (n: number) => n.toLocaleString('en-US');
  if (text.length > MAX_NOTEBOOK_CHARS) {
    const mb = (n: number) => (n / (1024 * 1024)).toFixed(1);
    return `This notebook is too large to open (${mb(text.length)} MB; the limit is ${mb(MAX_NOTEBOOK_CHARS)} MB). ${KEPT}`;
  }
  let lines = 0;
  let fenced = 0;
  let start = 0;
  const n = text.length;
  while (start <= n) {
    let end = start;
    while (end < n) {
      const c = text.charCodeAt(end);
      if (c === 10 || c === 13) break;
      end++;
    }
    lines++;
    if (end - start > MAX_LINE_CHARS) {
      return `Line ${en(lines)} of this notebook is too long to open (${en(end - start)} characters; the limit is ${en(MAX_LINE_CHARS)}). ${KEPT}`;
    }
    if (lines > MAX_NOTEBOOK_LINES) return `This notebook has too many lines to open (more than ${en(MAX_NOTEBOOK_LINES)}). ${KEPT}`;
    const first = text.charCodeAt(start);
    FENCED_CELL_LINE.lastIndex = start;
    if ((first === 0x60 || first === 0x7e || first === 0x20) && FENCED_CELL_LINE.test(text)) {
      if (++fenced > MAX_FENCED_CELLS) {
        return `This notebook has too many param, view and code cells to open (more than ${en(MAX_FENCED_CELLS)}). ${KEPT}`;
      }
    }
    if (end >= n) break;
    start = end + (text.charCodeAt(end) === 13 && text.charCodeAt(end + 1) === 10 ? 2 : 1);
  }
  return null;
}

function parseUnsafe(text: string): Notebook {
  const refused = notebookLimitError(text);
  if (refused) return opaque(text, refused);
  const eol = detectEol(text);
  const bom = text.startsWith('\uFEFF') ? '\uFEFF' : '';
  const lines = splitLines(text.slice(bom.length));
  const errors: ParseError[] = [];
  let head = bom;
  let i = 0;
  let frontMatter: string | null = null;
  let meta: NotebookMeta = { extra: {} };

  // front matter: "---" on the very first line, closed by "---" or "..."
  if (lines.length > 0 && lines[0].text.trimEnd() === '---') {
    let close = -1;
    for (let j = 1; j < lines.length; j++) {
      const t = lines[j].text.trimEnd();
      if (t === '---' || t === '...') {
        close = j;
        break;
      }
    }
    if (close < 0) {
      errors.push({
        line: 1,
        severity: 'warning',
        message: 'The front matter that starts on line 1 is never closed with a `---` line, so it is treated as ordinary text.',
      });
    } else {
      frontMatter = lines
        .slice(1, close)
        .map((l) => l.text + l.end)
        .join('');
      for (let j = 0; j <= close; j++) head += lines[j].text + lines[j].end;
      i = close + 1;
      const r = readYamlMapping(frontMatter, 2, 'The front matter');
      errors.push(...r.errors);
      if (r.data) meta = readMeta(r.data, errors);
    }
  }
  while (i < lines.length && isBlank(lines[i].text)) {
    head += lines[i].text + lines[i].end;
    i++;
  }

  const cells: Cell[] = [];
  let proseStart = -1;
  let proseRaw = '';
  const flushProse = () => {
    if (proseStart >= 0) cells.push({ type: 'prose', id: '', line: proseStart + 1, raw: proseRaw, text: proseRaw, errors: [] });
    proseStart = -1;
    proseRaw = '';
  };

  while (i < lines.length) {
    const f = fenceOpen(lines[i].text);
    const word = f ? f.info.split(/\s+/)[0] : '';
    if (f && (word === 'param' || word === 'view' || word === 'js')) {
      flushProse();
      let j = i + 1;
      while (j < lines.length && !isFenceClose(lines[j].text, f)) j++;
      const closed = j < lines.length;
      const bodyLines = lines.slice(i + 1, j);
      let raw = lines[i].text + lines[i].end + bodyLines.map((l) => l.text + l.end).join('');
      if (closed) raw += lines[j].text + lines[j].end;
      let k = closed ? j + 1 : j;
      while (k < lines.length && isBlank(lines[k].text)) {
        raw += lines[k].text + lines[k].end;
        k++;
      }
      const fence: Fence = {
        open: lines[i].text,
        close: closed ? lines[j].text : null,
        char: f.char,
        size: f.size,
        indent: f.indent,
        info: f.info,
      };
      const body = bodyLines.map((l) => stripIndent(l.text, f.indent) + l.end).join('');
      cells.push(buildCell(fence, body, raw, i + 1));
      i = k;
      continue;
    }
    if (proseStart < 0) proseStart = i;
    if (f) {
      // an ordinary code block: skip to its end so fences inside it are not cells
      let j = i + 1;
      while (j < lines.length && !isFenceClose(lines[j].text, f)) j++;
      if (j >= lines.length) {
        errors.push({
          line: i + 1,
          severity: 'warning',
          message: `The code block opened on line ${i + 1} is never closed, so everything after it is shown as code.`,
        });
      }
      const end = Math.min(j, lines.length - 1);
      for (let k = i; k <= end; k++) proseRaw += lines[k].text + lines[k].end;
      i = end + 1;
      continue;
    }
    proseRaw += lines[i].text + lines[i].end;
    i++;
  }
  flushProse();
  assignIds(cells);
  return finish(head, frontMatter, meta, cells, eol, errors);
}

function stripIndent(t: string, n: number): string {
  let k = 0;
  while (k < n && t[k] === ' ') k++;
  return t.slice(k);
}

/** Cross-cell checks (duplicate params) and the flat, sorted error list. */
function finish(
  head: string,
  frontMatter: string | null,
  meta: NotebookMeta,
  cells: Cell[],
  eol: Notebook['eol'],
  headErrors: ParseError[],
): Notebook {
  const seen = new Map<string, ParamCell>();
  for (const c of cells) {
    if (c.type !== 'param' || !c.name) continue;
    const first = seen.get(c.name);
    if (first) {
      c.duplicate = true;
      c.errors.push({
        line: c.line,
        severity: 'error',
        message: `The param \`${c.name}\` is already defined on line ${first.line}; this second definition is ignored. Rename one of them.`,
      });
    } else seen.set(c.name, c);
  }
  const seenViews = new Map<string, number>();
  for (const c of cells) {
    if (c.type !== 'view' || !c.name) continue;
    const first = seenViews.get(c.name);
    if (first !== undefined) {
      c.errors.push({ line: c.line, severity: 'warning', message: `Another view on line ${first} is also named \`${c.name}\`.` });
    } else seenViews.set(c.name, c.line);
  }
  for (const c of cells) for (const e of c.errors) e.cellId = c.id;
  const errors = [...headErrors, ...cells.flatMap((c) => c.errors)].sort((a, b) => a.line - b.line);
  return { head, frontMatter, meta, cells, eol, errors, tooLarge: false };
}

function readMeta(data: Record<string, unknown>, errors: ParseError[]): NotebookMeta {
  const meta: NotebookMeta = { extra: {} };
  for (const [k, v] of Object.entries(data)) {
    if (k === 'title' || k === 'description' || k === 'image' || k === 'model') {
      if (typeof v === 'string') meta[k] = v;
      else if (typeof v === 'number' || typeof v === 'boolean') meta[k] = String(v);
      else if (v !== null && v !== undefined) {
        errors.push({ line: 2, severity: 'warning', message: `The front matter's \`${k}\` should be text; it is ignored.` });
      }
    } else meta.extra[k] = v;
  }
  return meta;
}

// ---------------------------------------------------------------- cells

function buildCell(fence: Fence, body: string, raw: string, line: number): ParamCell | ViewCell | CodeCell {
  const words = fence.info.split(/\s+/);
  if (words[0] === 'js') return buildCodeCell(fence, body, raw, line);
  const errors: ParseError[] = [];
  if (fence.close === null) {
    errors.push({
      line,
      severity: 'error',
      message: `The \`${words.slice(0, 2).join(' ')}\` cell opened on line ${line} is never closed: add a line with ${fence.char.repeat(fence.size)} after its body. Until then everything below it is read as its body.`,
    });
  }
  const bodyLine = line + 1;
  if (words[0] === 'param') {
    const name = words[1] ?? '';
    if (!name) errors.push({ line, severity: 'error', message: 'A param cell needs a name: ```param alpha' });
    else if (!NAME_RE.test(name)) {
      errors.push({ line, severity: 'error', message: `\`${name}\` is not a valid param name (use letters, digits and _, not starting with a digit or __).` });
    } else if (RESERVED_PARAM_NAMES.includes(name)) {
      errors.push({ line, severity: 'error', message: `\`${name}\` is reserved (it names the notebook in shared links); choose another param name.` });
    }
    if (words.length > 2) errors.push({ line, severity: 'warning', message: `Extra words after the param name are ignored: ${words.slice(2).join(' ')}` });
    const validName = !!name && NAME_RE.test(name) && !RESERVED_PARAM_NAMES.includes(name);
    const r = readYamlMapping(body, bodyLine, `Param \`${name || '?'}\``);
    errors.push(...r.errors);
    let spec: ParamSpec | null = null;
    if (r.data) spec = readParamSpec(r.data, name || '?', bodyLine, errors);
    const refs = spec ? specRefs(spec) : [];
    return {
      type: 'param',
      id: '',
      line,
      raw,
      errors,
      name: validName ? name : '',
      fence,
      body,
      spec: validName ? spec : null,
      refs,
      duplicate: false,
    };
  }
  const viewKind = words[1] ?? '';
  const name = words[2] ?? null;
  let view: ViewKind | 'unknown' = 'unknown';
  if (!viewKind) errors.push({ line, severity: 'error', message: `A view cell needs a kind: \`\`\`view attention (one of ${VIEW_KINDS.join(', ')}).` });
  else if ((VIEW_KINDS as readonly string[]).includes(viewKind)) view = viewKind as ViewKind;
  else {
    errors.push({
      line,
      severity: 'warning',
      message: `Unknown view kind \`${viewKind}\`; it is shown as a message. Known kinds: ${VIEW_KINDS.join(', ')}.`,
    });
  }
  if (name !== null && !/^[A-Za-z0-9_-]+$/.test(name)) {
    errors.push({ line, severity: 'warning', message: `View name \`${name}\` should use only letters, digits, _ and -.` });
  }
  if (words.length > 3) errors.push({ line, severity: 'warning', message: `Extra words after the view name are ignored: ${words.slice(3).join(' ')}` });
  const r = readYamlMapping(body, bodyLine, `View \`${viewKind || '?'}\``);
  errors.push(...r.errors);
  const config = r.data ?? {};
  const refs = new Set<string>();
  collectRefs(config, refs, 0);
  if (refs.size > MAX_CELL_REFS) {
    errors.push({ line, severity: 'error', message: `This view references more than ${MAX_CELL_REFS} different params, so it is not read (a view needs a few).` });
    return { type: 'view', id: '', line, raw, errors, view, viewKind, name, fence, body, config: {}, op: null, refs: [], broken: true };
  }
  const op = typeof config.op === 'string' ? config.op : null;
  if (config.op !== undefined && op === null) errors.push({ line: bodyLine, severity: 'error', message: 'A view\'s `op` must be a name, e.g. `op: mhsa`.' });
  return { type: 'view', id: '', line, raw, errors, view, viewKind, name, fence, body, config, op, refs: [...refs], broken: r.data === null };
}

/** Every `$name` string anywhere in a value (depth-limited; readYamlMapping already bounds depth). */
function collectRefs(v: unknown, out: Set<string>, depth: number): void {
  if (depth > 64 || out.size > MAX_CELL_REFS) return;
  if (typeof v === 'string') {
    const m = REF_RE.exec(v);
    if (m) out.add(m[1]);
  } else if (Array.isArray(v)) {
    for (const x of v) collectRefs(x, out, depth + 1);
  } else if (v !== null && typeof v === 'object') {
    for (const x of Object.values(v)) collectRefs(x, out, depth + 1);
  }
}

/** `$name` → the name; null for anything else. */
export function refName(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const m = REF_RE.exec(v);
  return m ? m[1] : null;
}

function specRefs(s: ParamSpec): string[] {
  const out: string[] = [];
  for (const v of [s.min, s.max, s.step]) if (v !== undefined && typeof v === 'object' && !out.includes(v.ref)) out.push(v.ref);
  return out;
}

const SPEC_KEYS = ['kind', 'label', 'min', 'max', 'step', 'log', 'options', 'value'];

function readParamSpec(d: Record<string, unknown>, name: string, line: number, errors: ParseError[]): ParamSpec | null {
  const err = (message: string) => errors.push({ line, severity: 'error', message: `Param \`${name}\`: ${message}` });
  const warn = (message: string) => errors.push({ line, severity: 'warning', message: `Param \`${name}\`: ${message}` });
  for (const k of Object.keys(d)) if (!SPEC_KEYS.includes(k)) warn(`unknown field \`${k}\` is ignored (fields: ${SPEC_KEYS.join(', ')}).`);

  let kind: ParamKind;
  if (d.kind !== undefined) {
    if (typeof d.kind !== 'string' || !(PARAM_KINDS as readonly string[]).includes(d.kind)) {
      err(`unknown kind \`${String(d.kind)}\` (use one of ${PARAM_KINDS.join(', ')}).`);
      return null;
    }
    kind = d.kind as ParamKind;
  } else if (d.options !== undefined) kind = 'select';
  else if (typeof d.value === 'boolean') kind = 'toggle';
  else if (d.min !== undefined && d.max !== undefined) kind = 'slider';
  else if (typeof d.value === 'number') kind = 'number';
  else {
    err(`needs a \`kind\` (one of ${PARAM_KINDS.join(', ')}).`);
    return null;
  }

  const num = (key: 'min' | 'max' | 'step'): NumOrRef | undefined => {
    const v = d[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    const r = refName(v);
    if (r) return { ref: r };
    err(`\`${key}\` must be a number or a $param reference; \`${String(v)}\` is ignored.`);
    return undefined;
  };
  const spec: ParamSpec = { kind, log: false, value: 0 };
  if (d.label !== undefined) {
    if (typeof d.label === 'string' || typeof d.label === 'number') spec.label = String(d.label);
    else warn('`label` should be text; it is ignored.');
  }
  if (kind === 'slider' || kind === 'number' || kind === 'token') {
    spec.min = num('min');
    spec.max = num('max');
    spec.step = num('step');
    if (kind === 'token') {
      if (spec.min === undefined) spec.min = 0;
      spec.step = 1;
    }
    if (kind === 'slider' && (spec.min === undefined || spec.max === undefined)) {
      err('a slider needs both `min` and `max`.');
      return null;
    }
    if (typeof spec.min === 'number' && typeof spec.max === 'number' && spec.min > spec.max) {
      err(`\`min\` (${spec.min}) is larger than \`max\` (${spec.max}).`);
      return null;
    }
    if (typeof spec.step === 'number' && !(spec.step > 0)) {
      warn(`\`step\` must be positive; ${spec.step} is ignored.`);
      spec.step = undefined;
    }
    if (d.log !== undefined) {
      if (typeof d.log !== 'boolean') warn('`log` should be true or false; it is ignored.');
      else if (d.log && kind !== 'slider') warn('`log` applies to sliders only; it is ignored.');
      else if (d.log && typeof spec.min === 'number' && spec.min <= 0) warn('a log slider needs `min` > 0; `log` is ignored.');
      else spec.log = d.log;
    }
  } else {
    for (const k of ['min', 'max', 'step', 'log'] as const) if (d[k] !== undefined) warn(`\`${k}\` does not apply to a ${kind}; it is ignored.`);
  }
  if (kind === 'select' || kind === 'image') {
    if (d.options !== undefined) spec.options = readOptions(d.options, err);
    if (kind === 'select' && (!spec.options || spec.options.length === 0)) {
      err('a select needs a non-empty `options` list.');
      return null;
    }
  } else if (d.options !== undefined) warn(`\`options\` does not apply to a ${kind}; it is ignored.`);

  // the default value: a missing one takes the kind's natural default
  let value: unknown = d.value;
  if (value === undefined || value === null) {
    if (kind === 'toggle') value = false;
    else if (kind === 'select') value = spec.options![0].value;
    else if (kind === 'image') value = spec.options?.[0]?.value ?? 'default';
    else value = typeof spec.min === 'number' ? spec.min : 0;
  }
  // bounds that reference other params are only known at run time: checkParamValue skips them
  const checked = checkParamValue(spec, value);
  if ('error' in checked) {
    err(`the default \`value\` ${checked.error}`);
    return null;
  }
  if (checked.note) warn(`the default \`value\` ${checked.note}`);
  spec.value = checked.value;
  return spec;
}

function readOptions(v: unknown, err: (m: string) => void): SelectOption[] {
  if (!Array.isArray(v)) {
    err('`options` must be a list.');
    return [];
  }
  const out: SelectOption[] = [];
  for (const o of v) {
    if (typeof o === 'string' || typeof o === 'number' || typeof o === 'boolean') out.push({ value: o, label: String(o) });
    else if (o && typeof o === 'object' && !Array.isArray(o)) {
      const r = o as Record<string, unknown>;
      const val = r.value;
      if (typeof val === 'string' || typeof val === 'number' || typeof val === 'boolean') {
        out.push({ value: val, label: typeof r.label === 'string' ? r.label : String(val) });
      } else err('each option needs a `value` (text, number or true/false).');
    } else err('each option must be a value or `{ value, label }`.');
  }
  const seen = new Set<string>();
  return out.filter((o) => {
    const k = typeof o.value + ':' + String(o.value);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

// ---------------------------------------------------------------- ids

function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 48) || 'cell';
}

/** The deterministic id a cell gets from parsing (before uniquifying). */
export function baseId(c: Cell, proseIndex: number): string {
  if (c.type === 'param') return `param-${slug(c.name || 'unnamed')}`;
  if (c.type === 'view') return `view-${slug(c.name ?? (c.viewKind || 'unknown'))}`;
  if (c.type === 'code') return `code-${slug(c.name || 'js')}`;
  return `prose-${proseIndex}`;
}

/**
 * `base`, or `base-2`, `base-3`, … whichever is free in `used` (then marked used). `next` remembers
 * where each base's search stopped, so n cells with one name cost O(n), not O(n²).
 */
export function uniqueId(base: string, used: Set<string>, next?: Map<string, number>): string {
  let id = base;
  let k = next?.get(base) ?? 2;
  if (used.has(id)) for (id = `${base}-${k}`; used.has(id); k++) id = `${base}-${k + 1}`;
  next?.set(base, k);
  used.add(id);
  return id;
}

function assignIds(cells: Cell[]): void {
  const used = new Set<string>();
  const next = new Map<string, number>();
  let prose = 0;
  for (const c of cells) c.id = uniqueId(baseId(c, c.type === 'prose' ? ++prose : 0), used, next);
}

/**
 * The same notebook with other cell ids (edit.ts carries ids across a re-parse). `ids[i]`
 * undefined → a fresh id. Cells and errors are copied, never mutated.
 */
export function withIds(nb: Notebook, ids: ReadonlyArray<string | undefined>): Notebook {
  const used = new Set<string>();
  const next = new Map<string, number>();
  for (const id of ids) if (id) used.add(id);
  let prose = 0;
  const cells = nb.cells.map((c, i) => {
    const pi = c.type === 'prose' ? ++prose : 0;
    const id = ids[i] ?? uniqueId(baseId(c, pi), used, next);
    return { ...c, id, errors: c.errors.map((e) => ({ ...e, cellId: id })) } as Cell;
  });
  const headErrors = nb.errors.filter((e) => e.cellId === undefined);
  const errors = [...headErrors, ...cells.flatMap((c) => c.errors)].sort((a, b) => a.line - b.line);
  return { ...nb, cells, errors };
}

// ---------------------------------------------------------------- serialise

export function serializeNotebook(nb: Notebook): string {
  let s = nb.head;
  for (const c of nb.cells) s += c.raw;
  return s;
}

/**
 * The raw text of a param/view cell with a new body: the original fence lines are kept, unless
 * the body itself contains a line that would close them (then the fence grows by one).
 * `trail` (blank lines after the cell) is appended as given.
 */
export function renderFencedCell(fence: Fence, body: string, eol: string, trail = ''): string {
  const bodyLines = splitLines(body).map((l) => l.text);
  let { open, close, size } = fence;
  const closes = (t: string) => isFenceClose(t, { char: fence.char, size });
  if (bodyLines.some(closes) || close === null) {
    // grow until no body line closes the fence, and write fresh fence lines
    while (bodyLines.some((t) => isFenceClose(t, { char: fence.char, size }))) size++;
    const marker = fence.char.repeat(size);
    const info = fence.char === '`' ? fence.info.replace(/`/g, '') : fence.info;
    open = `${marker}${info}`;
    close = marker;
  }
  const out = [open, ...bodyLines, close].join(eol) + eol;
  return out + trail;
}

export type NewCell =
  | { type: 'prose'; text: string }
  | { type: 'param'; name: string; body: string }
  | { type: 'view'; kind: string; name?: string; body: string }
  | { type: 'code'; name: string; body: string };

/** The raw text of a new cell (ending with a blank line so the next block stays separate). */
export function newCellRaw(c: NewCell, eol: string): string {
  if (c.type === 'prose') {
    const t = c.text.replace(/\r\n|\r|\n/g, eol);
    return endWithBlankLine(t, eol);
  }
  const info = c.type === 'param' ? `param ${c.name}` : c.type === 'code' ? `js ${c.name}` : `view ${c.kind}${c.name ? ' ' + c.name : ''}`;
  const fence: Fence = { open: '```' + info, close: '```', char: '`', size: 3, indent: 0, info };
  return renderFencedCell(fence, c.body, eol, eol);
}

/** Ensure `raw` ends with a line ending followed by a blank line. */
export function endWithBlankLine(raw: string, eol: string): string {
  if (raw === '') return '';
  const lines = splitLines(raw);
  const last = lines[lines.length - 1];
  if (last.end === '') return raw + eol + eol;
  if (lines.length >= 2 && isBlank(last.text)) return raw;
  return raw + eol;
}

/** Ensure `raw` ends with a line ending. */
export function endWithEol(raw: string, eol: string): string {
  return raw === '' || /(\r\n|\n|\r)$/.test(raw) ? raw : raw + eol;
}

// ---------------------------------------------------------------- queries

export const paramCells = (nb: Notebook): ParamCell[] => nb.cells.filter((c): c is ParamCell => c.type === 'param');
export const viewCells = (nb: Notebook): ViewCell[] => nb.cells.filter((c): c is ViewCell => c.type === 'view');

/** The params the runtime uses: first definition of each name, with a readable spec. */
export function usableParams(nb: Notebook): ParamCell[] {
  return paramCells(nb).filter((c) => c.spec !== null && !c.duplicate && c.name !== '');
}
