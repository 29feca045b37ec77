/**
 * The reactive graph of a notebook: params → the cells that reference them with `$name`.
 * Pure data, no DOM, no running of views (the UI runs them; this says which and with what).
 *
 * API
 *   buildGraph(nb) → NotebookGraph       dependencies, a topological order of params, and `issues`
 *                                         (unknown `$refs`, reference cycles, broken params). Cells
 *                                         that cannot run are in `blocked` with the reason.
 *   defaultValues(g) → ParamValues       every usable param at its default (bounds resolved, clamped).
 *   resolveParamSpec(g, name, values)    the spec with `$name` bounds replaced by numbers (for the slider).
 *   change(g, values, name, value)       set one param: → { values, changed, notes, error?, cheap, expensive }
 *                                         `changed`: params whose value moved (the param itself and any
 *                                         dependent clamped into its new range); cheap/expensive: the view
 *                                         ids to re-run, in document order. Run `cheap` live while a
 *                                         slider is dragged, `expensive` when it is released.
 *   planRun(g, names) → { cheap, expensive }   views depending (transitively, through params whose
 *                                         bounds reference other params) on any of `names`.
 *   resolveView(g, id, values)            → { ok, config with every `$name` replaced by its value, cost }.
 *   viewCost(cell)                        VIEW_COST[kind], or the cell's own `cost: cheap|expensive`.
 *   normalizeValues(g, values)            any values (e.g. restored ones) → valid values + notes.
 */
import {
  refName,
  usableParams,
  viewCells,
  type Notebook,
  type ParamCell,
  type ParamSpec,
  type ParamValue,
  type ViewCell,
  type ViewKind,
} from './format';
import { checkParamValue, formatParamValue } from './values';

export type Cost = 'cheap' | 'expensive';

/** Cheap views re-run live while a slider moves; expensive ones when it is released. */
export const VIEW_COST: Record<ViewKind | 'unknown', Cost> = {
  attention: 'cheap',
  kernel: 'cheap',
  table: 'cheap',
  flops: 'cheap',
  latency: 'expensive',
  classify: 'expensive',
  compare: 'expensive',
  'compare-models': 'expensive',
  // knob forwards on the whole network are coalesced (latest wins), so they follow a drag
  network: 'cheap',
  ablate: 'expensive',
  'alpha-sweep': 'expensive',
  unknown: 'cheap',
};

export type ParamValues = Record<string, ParamValue>;

export interface GraphIssue {
  cellId: string;
  line: number;
  kind: 'unknown-ref' | 'cycle' | 'broken-param';
  message: string;
}

/** A ParamSpec whose bounds are numbers (references resolved against current values). */
export interface ResolvedParamSpec extends Omit<ParamSpec, 'min' | 'max' | 'step'> {
  min?: number;
  max?: number;
  step?: number;
}

export interface NotebookGraph {
  notebook: Notebook;
  /** usable params by name (first definition, readable spec), in document order */
  params: Map<string, ParamCell>;
  /** usable, non-blocked params ordered so that each comes after the params its bounds reference */
  paramOrder: string[];
  views: ViewCell[];
  /** cell id → params it references directly */
  deps: Map<string, string[]>;
  /** param name → params whose bounds reference it */
  paramDependents: Map<string, string[]>;
  /** param name → ids of views that reference it */
  viewDependents: Map<string, string[]>;
  /** cell id → why it cannot run */
  blocked: Map<string, string>;
  issues: GraphIssue[];
}

const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

