/**
 * Pure edit operations on a notebook document, and an undo/redo stack. Documents are immutable:
 * every operation returns a new Notebook (unchanged cells are shared) and never throws.
 *
 * After an edit the text is re-parsed, so the document always equals parseNotebook(serialize(doc));
 * only the edited blocks get new raw text (plus a line ending where two blocks would otherwise
 * run together), every other block keeps its bytes. Cell ids survive edits.
 *
 * API (documents)
 *   cellSource(cell) → the text an editor shows: the YAML body of a param/view, the Markdown of prose
 *                       (with '\n' line endings and without the blank lines after it).
 *   setCellSource(doc, id, source)   replace that text (the fence lines and blank lines stay).
 *   setCellRaw(doc, id, raw)         replace the whole block, fences included (may rename or split it).
 *   insertCell(doc, index, newCell) → { doc, id }   index 0…cells.length; `id`: the cell now holding
 *                                    the new text. Prose next to prose is one block in Markdown, so
 *                                    new prose inserted beside prose joins it (and so do two prose
 *                                    blocks that a move or delete brings together).
 *   moveCell(doc, id, toIndex) / deleteCell(doc, id)
 *   setParamDefault(doc, name, value) write a param's `value:` (comments in the body are kept).
 *   setMeta(doc, { title, description, image, model })  front matter (undefined removes a key).
 * API (undo)
 *   createEditState(doc) → EditState; applyEdit(state, op, { coalesce? }) → EditState
 *     `coalesce`: consecutive edits with the same key (e.g. `type:${cellId}` while typing) share
 *     one undo step. A rejected edit leaves the document as it was and sets `state.error`.
 *   undo(state) / redo(state) / canUndo(state) / canRedo(state)
 */
import { parseDocument } from 'yaml';
import {
  endWithBlankLine,
  endWithEol,
  newCellRaw,
  parseNotebook,
  renderFencedCell,
  splitLines,
  withIds,
  notebookLimitError,
  type Cell,
  type NewCell,
  type Notebook,
  type ParamValue,
} from './format';

export const MAX_UNDO = 200;

interface Block {
  raw: string;
  id?: string;
}

const toEol = (s: string, eol: string) => s.replace(/\r\n|\r|\n/g, eol);
const blankLine = /^[ \t]*$/;

/** Split a block into its content (last content line without its ending) and the trailing rest. */
function splitTrail(raw: string): { content: string; trail: string } {
  const ls = splitLines(raw);
  let k = ls.length - 1;
  while (k >= 0 && blankLine.test(ls[k].text)) k--;
  if (k < 0) return { content: '', trail: raw };
  const content = ls.slice(0, k + 1).map((l, i) => (i === k ? l.text : l.text + l.end)).join('');
  return { content, trail: raw.slice(content.length) };
}

export function cellSource(cell: Cell): string {
  if (cell.type === 'prose') return toEol(splitTrail(cell.raw).content, '\n');
  return toEol(cell.body, '\n');
}

/** Why the last rebuild was refused (read by applyEdit for its message). */
let lastRefusal: string | null = null;

/**
 * Re-parse the document made of `head` + blocks and carry ids over: blocks whose raw text is
 * unchanged keep their id, edited blocks keep theirs where the parse still sees one block of the
 * same type. Returns null when the result would be too large to open.
 */
