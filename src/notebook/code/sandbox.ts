/**
 * The code worker's core (no DOM, no page): compiles a cell body with `new AsyncFunction` (eval
 * is allowed in the worker only — see the README's "Code cells"), runs it with the notebook API and
 * its `$name` arguments, and posts back the result or the error with its file line. Engine calls
 * (run an op, the photo, the backbone) are posted to the page, which answers with plain data.
 *
 * The API a cell sees (also in the README):
 *   run(op, settings?, opts?)  → op run on the photo (or opts.x): panels, perToken, maps, y, macs, ms
 *   macs(op, settings?)        → MACs (papers' FLOPs) of that op config
 *   ops()                      → [{ name, title, defaults, knobs }]
 *   photo({ grid, dim }?)      → { name, size, rgb (size·size·3, 0…1), grid, dim, tokens ([grid², dim]) }
 *   model.info() / model.classify() / model.layer(index, opts?)   the loaded backbone (null / error if none)
 *   plot.line, plot.bar, table, map, text, figures(...)           figure specs (figures.ts)
 *   console.log(...)                                              lines shown under the cell
 */
import { figureHelpers } from './figures';
import type { CellError, EngineMethod, FromWorker, RunMessage, ToWorker } from './protocol';

// eslint-disable-next-line @typescript-eslint/no-empty-function
const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<unknown>;

/** The names a cell body sees besides its `$name` arguments. */
export const API_NAMES = ['run', 'macs', 'ops', 'photo', 'model', 'plot', 'table', 'map', 'text', 'figures', 'console'] as const;

/** Line and column of the first stack frame inside compiled cell code (V8 and SpiderMonkey formats). */
export function userFrame(stack: string | undefined): { line: number; column: number } | null {
  for (const l of (stack ?? '').split('\n')) {
    const m = /<anonymous>:(\d+):(\d+)\)?\s*$/.exec(l) ?? /> (?:Function|eval):(\d+):(\d+)\s*$/.exec(l);
    if (m) return { line: Number(m[1]), column: Number(m[2]) };
  }
  return null;
}

/** How many lines the engine puts before a compiled body (`async function anonymous(…\n) {\n`). */
async function headerLines(): Promise<number> {
  try {
    await new AsyncFunction('a', 'throw new Error("probe")')(0);
  } catch (e) {
    const f = userFrame((e as Error).stack);
    if (f) return f.line - 1;
  }
  return 2;
}

/** Bytes a value would take, roughly (stops counting past `cap`). */
export function estimateBytes(v: unknown, cap: number): number {
  let total = 0;
  const seen = new Set<object>();
  const stack: unknown[] = [v];
  while (stack.length && total <= cap) {
    const x = stack.pop();
    if (typeof x === 'string') total += 2 * x.length + 8;
    else if (typeof x === 'number' || typeof x === 'boolean' || typeof x === 'bigint') total += 8;
    else if (x !== null && typeof x === 'object') {
      if (seen.has(x)) continue;
      seen.add(x);
      if (ArrayBuffer.isView(x)) total += x.byteLength + 16;
      else if (x instanceof ArrayBuffer) total += x.byteLength + 16;
      else if (x instanceof Map) {
        total += 16;
        for (const [k, y] of x) stack.push(k, y);
      } else if (x instanceof Set) {
        total += 16;
        for (const y of x) stack.push(y);
      } else {
        const keys = Object.keys(x);
        total += 16 + 8 * keys.length;
        for (const k of keys) {
          total += 2 * k.length;
          stack.push((x as Record<string, unknown>)[k]);
        }
      }
    }
  }
  return total;
}

const fmtMB = (b: number) => `${(b / (1024 * 1024)).toFixed(1)} MB`;

function show(v: unknown): string {
  if (typeof v === 'string') return v;
  try {
    const s = JSON.stringify(v, (_k, x) => (ArrayBuffer.isView(x) ? `${x.constructor.name}(${(x as unknown as ArrayLike<number>).length})` : x));
    return s === undefined ? String(v) : s;
  } catch {
    return String(v);
  }
}

export interface Sandbox {
  onMessage(msg: ToWorker): void;
}

/** `post` sends to the page (the worker's own postMessage, captured before any cell runs). */
export function createSandbox(post: (m: FromWorker) => void): Sandbox {
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextCall = 0;
  const header = headerLines();

  const apiFor = (runId: number): unknown[] => {
    const call =
      (method: EngineMethod) =>
      (...args: unknown[]) =>
        new Promise((resolve, reject) => {
          const callId = ++nextCall;
          pending.set(callId, { resolve, reject });
          post({ type: 'call', runId, callId, method, args });
        });
    const api: Record<(typeof API_NAMES)[number], unknown> = {
      run: call('run'),
      macs: call('macs'),
      ops: call('ops'),
      photo: call('photo'),
      model: Object.freeze({ info: call('model.info'), classify: call('model.classify'), layer: call('model.layer') }),
      plot: figureHelpers.plot,
      table: figureHelpers.table,
      map: figureHelpers.map,
      text: figureHelpers.text,
      figures: (...f: unknown[]) => f.flat(),
      console: Object.freeze({
        log: (...a: unknown[]) => post({ type: 'log', runId, text: a.map(show).join(' ') }),
        warn: (...a: unknown[]) => post({ type: 'log', runId, text: a.map(show).join(' ') }),
        error: (...a: unknown[]) => post({ type: 'log', runId, text: a.map(show).join(' ') }),
      }),
    };
    return API_NAMES.map((n) => api[n]);
  };

  const run = async (m: RunMessage) => {
    const t0 = performance.now();
    const fail = (error: CellError) => post({ type: 'done', runId: m.runId, ok: false, error, ms: performance.now() - t0 });
    const head = await header;
    const at = (e: unknown): Pick<CellError, 'line' | 'column'> => {
      const f = userFrame((e as Error)?.stack);
      if (!f) return {};
      const bodyLine = f.line - head;
      return bodyLine >= 1 ? { line: m.line0 + bodyLine - 1, column: f.column } : {};
    };
    let fn: (...a: unknown[]) => Promise<unknown>;
    try {
      fn = new AsyncFunction(...API_NAMES, ...m.argNames, m.source);
    } catch (e) {
      fail({ kind: 'syntax', message: `${(e as Error).name}: ${(e as Error).message}` });
      return;
    }
    let value: unknown;
    try {
      value = await fn(...apiFor(m.runId), ...m.args);
    } catch (e) {
      const err = e instanceof Error ? e : new Error(show(e));
      fail({ kind: 'runtime', message: `${err.name}: ${err.message}`, ...at(err) });
      return;
    }
    const bytes = estimateBytes(value, m.maxResultBytes);
    if (bytes > m.maxResultBytes) {
      fail({ kind: 'size', message: `The result is larger than ${fmtMB(m.maxResultBytes)} (the limit per cell); return less (e.g. summaries instead of every map).` });
      return;
    }
    try {
      post({ type: 'done', runId: m.runId, ok: true, value, bytes, ms: performance.now() - t0 });
    } catch (e) {
      fail({ kind: 'clone', message: `The result cannot leave the worker (${(e as Error).message}): return plain data — numbers, strings, arrays, objects, typed arrays — not functions or class instances.` });
    }
  };

  return {
    onMessage(msg) {
      if (msg.type === 'reply') {
        const p = pending.get(msg.callId);
        if (!p) return;
        pending.delete(msg.callId);
        if (msg.ok) p.resolve(msg.value);
        else p.reject(new Error(msg.error ?? 'engine call failed'));
      } else if (msg.type === 'run') void run(msg);
    },
  };
}