export function buildGraph(nb: Notebook): NotebookGraph {
  const params = new Map<string, ParamCell>();
  for (const p of usableParams(nb)) params.set(p.name, p);
  const views = viewCells(nb);
  const deps = new Map<string, string[]>();
  const paramDependents = new Map<string, string[]>();
  const viewDependents = new Map<string, string[]>();
  const blocked = new Map<string, string>();
  const issues: GraphIssue[] = [];
  for (const name of params.keys()) {
    paramDependents.set(name, []);
    viewDependents.set(name, []);
  }

  // lookups built once: every step below is linear in the notebook's size
  const cellsById = new Map(nb.cells.map((c) => [c.id, c]));
  const brokenByName = new Map<string, ParamCell>();
  for (const c of nb.cells) if (c.type === 'param' && c.name && (c.spec === null || c.duplicate) && !brokenByName.has(c.name)) brokenByName.set(c.name, c);
  const refLines = new Map<string, Map<string, number>>();
  const suggester = makeSuggester([...params.keys()]);
  const unknownRef = (cellId: string, cellLine: number, ref: string): string => {
    const c = cellsById.get(cellId);
    let line = cellLine;
    if (c && c.type !== 'prose') {
      let lines = refLines.get(cellId);
      if (!lines) refLines.set(cellId, (lines = firstRefLines(c.body)));
      const at = lines.get(ref);
      if (at !== undefined) line = cellLine + 1 + at;
    }
    const broken = brokenByName.get(ref);
    const message = broken
      ? `\`$${ref}\` refers to the param on line ${broken.line}, which has errors.`
      : `\`$${ref}\` does not match any param${suggester(ref)}.`;
    issues.push({ cellId, line, kind: broken ? 'broken-param' : 'unknown-ref', message });
    return message;
  };

  for (const p of params.values()) {
    deps.set(p.id, p.refs);
    for (const r of p.refs) {
      if (params.has(r)) paramDependents.get(r)!.push(p.name);
      else if (!blocked.has(p.id)) blocked.set(p.id, unknownRef(p.id, p.line, r));
    }
  }

  // cycles among param bounds (a → b means b's bounds reference a): strongly connected components
  // (Tarjan, iterative: a chain of thousands of params must not overflow the stack). Components
  // come out references first, which is the order values are resolved in.
  const order: string[] = [];
  for (const scc of boundComponents(params)) {
    const first = params.get(scc[0])!;
    if (scc.length > 1 || first.refs.includes(scc[0])) {
      const shown = scc.length > 8 ? [...scc.slice(0, 6), '…', scc[scc.length - 1]] : scc;
      const path = [...shown, scc[0]].map((n) => (n === '…' ? n : `$${n}`)).join(' → ');
      const message = scc.length > 8
        ? `The ${scc.length} params ${path} reference each other in a circle, so none of them can be set.`
        : `The params ${path} reference each other in a circle, so none of them can be set.`;
      for (const n of scc) {
        const c = params.get(n)!;
        blocked.set(c.id, message);
        issues.push({ cellId: c.id, line: c.line, kind: 'cycle', message });
      }
    }
    order.push(...scc);
  }

  // anything whose bounds depend on a blocked param is blocked too (order: references first)
  for (const name of order) {
    const c = params.get(name)!;
    if (blocked.has(c.id)) continue;
    const bad = c.refs.find((r) => params.has(r) && blocked.has(params.get(r)!.id));
    if (bad) blocked.set(c.id, `It depends on \`$${bad}\`, which cannot be set.`);
  }
  const paramOrder = order.filter((n) => !blocked.has(params.get(n)!.id));

  for (const v of views) {
    deps.set(v.id, v.refs);
    if (v.broken) blocked.set(v.id, 'The cell has errors (see above).');
    for (const r of v.refs) {
      const p = params.get(r);
      if (!p) {
        const m = unknownRef(v.id, v.line, r);
        if (!blocked.has(v.id)) blocked.set(v.id, m);
        continue;
      }
      viewDependents.get(r)!.push(v.id);
      if (blocked.has(p.id) && !blocked.has(v.id)) blocked.set(v.id, `It depends on \`$${r}\`, which cannot be set.`);
    }
  }
  return { notebook: nb, params, paramOrder, views, deps, paramDependents, viewDependents, blocked, issues };
}

/** Each `$name` in a cell body → the 0-based line of its first occurrence (one pass over the body). */
function firstRefLines(body: string): Map<string, number> {
  const out = new Map<string, number>();
  body.split(/\r\n|\n|\r/).forEach((l, i) => {
    for (const m of l.matchAll(/\$([A-Za-z_][A-Za-z0-9_]*)/g)) if (!out.has(m[1])) out.set(m[1], i);
  });
  return out;
}

/** Edit-distance comparisons allowed per graph: suggestions are a courtesy, not a quadratic cost. */
const SUGGEST_BUDGET = 20_000;

/** ref → " (did you mean `$alpha`?)" for a near miss, else the list of names (memoised, budgeted). */
function makeSuggester(names: string[]): (ref: string) => string {
  const memo = new Map<string, string>();
  let budget = SUGGEST_BUDGET;
  const list = ` (params: ${names.slice(0, 12).map((n) => '$' + n).join(', ')}${names.length > 12 ? ', …' : ''})`;
  return (ref) => {
    const hit = memo.get(ref);
    if (hit !== undefined) return hit;
    let out: string;
    if (names.length === 0) out = ' (this notebook has no params)';
    else {
      let best = '';
      let bestD = Infinity;
      const r = ref.toLowerCase();
      for (const n of names) {
        if (budget <= 0) break;
        budget--;
        const d = editDistance(r, n.toLowerCase());
        if (d < bestD) {
          bestD = d;
          best = n;
        }
      }
      out = bestD <= 2 ? ` (did you mean \`$${best}\`?)` : list;
    }
    memo.set(ref, out);
    return out;
  };
}