function rebuild(doc: Notebook, head: string, blocks: Block[]): Notebook | null {
  const text = head + blocks.map((b) => b.raw).join('');
  // a limit of the format (size, lines, cells): the edit is refused, and applyEdit says which
  lastRefusal = notebookLimitError(text);
  if (lastRefusal) return null;
  const parsed = parseNotebook(text);
  if (parsed.tooLarge) return null;
  const cells = parsed.cells;
  const ids: (string | undefined)[] = new Array(cells.length).fill(undefined);
  let a = 0;
  while (a < cells.length && a < blocks.length && cells[a].raw === blocks[a].raw) {
    ids[a] = blocks[a].id;
    a++;
  }
  let b = 0;
  while (
    b < cells.length - a &&
    b < blocks.length - a &&
    cells[cells.length - 1 - b].raw === blocks[blocks.length - 1 - b].raw
  ) {
    ids[cells.length - 1 - b] = blocks[blocks.length - 1 - b].id;
    b++;
  }
  // the changed middle: ids in order, where the type still matches
  const oldType = new Map(doc.cells.map((c) => [c.id, c.type]));
  const middle = blocks.slice(a, blocks.length - b).filter((x) => x.id);
  let m = 0;
  for (let i = a; i < cells.length - b && m < middle.length; i++) {
    if (oldType.get(middle[m].id!) === cells[i].type || oldType.get(middle[m].id!) === undefined) ids[i] = middle[m++].id;
  }
  // an id may appear only once (the prefix/suffix scan cannot repeat one, the middle pass could)
  const seen = new Set<string>();
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id && seen.has(id)) ids[i] = undefined;
    else if (id) seen.add(id);
  }
  return withIds(parsed, ids);
}

const blocksOf = (doc: Notebook): Block[] => doc.cells.map((c) => ({ raw: c.raw, id: c.id }));

/**
 * Where a block got a new successor, make sure the two stay separate Markdown blocks
 * (the earlier one ends with a blank line); blocks whose neighbours did not change are untouched.
 */
function separate(doc: Notebook, head: string, blocks: Block[]): { head: string; blocks: Block[] } {
  const nextBefore = new Map<string, string | null>();
  doc.cells.forEach((c, i) => nextBefore.set(c.id, doc.cells[i + 1]?.id ?? null));
  const out = blocks.map((b, i) => {
    if (i === blocks.length - 1) return b;
    const next = blocks[i + 1].id ?? null;
    if (b.id && nextBefore.get(b.id) === next && next !== null) return b;
    return { ...b, raw: endWithBlankLine(b.raw, doc.eol) };
  });
  const firstChanged = blocks.length > 0 && (blocks[0].id === undefined || blocks[0].id !== doc.cells[0]?.id);
  const bare = head.replace(/^\uFEFF/, '');
  const h = firstChanged && bare !== '' && blocks.length > 0 ? endWithEol(head, doc.eol) : head;
  return { head: h, blocks: out };
}

function indexOf(doc: Notebook, id: string): number {
  return doc.cells.findIndex((c) => c.id === id);
}

export function setCellRaw(doc: Notebook, id: string, raw: string): Notebook {
  const i = indexOf(doc, id);
  if (i < 0) return doc;
  const blocks = blocksOf(doc);
  let r = toEol(String(raw), doc.eol);
  if (i < blocks.length - 1) r = endWithBlankLine(r, doc.eol);
  if (r === blocks[i].raw) return doc;
  blocks[i] = { raw: r, id };
  return rebuild(doc, doc.head, blocks) ?? doc;
}

export function setCellSource(doc: Notebook, id: string, source: string): Notebook {
  const i = indexOf(doc, id);
  if (i < 0) return doc;
  const cell = doc.cells[i];
  const src = toEol(String(source), doc.eol);
  let raw: string;
  if (cell.type === 'prose') {
    const { trail } = splitTrail(cell.raw);
    raw = src.replace(/(\r\n|\n|\r)+$/, '') + trail;
  } else {
    const trail = cell.fence.close === null ? '' : splitTrail(cell.raw).trail.replace(/^(\r\n|\n|\r)/, '');
    raw = renderFencedCell(cell.fence, src, doc.eol, trail);
  }
  if (i < doc.cells.length - 1) raw = endWithBlankLine(raw, doc.eol);
  if (raw === cell.raw) return doc;
  const blocks = blocksOf(doc);
  blocks[i] = { raw, id };
  return rebuild(doc, doc.head, blocks) ?? doc;
}

