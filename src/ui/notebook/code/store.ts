/**
 * Code cells' state on the page: whether this notebook's code may run (trust), each cell's last
 * outcome, and when to run what. It watches the notebook store (no changes needed there):
 *   - a notebook is opened → trusted when it is a shipped notebook as shipped, when it has no code,
 *     or when its SHA-256 is one this browser agreed to; otherwise `pending` until the user says;
 *   - params or the document change → `sync()`: every runnable cell, in dependency order, re-runs
 *     when its compiled source or one of its inputs (`$param` values, upstream results) changed —
 *     exactly the dependents of what moved. Runs are sequential in one worker (host.ts); a newer
 *     sync supersedes an older one between cells.
 */
import { create } from 'zustand';
import { serializeNotebook, type CodeCell, type Notebook } from '../../../notebook';
import { buildCodeGraph, cellArgs, type CodeGraph } from '../../../notebook/code/graph';
import { CodeHost, type CellOutcome, type WorkerLike } from '../../../notebook/code/host';
import type { CellError } from '../../../notebook/code/protocol';
import { useGpu } from '../../../state/gpu';
import { useClassify } from '../../classify/store';
import { resolveChoice } from '../../../models/load';
import { useNotebook } from '../store';
import { DEFAULT_PHOTO, loadPhoto } from '../photos';
import { createEngine } from './engine';
import { contentHash, isTrustedHash, rememberTrusted } from './trust';

export type Trust = 'trusted' | 'pending' | 'declined';

export interface CodeRun {
  status: 'waiting' | 'running' | 'done' | 'error';
  value?: unknown;
  error?: CellError;
  logs: string[];
  ms?: number;
  bytes?: number;
  /** how many times the cell has run (tests check that only dependents re-run) */
  count: number;
}

export interface CodeState {
  trust: Trust;
  graph: CodeGraph | null;
  runs: Record<string, CodeRun>;
  restarts: number;
  allow(): void;
  decline(): void;
  /** run one cell again (and what depends on it) */
  rerun(id: string): void;
}

const SYNC_DELAY_MS = 120;

let host: CodeHost | null = null;
function theHost(): CodeHost {
  if (!host) {
    const engine = createEngine({
      ctx: () => useGpu.getState().ctx,
      photo: async () => {
        const name = useNotebook.getState().graph.notebook.meta.image ?? DEFAULT_PHOTO;
        return { name, rgb: await loadPhoto(name) };
      },
      model: () => {
        const l = useClassify.getState().loaded;
        const choice = l ? resolveChoice(l.info.id) : null;
        return l && choice ? { choice, params: l.params, source: l.source } : null;
      },
    });
    host = new CodeHost(() => new Worker(new URL('../../../notebook/code/code-worker.ts', import.meta.url), { type: 'module', name: 'code-cells' }) as unknown as WorkerLike, engine);
  }
  return host;
}

/** Results by cell id (plain data from the worker) and the inputs each was computed from. */
const results = new Map<string, unknown>();
const inputsOf = new Map<string, { source: string; args: unknown[] }>();
let generation = 0;
let timer: ReturnType<typeof setTimeout> | null = null;

const codeCells = (nb: Notebook) => nb.cells.filter((c): c is CodeCell => c.type === 'code');
const gpuSettled = () =>
  useGpu.getState().status !== 'pending'
    ? Promise.resolve()
    : new Promise<void>((resolve) => {
        const off = useGpu.subscribe((s) => {
          if (s.status !== 'pending') {
            off();
            resolve();
          }
        });
      });