/**
 * Strongly connected components of the "bounds reference" graph (name → the params its
 * min/max/step reference), each in discovery order, dependencies before dependents.
 * Iterative Tarjan: O(params + references), no recursion.
 */
function boundComponents(params: Map<string, ParamCell>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  let counter = 0;
  for (const root of params.keys()) {
    if (index.has(root)) continue;
    // frames: [name, position in its refs]
    const frames: Array<[string, number]> = [[root, 0]];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (frames.length) {
      const top = frames[frames.length - 1];
      const [v, i] = top;
      const refs = params.get(v)!.refs;
      if (i < refs.length) {
        top[1]++;
        const w = refs[i];
        if (!params.has(w)) continue;
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          frames.push([w, 0]);
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
        continue;
      }
      frames.pop();
      if (frames.length) {
        const u = frames[frames.length - 1][0];
        low.set(u, Math.min(low.get(u)!, low.get(v)!));
      }
      if (low.get(v) === index.get(v)) {
        const at = stack.lastIndexOf(v);
        const scc = stack.splice(at);
        for (const n of scc) onStack.delete(n);
        out.push(scc);
      }
    }
  }
  return out;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return 99;
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0];
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j];
      dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length];
}

export function resolveParamSpec(g: NotebookGraph, name: string, values: ParamValues): ResolvedParamSpec | null {
  const c = g.params.get(name);
  if (!c || !c.spec || g.blocked.has(c.id)) return null;
  const s = c.spec;
  const n = (v: ParamSpec['min']): number | undefined => {
    if (v === undefined) return undefined;
    if (typeof v === 'number') return v;
    const x = has(values, v.ref) ? values[v.ref] : g.params.get(v.ref)?.spec?.value;
    return typeof x === 'number' && Number.isFinite(x) ? x : undefined;
  };
  const out: ResolvedParamSpec = { ...s, min: n(s.min), max: n(s.max), step: n(s.step) };
  if (out.min !== undefined && out.max !== undefined && out.min > out.max) out.max = out.min;
  if (out.step !== undefined && !(out.step > 0)) out.step = undefined;
  if (out.kind === 'token') out.step = 1;
  return out;
}

/**
 * Bring every usable param to a valid value: missing ones take their default, out-of-range
 * ones are clamped (in dependency order, so a bound is final before it is used).
 */
export function normalizeValues(g: NotebookGraph, values: Partial<ParamValues>): { values: ParamValues; notes: string[] } {
  const out: ParamValues = {};
  const notes: string[] = [];
  for (const name of g.paramOrder) {
    const spec = resolveParamSpec(g, name, out)!;
    const given = has(values, name) ? values[name] : undefined;
    const r = given === undefined ? checkParamValue(spec, spec.value) : checkParamValue(spec, given);
    if ('error' in r) {
      const d = checkParamValue(spec, spec.value);
      out[name] = 'error' in d ? spec.value : d.value;
      notes.push(`${name}: ${r.error}; using the default ${formatParamValue(out[name])}.`);
    } else {
      out[name] = r.value;
      if (r.note && given !== undefined) notes.push(`${name}: ${r.note}.`);
    }
  }
  return { values: out, notes };
}

export function defaultValues(g: NotebookGraph): ParamValues {
  return normalizeValues(g, {}).values;
}

export interface RunPlan {
  /** view ids to run live (while dragging), in document order */
  cheap: string[];
  /** view ids to run when the change is committed (slider released), in document order */
  expensive: string[];
}

export function viewCost(cell: ViewCell): Cost {
  const c = cell.config.cost;
  if (c === 'cheap' || c === 'expensive') return c;
  return VIEW_COST[cell.view];
}

/** Params reachable from `names` through bound references (including `names`). */
export function paramClosure(g: NotebookGraph, names: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const todo = names.filter((n) => g.params.has(n));
  while (todo.length) {
    const n = todo.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    for (const d of g.paramDependents.get(n) ?? []) todo.push(d);
  }
  return seen;
}

/** The views to re-run after `names` changed. `closure: false` takes `names` as the exact changed set. */
export function planRun(g: NotebookGraph, names: readonly string[], opts: { closure?: boolean } = {}): RunPlan {
  const set = opts.closure === false ? new Set(names) : paramClosure(g, names);
  const hit = new Set<string>();
  for (const n of set) for (const id of g.viewDependents.get(n) ?? []) hit.add(id);
  const plan: RunPlan = { cheap: [], expensive: [] };
  for (const v of g.views) {
    if (!hit.has(v.id) || g.blocked.has(v.id)) continue;
    plan[viewCost(v)].push(v.id);
  }
  return plan;
}