export function insertCell(doc: Notebook, index: number, cell: NewCell): { doc: Notebook; id: string | null } {
  const at = Math.max(0, Math.min(doc.cells.length, Math.floor(Number.isFinite(index) ? index : doc.cells.length)));
  // an empty prose block would vanish into the blank lines around it: give it a line to edit
  const c: NewCell = cell.type === 'prose' && cell.text.trim() === '' ? { type: 'prose', text: 'New text.' } : cell;
  const blocks = blocksOf(doc);
  blocks.splice(at, 0, { raw: newCellRaw(c, doc.eol) });
  const s = separate(doc, doc.head, blocks);
  const next = rebuild(doc, s.head, s.blocks);
  if (!next) return { doc, id: null };
  // the cell holding the new text: a fresh one, or (prose next to prose is one block) the prose it joined
  let offset = s.head.length;
  for (let i = 0; i < at; i++) offset += s.blocks[i].raw.length;
  let pos = next.head.length;
  for (const x of next.cells) {
    if (offset < pos + x.raw.length) return { doc: next, id: x.id };
    pos += x.raw.length;
  }
  return { doc: next, id: next.cells.at(-1)?.id ?? null };
}

export function moveCell(doc: Notebook, id: string, to: number): Notebook {
  const from = indexOf(doc, id);
  if (from < 0 || !Number.isFinite(to)) return doc;
  const dest = Math.max(0, Math.min(doc.cells.length - 1, Math.floor(to)));
  if (dest === from) return doc;
  const blocks = blocksOf(doc);
  const [b] = blocks.splice(from, 1);
  blocks.splice(dest, 0, b);
  const s = separate(doc, doc.head, blocks);
  return rebuild(doc, s.head, s.blocks) ?? doc;
}

export function deleteCell(doc: Notebook, id: string): Notebook {
  const i = indexOf(doc, id);
  if (i < 0) return doc;
  const blocks = blocksOf(doc);
  blocks.splice(i, 1);
  const s = separate(doc, doc.head, blocks);
  return rebuild(doc, s.head, s.blocks) ?? doc;
}

export function setParamDefault(doc: Notebook, name: string, value: ParamValue): Notebook {
  const cell = doc.cells.find((c) => c.type === 'param' && c.name === name && !c.duplicate);
  if (!cell || cell.type !== 'param' || cell.spec === null) return doc;
  try {
    const y = parseDocument(toEol(cell.body, '\n'));
    if (y.errors.length) return doc;
    y.set('value', value);
    return setCellSource(doc, cell.id, y.toString({ lineWidth: 0 }));
  } catch {
    return doc;
  }
}

export interface MetaPatch {
  title?: string;
  description?: string;
  image?: string;
  model?: string;
}

export function setMeta(doc: Notebook, patch: MetaPatch): Notebook {
  try {
    const bom = doc.head.startsWith('\uFEFF') ? '\uFEFF' : '';
    const eol = doc.eol;
    let head: string;
    if (doc.frontMatter === null) {
      const y = parseDocument('');
      for (const [k, v] of Object.entries(patch)) if (v !== undefined) y.set(k, v);
      if (Object.values(patch).every((v) => v === undefined)) return doc;
      const fm = toEol(y.toString({ lineWidth: 0 }), eol);
      const rest = doc.head.slice(bom.length);
      head = `${bom}---${eol}${fm}---${eol}${eol}${rest}`;
    } else {
      const y = parseDocument(toEol(doc.frontMatter, '\n'));
      if (y.errors.length) return doc;
      for (const [k, v] of Object.entries(patch)) {
        if (v === undefined) y.delete(k);
        else y.set(k, v);
      }
      const fm = toEol(y.toString({ lineWidth: 0 }), eol);
      const hl = splitLines(doc.head.slice(bom.length));
      const closeAt = 1 + splitLines(doc.frontMatter).length;
      const open = hl[0].text + hl[0].end;
      const close = hl[closeAt].text + (hl[closeAt].end || (doc.cells.length ? eol : ''));
      const after = hl.slice(closeAt + 1).map((l) => l.text + l.end).join('');
      head = bom + open + fm + close + after;
    }
    if (head === doc.head) return doc;
    return rebuild(doc, head, blocksOf(doc)) ?? doc;
  } catch {
    return doc;
  }
}

