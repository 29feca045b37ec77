/**
 * The open notebook: its document (with undo), the dependency graph, the param values, and which
 * views should run with which values. Views do the running themselves (they are React components
 * that watch their `runs` entry); this store only decides WHEN, through the notebook runtime:
 *   - a param changes: change() → its `cheap` views get the new values at once (live while
 *     dragging); its `expensive` views are collected and run on release (debounced, so a held
 *     arrow key does not queue a benchmark per step);
 *   - the document is edited: the graph is rebuilt, values re-normalised, every view gets the new
 *     values (cheap views re-run only if their resolved config actually changed);
 *   - "run" on a cell bumps its nonce (expensive views run only when their nonce moves).
 * Side effects: the URL hash carries the values (history.replaceState), edits autosave to
 * localStorage.
 */
import { create } from 'zustand';
import {
  applyEdit,
  buildGraph,
  canRedo,
  canUndo,
  change,
  createEditState,
  decodeLinkState,
  encodeLinkState,
  normalizeValues,
  parseNotebook,
  planAll,
  redo,
  serializeNotebook,
  undo,
  type EditOp,
  type EditState,
  type NotebookGraph,
  type ParamValues,
} from '../../notebook';
import { replaceHash } from '../route';
import { removeSaved, saveNotebook } from './storage';
import { suspiciousContent } from './open-file';

export interface Notice {
  id: number;
  kind: 'info' | 'note' | 'warning' | 'error';
  text: string;
  /** notices of one kind of source replace each other (e.g. 'link') */
  source?: string;
}

export interface ViewRun {
  values: ParamValues;
  /** moves when the view must run even if its config did not change; expensive views run only on a move */
  nonce: number;
}

export interface OpenOptions {
  /** the shipped text, when this notebook ships with the app ("revert" goes back to it) */
  shippedText: string | null;
  /** how it was opened, for the notices */
  origin: 'shipped' | 'saved' | 'file';
  /** the URL hash to read values from */
  hash: string;
  notices?: Array<Omit<Notice, 'id'>>;
  fileName?: string;
}

export interface NotebookState {
  name: string | null;
  shippedText: string | null;
  fileName?: string;
  ed: EditState;
  graph: NotebookGraph;
  values: ParamValues;
  runs: Record<string, ViewRun>;
  notices: Notice[];
  /** last adjustment or refusal per param, shown under its control */
  paramNotes: Record<string, string>;
  selected: string | null;
  editing: string | null;
  /** the textarea's text while a cell is being edited (committed on run / Esc / blur) */
  draft: string;
  saveError: string | null;
  open(name: string, text: string, opts: OpenOptions): void;
  applyHash(hash: string): void;
  setParam(name: string, value: unknown, final: boolean): void;
  edit(op: EditOp, coalesce?: string): boolean;
  undo(): void;
  redo(): void;
  runCell(id: string): void;
  select(id: string | null): void;
  startEdit(id: string, draft: string): void;
  setDraft(text: string): void;
  commitEdit(): void;
  cancelEdit(): void;
  revert(): void;
  notify(n: Omit<Notice, 'id'>): void;
  dismiss(id: number): void;
}

let noticeId = 0;
let expensiveTimer: ReturnType<typeof setTimeout> | null = null;
let pendingExpensive = new Set<string>();
let saveTimer: ReturnType<typeof setTimeout> | null = null;
let hashTimer: ReturnType<typeof setTimeout> | null = null;

const EXPENSIVE_DELAY_MS = 400;

const emptyGraph = buildGraph(parseNotebook(''));

function withNotices(list: Notice[], add: Array<Omit<Notice, 'id'>>): Notice[] {
  let out = list;
  for (const n of add) {
    if (n.source) out = out.filter((x) => x.source !== n.source);
    out = [...out, { ...n, id: ++noticeId }];
  }
  return out;
}