/** All views that can run, split by cost (the first run of a notebook). */
export function planAll(g: NotebookGraph): RunPlan {
  const plan: RunPlan = { cheap: [], expensive: [] };
  for (const v of g.views) if (!g.blocked.has(v.id)) plan[viewCost(v)].push(v.id);
  return plan;
}

export interface ChangeResult extends RunPlan {
  values: ParamValues;
  /** params whose value moved, the set one first */
  changed: string[];
  /** what was adjusted, in words (clamped, snapped, …) */
  notes: string[];
  /** the value could not be used at all; values are unchanged */
  error?: string;
}

/** Set one param (from a slider, a click on a map, …). Never mutates `values`. */
export function change(g: NotebookGraph, values: ParamValues, name: string, value: unknown): ChangeResult {
  const c = g.params.get(name);
  if (!c || g.blocked.has(c.id)) {
    const why = c ? g.blocked.get(c.id) : `There is no param \`${name}\`.`;
    return { values, changed: [], notes: [], error: why, cheap: [], expensive: [] };
  }
  const spec = resolveParamSpec(g, name, values)!;
  const r = checkParamValue(spec, value);
  if ('error' in r) return { values, changed: [], notes: [], error: `${name}: ${r.error}.`, cheap: [], expensive: [] };
  const next: ParamValues = { ...values, [name]: r.value };
  const notes = r.note ? [`${name}: ${r.note}.`] : [];
  // dependents may need clamping into bounds that just moved
  const closure = paramClosure(g, [name]);
  for (const n of g.paramOrder) {
    if (n === name || !closure.has(n)) continue;
    const s = resolveParamSpec(g, n, next)!;
    const cur = has(next, n) ? next[n] : s.value;
    const cr = checkParamValue(s, cur);
    if (!('error' in cr) && cr.value !== cur) {
      next[n] = cr.value;
      if (cr.note) notes.push(`${n}: ${cr.note}.`);
    }
  }
  const changed = [...closure].filter((n) => next[n] !== values[n]);
  changed.sort((a, b) => (a === name ? -1 : b === name ? 1 : 0));
  if (changed.length === 0) return { values, changed, notes, cheap: [], expensive: [] };
  return { values: next, changed, notes, ...planRun(g, changed, { closure: false }) };
}

export type ResolvedView =
  | { ok: true; cell: ViewCell; view: ViewKind; op: string | null; config: Record<string, unknown>; cost: Cost }
  | { ok: false; cell?: ViewCell; message: string };

/** A view's config with every `$name` replaced by the param's current value (`$$x` → "$x"). */
export function resolveView(g: NotebookGraph, id: string, values: ParamValues): ResolvedView {
  const cell = g.views.find((v) => v.id === id);
  if (!cell) return { ok: false, message: `There is no view \`${id}\`.` };
  if (cell.view === 'unknown') {
    return { ok: false, cell, message: cell.viewKind ? `This notebook uses a view kind this app does not know: \`${cell.viewKind}\`.` : 'This view cell does not name a kind.' };
  }
  const why = g.blocked.get(cell.id);
  if (why) return { ok: false, cell, message: why };
  const missing: string[] = [];
  const sub = (v: unknown, depth: number): unknown => {
    if (depth > 64) return v;
    if (typeof v === 'string') {
      const r = refName(v);
      if (r) {
        if (!has(values, r)) {
          missing.push(r);
          return g.params.get(r)?.spec?.value;
        }
        return values[r];
      }
      return v.startsWith('$$') ? v.slice(1) : v;
    }
    if (Array.isArray(v)) return v.map((x) => sub(x, depth + 1));
    if (v !== null && typeof v === 'object') {
      const o: Record<string, unknown> = {};
      // defineProperty: a key named __proto__ stays a plain key
      for (const [k, x] of Object.entries(v)) Object.defineProperty(o, k, { value: sub(x, depth + 1), enumerable: true, writable: true, configurable: true });
      return o;
    }
    return v;
  };
  const config = sub(cell.config, 0) as Record<string, unknown>;
  if (missing.length) return { ok: false, cell, message: `No value yet for ${missing.map((m) => '$' + m).join(', ')}.` };
  return { ok: true, cell, view: cell.view, op: cell.op, config, cost: viewCost(cell) };
}