export const useCode = create<CodeState>((set, get) => {
  const patch = (id: string, p: Partial<CodeRun>) => {
    const cur = get().runs[id] ?? { status: 'waiting', logs: [], count: 0 };
    set({ runs: { ...get().runs, [id]: { ...cur, ...p } } });
  };

  const sync = async () => {
    const my = ++generation;
    const g = get().graph;
    if (!g || get().trust !== 'trusted') return;
    await gpuSettled();
    for (const id of g.order) {
      if (my !== generation) return;
      const cell = g.cells.find((c) => c.id === id)!;
      const a = cellArgs(g, id, useNotebook.getState().values, results);
      if ('missing' in a) {
        // an upstream cell failed: say so instead of keeping a result computed from older inputs
        inputsOf.delete(id);
        results.delete(id);
        if (get().runs[id]?.status !== 'error' || get().runs[id]?.error?.kind !== 'upstream') {
          patch(id, { status: 'error', value: undefined, logs: [], error: { kind: 'upstream', message: `Not run: ${a.missing.map((m) => '$' + m).join(', ')} has no result (see the error there).` } });
        }
        continue;
      }
      const prev = inputsOf.get(id);
      if (prev && prev.source === cell.compiled && prev.args.length === a.values.length && prev.args.every((v, i) => v === a.values[i])) continue;
      inputsOf.set(id, { source: cell.compiled!, args: a.values });
      results.delete(id);
      patch(id, { status: 'running' });
      const out: CellOutcome = await theHost().run({ source: cell.compiled!, argNames: a.names, args: a.values, line0: cell.line + 1 });
      const count = (get().runs[id]?.count ?? 0) + 1;
      if (out.ok) {
        results.set(id, out.value);
        patch(id, { status: 'done', value: out.value, error: undefined, logs: out.logs, ms: out.ms, bytes: out.bytes, count });
      } else patch(id, { status: 'error', value: undefined, error: out.error, logs: out.logs, ms: out.ms, count });
      set({ restarts: theHost().restarts });
    }
  };

  const schedule = (delay = SYNC_DELAY_MS) => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void sync(), delay);
  };

  /** A (re)built document: new graph, forget cells that are gone, drop results of blocked cells. */
  const adopt = (nb: Notebook, params: ReadonlyMap<string, unknown>) => {
    const g = buildCodeGraph(nb, params);
    const ids = new Set(g.cells.map((c) => c.id));
    for (const id of [...results.keys()]) if (!ids.has(id) || g.blocked.has(id)) results.delete(id);
    for (const id of [...inputsOf.keys()]) if (!ids.has(id) || g.blocked.has(id)) inputsOf.delete(id);
    const runs: Record<string, CodeRun> = {};
    for (const c of g.cells) if (get().runs[c.id] && !g.blocked.has(c.id)) runs[c.id] = get().runs[c.id];
    set({ graph: g, runs });
    if (get().trust === 'trusted') schedule(0);
  };

  /** Trust decided at open: shipped as shipped, no code at all, or a hash agreed to before. */
  const decideTrust = async (nb: Notebook, shippedText: string | null) => {
    const text = serializeNotebook(nb);
    if (codeCells(nb).length === 0 || (shippedText !== null && text === shippedText)) return 'trusted';
    return isTrustedHash(await contentHash(text)) ? 'trusted' : 'pending';
  };

  let openSeq = 0;
  useNotebook.subscribe((s, prev) => {
    if (s.ed === prev.ed && s.values === prev.values) return;
    const opened = s.ed !== prev.ed && s.ed.past.length === 0 && s.ed.future.length === 0;
    if (opened) {
      const seq = ++openSeq;
      results.clear();
      inputsOf.clear();
      generation++;
      set({ trust: 'pending', runs: {}, graph: null });
      void decideTrust(s.ed.doc, s.shippedText).then((trust) => {
        if (seq !== openSeq) return;
        set({ trust });
        adopt(s.ed.doc, useNotebook.getState().graph.params);
      });
      return;
    }
    if (s.ed !== prev.ed) {
      adopt(s.ed.doc, s.graph.params);
      // the user's own edits of a notebook whose code runs stay trusted when it is reopened
      if (get().trust === 'trusted' && codeCells(s.ed.doc).length) void contentHash(serializeNotebook(s.ed.doc)).then(rememberTrusted);
    } else if (get().trust === 'trusted') schedule();
  });

  return {
    trust: 'pending',
    graph: null,
    runs: {},
    restarts: 0,
    allow() {
      const nb = useNotebook.getState().ed.doc;
      set({ trust: 'trusted' });
      void contentHash(serializeNotebook(nb)).then(rememberTrusted);
      schedule(0);
    },
    decline() {
      set({ trust: 'declined' });
    },
    rerun(id) {
      const g = get().graph;
      if (!g || get().trust !== 'trusted') return;
      inputsOf.delete(id);
      schedule(0);
    },
  };
});