// ---------------------------------------------------------------- undo stack

export type EditOp =
  | { type: 'setSource'; id: string; source: string }
  | { type: 'setRaw'; id: string; raw: string }
  | { type: 'insert'; index: number; cell: NewCell }
  | { type: 'move'; id: string; to: number }
  | { type: 'delete'; id: string }
  | { type: 'setParamDefault'; name: string; value: ParamValue }
  | { type: 'setMeta'; patch: MetaPatch };

export interface EditState {
  doc: Notebook;
  /** earlier documents, oldest first */
  past: Notebook[];
  /** undone documents, the next redo last */
  future: Notebook[];
  /** key of the last coalescing edit */
  coalesce: string | null;
  /** id of the cell the last insert created */
  lastInsertedId: string | null;
  /** why the last edit was not applied, if it was not */
  error: string | null;
}

export function createEditState(doc: Notebook): EditState {
  return { doc, past: [], future: [], coalesce: null, lastInsertedId: null, error: null };
}

function run(doc: Notebook, op: EditOp): { doc: Notebook; id?: string | null } {
  switch (op.type) {
    case 'setSource':
      return { doc: setCellSource(doc, op.id, op.source) };
    case 'setRaw':
      return { doc: setCellRaw(doc, op.id, op.raw) };
    case 'insert':
      return insertCell(doc, op.index, op.cell);
    case 'move':
      return { doc: moveCell(doc, op.id, op.to) };
    case 'delete':
      return { doc: deleteCell(doc, op.id) };
    case 'setParamDefault':
      return { doc: setParamDefault(doc, op.name, op.value) };
    case 'setMeta':
      return { doc: setMeta(doc, op.patch) };
    default:
      return { doc };
  }
}

export function applyEdit(state: EditState, op: EditOp, opts: { coalesce?: string } = {}): EditState {
  let r: { doc: Notebook; id?: string | null };
  lastRefusal = null;
  try {
    r = run(state.doc, op);
  } catch {
    r = { doc: state.doc };
  }
  if (r.doc === state.doc) {
    const known = op.type === 'insert' || op.type === 'setMeta' || op.type === 'setParamDefault' || state.doc.cells.some((c) => c.id === op.id);
    const refusal = lastRefusal as string | null; // set by rebuild during run()
    const why = refusal
      ? `The edit was not applied: ${refusal.replace(/^This notebook/, 'the notebook').replace(/ to open/, '').replace(/ Nothing was run; the file is kept unchanged\.$/, '')}`
      : known
        ? 'The edit changed nothing.'
        : 'That cell no longer exists.';
    return { ...state, error: why };
  }
  const join = opts.coalesce !== undefined && opts.coalesce === state.coalesce && state.past.length > 0;
  const past = join ? state.past : [...state.past, state.doc].slice(-MAX_UNDO);
  return {
    doc: r.doc,
    past,
    future: [],
    coalesce: opts.coalesce ?? null,
    lastInsertedId: op.type === 'insert' ? (r.id ?? null) : state.lastInsertedId,
    error: null,
  };
}

export const canUndo = (s: EditState) => s.past.length > 0;
export const canRedo = (s: EditState) => s.future.length > 0;

export function undo(s: EditState): EditState {
  if (!canUndo(s)) return s;
  const doc = s.past[s.past.length - 1];
  return { ...s, doc, past: s.past.slice(0, -1), future: [...s.future, s.doc], coalesce: null, error: null };
}

export function redo(s: EditState): EditState {
  if (!canRedo(s)) return s;
  const doc = s.future[s.future.length - 1];
  return { ...s, doc, past: [...s.past, s.doc], future: s.future.slice(0, -1), coalesce: null, error: null };
}