/** Notices every freshly opened document gets: file-level problems and suspicious content. */
function documentNotices(g: NotebookGraph): Array<Omit<Notice, 'id'>> {
  const nb = g.notebook;
  const out: Array<Omit<Notice, 'id'>> = [];
  for (const e of nb.errors) {
    if (e.cellId === undefined) out.push({ kind: e.severity === 'error' ? 'error' : 'warning', text: `Line ${e.line}: ${e.message}`, source: 'doc' });
  }
  const cellProblems = nb.errors.filter((e) => e.cellId !== undefined).length + g.issues.length;
  if (cellProblems > 0) {
    out.push({ kind: 'warning', text: `This notebook has ${cellProblems} problem${cellProblems === 1 ? '' : 's'}; each is shown at its cell. Everything else works.`, source: 'doc-count' });
  }
  const bad = suspiciousContent(nb);
  if (bad.length) {
    out.push({
      kind: 'warning',
      text: `This notebook contains ${bad.join(', ')}. Notebooks never run HTML or scripts: such content is shown as plain text and unsafe links are removed.`,
      source: 'suspicious',
    });
  }
  return out;
}

export const useNotebook = create<NotebookState>((set, get) => {
  /** Schedule autosave of the current document (nothing is stored while it equals the shipped text). */
  const scheduleSave = () => {
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = setTimeout(() => {
      const s = get();
      if (!s.name) return;
      const text = serializeNotebook(s.ed.doc);
      if (s.shippedText !== null && text === s.shippedText) {
        removeSaved(s.name);
        set({ saveError: null });
        return;
      }
      set({ saveError: saveNotebook(s.name, { text, savedAt: Date.now(), origin: s.shippedText !== null ? 'edit' : 'file', fileName: s.fileName }) });
    }, 300);
  };

  const scheduleHash = () => {
    if (hashTimer) clearTimeout(hashTimer);
    hashTimer = setTimeout(() => {
      const s = get();
      if (s.name) replaceHash(encodeLinkState(s.name, s.values, s.graph));
    }, 150);
  };

  const flushExpensive = () => {
    expensiveTimer = null;
    const ids = pendingExpensive;
    pendingExpensive = new Set();
    if (ids.size === 0) return;
    const { runs, values } = get();
    const next = { ...runs };
    for (const id of ids) next[id] = { values, nonce: (runs[id]?.nonce ?? 0) + 1 };
    set({ runs: next });
  };

  /** A new document (edit, undo, redo): rebuild, keep values where they still fit, refresh views. */
  const adopt = (ed: EditState) => {
    const graph = buildGraph(ed.doc);
    const { values } = normalizeValues(graph, get().values);
    const runs: Record<string, ViewRun> = {};
    const old = get().runs;
    for (const v of graph.views) runs[v.id] = { values, nonce: old[v.id]?.nonce ?? 0 };
    const { selected, editing } = get();
    const ids = new Set(ed.doc.cells.map((c) => c.id));
    set({
      ed,
      graph,
      values,
      runs,
      selected: selected && ids.has(selected) ? selected : (ed.doc.cells[0]?.id ?? null),
      editing: editing && ids.has(editing) ? editing : null,
      notices: withNotices(
        get().notices.filter((n) => n.source !== 'doc' && n.source !== 'doc-count' && n.source !== 'suspicious'),
        documentNotices(graph),
      ),
    });
    scheduleSave();
    scheduleHash();
  };

  return {
    name: null,
    shippedText: null,
    ed: createEditState(parseNotebook('')),
    graph: emptyGraph,
    values: {},
    runs: {},
    notices: [],
    paramNotes: {},
    selected: null,
    editing: null,
    draft: '',
    saveError: null,

    open(name, text, opts) {
      if (expensiveTimer) clearTimeout(expensiveTimer);
      pendingExpensive = new Set();
      const doc = parseNotebook(text);
      const graph = buildGraph(doc);
      const link = decodeLinkState(opts.hash, graph);
      const plan = planAll(graph);
      const runs: Record<string, ViewRun> = {};
      // cheap views run at once; expensive ones wait for "run" or a committed change
      for (const id of plan.cheap) runs[id] = { values: link.values, nonce: 1 };
      for (const id of plan.expensive) runs[id] = { values: link.values, nonce: 0 };
      const notices: Array<Omit<Notice, 'id'>> = [...(opts.notices ?? []), ...documentNotices(graph)];
      if (link.notes.length) notices.push({ kind: 'note', text: `From the link: ${link.notes.join(' ')}`, source: 'link' });
      set({
        name,
        shippedText: opts.shippedText,
        fileName: opts.fileName,
        ed: createEditState(doc),
        graph,
        values: link.values,
        runs,
        notices: withNotices([], notices),
        paramNotes: {},
        selected: doc.cells[0]?.id ?? null,
        editing: null,
        draft: '',
        saveError: null,
      });
    },

    applyHash(hash) {
      const { graph, values, runs } = get();
      const link = decodeLinkState(hash, graph);
      const moved = Object.keys(link.values).filter((k) => link.values[k] !== values[k]);
      if (moved.length === 0 && link.notes.length === 0) return;
      const next = { ...runs };
      for (const v of graph.views) if (v.refs.some((r) => moved.includes(r))) next[v.id] = { values: link.values, nonce: (runs[v.id]?.nonce ?? 0) + (runs[v.id]?.nonce ? 1 : 0) };
      set({
        values: link.values,
        runs: next,
        notices: link.notes.length ? withNotices(get().notices, [{ kind: 'note', text: `From the link: ${link.notes.join(' ')}`, source: 'link' }]) : get().notices,
      });
    },

    setParam(name, value, final) {
      const { graph, values, runs, paramNotes } = get();
      const r = change(graph, values, name, value);
      if (r.error) {
        set({ paramNotes: { ...paramNotes, [name]: r.error } });
        return;
      }
      const notes = { ...paramNotes };
      if (r.notes.length) notes[name] = r.notes.join(' ');
      else delete notes[name];
      const next = { ...runs };
      for (const id of r.cheap) next[id] = { values: r.values, nonce: runs[id]?.nonce ?? 1 };
      for (const id of r.expensive) pendingExpensive.add(id);
      set({ values: r.values, runs: next, paramNotes: notes });
      scheduleHash();
      if (final && pendingExpensive.size > 0) {
        if (expensiveTimer) clearTimeout(expensiveTimer);
        expensiveTimer = setTimeout(flushExpensive, EXPENSIVE_DELAY_MS);
      }
    },

    edit(op, coalesce) {
      const ed = applyEdit(get().ed, op, coalesce ? { coalesce } : {});
      if (ed.doc === get().ed.doc) {
        if (ed.error) get().notify({ kind: 'warning', text: ed.error, source: 'edit' });
        return false;
      }
      adopt(ed);
      if (op.type === 'insert' && ed.lastInsertedId) set({ selected: ed.lastInsertedId });
      return true;
    },

    undo() {
      if (canUndo(get().ed)) adopt(undo(get().ed));
    },
    redo() {
      if (canRedo(get().ed)) adopt(redo(get().ed));
    },

    runCell(id) {
      const { runs, values, graph } = get();
      if (!graph.views.some((v) => v.id === id)) return;
      set({ runs: { ...runs, [id]: { values, nonce: (runs[id]?.nonce ?? 0) + 1 } } });
    },

    select(id) {
      if (get().selected !== id) set({ selected: id });
    },

    startEdit(id, draft) {
      set({ editing: id, selected: id, draft });
    },
    setDraft(text) {
      set({ draft: text });
    },
    commitEdit() {
      const { editing, draft, ed } = get();
      if (!editing) return;
      set({ editing: null });
      const cell = ed.doc.cells.find((c) => c.id === editing);
      if (!cell) return;
      const raw = draft.endsWith('\n') ? draft : draft + '\n';
      const norm = (t: string) => t.replace(/\r\n?/g, '\n').replace(/\s+$/, '');
      if (norm(raw) === norm(cell.raw)) return;
      if (draft.trim() === '') get().edit({ type: 'delete', id: editing });
      else get().edit({ type: 'setRaw', id: editing, raw });
    },
    cancelEdit() {
      set({ editing: null, draft: '' });
    },

    revert() {
      const { name, shippedText } = get();
      if (!name || shippedText === null) return;
      removeSaved(name);
      const cur = get().ed;
      // revert is itself undoable
      const ed: EditState = { ...cur, doc: parseNotebook(shippedText), past: [...cur.past, cur.doc], future: [], coalesce: null };
      adopt(ed);
      set({ notices: withNotices(get().notices.filter((n) => n.source !== 'restored'), [{ kind: 'info', text: 'Reverted to the shipped version (Undo brings your edits back).', source: 'edit' }]) });
    },

    notify(n) {
      set({ notices: withNotices(get().notices, [n]) });
    },
    dismiss(id) {
      set({ notices: get().notices.filter((n) => n.id !== id) });
    },
  };
});
