/**
 * The reactive graph of a notebook's code cells, next to the params graph of ../runtime.ts:
 * a code cell depends on the params (`$alpha`) and on the other code cells (`$distances`, by the
 * name in its fence) that its code reads.
 *
 * API
 *   buildCodeGraph(nb, params) → CodeGraph   `params`: the usable param names (NotebookGraph.params).
 *                                             Unknown `$refs`, duplicate names, names that clash with a
 *                                             param, syntax errors and cycles block a cell (`blocked`,
 *                                             with the reason) and are listed in `issues`; a cell that
 *                                             depends on a blocked cell is blocked too.
 *   codeToRun(g, { params, cells }) → ids      the cells to re-run, in dependency order, after these
 *                                             params / cells changed: exactly their transitive
 *                                             dependents (plus `cells` themselves).
 *   runnableCells(g) → ids                     every cell that can run, in dependency order.
 *   cellArgs(g, id, values, results) → { names, values } | { missing }   the `$name` arguments of a run.
 */
import type { CodeCell, Notebook } from '../format';
import type { GraphIssue } from '../runtime';

export interface CodeGraph {
  cells: CodeCell[];
  /** cell name → cell (first definition) */
  byName: Map<string, CodeCell>;
  /** cell id → params it reads */
  paramDeps: Map<string, string[]>;
  /** cell id → ids of the code cells it reads */
  cellDeps: Map<string, string[]>;
  /** every runnable cell, each after the cells it reads (document order otherwise) */
  order: string[];
  blocked: Map<string, string>;
  issues: GraphIssue[];
}

/** Line of the first `$ref` in a cell's body (the fence line when not found). */
function refLine(c: CodeCell, ref: string): number {
  const re = new RegExp(`\\$${ref}(?![A-Za-z0-9_$])`);
  const i = c.body.split(/\r\n|\n|\r/).findIndex((l) => re.test(l));
  return i < 0 ? c.line : c.line + 1 + i;
}

export function buildCodeGraph(nb: Notebook, params: ReadonlySet<string> | ReadonlyMap<string, unknown>): CodeGraph {
  const cells = nb.cells.filter((c): c is CodeCell => c.type === 'code');
  const byName = new Map<string, CodeCell>();
  const paramDeps = new Map<string, string[]>();
  const cellDeps = new Map<string, string[]>();
  const blocked = new Map<string, string>();
  const issues: GraphIssue[] = [];
  const block = (c: CodeCell, line: number, kind: GraphIssue['kind'], message: string) => {
    if (!blocked.has(c.id)) blocked.set(c.id, message);
    issues.push({ cellId: c.id, line, kind, message });
  };
  for (const c of cells) {
    if (!c.name) continue;
    if (params.has(c.name)) block(c, c.line, 'unknown-ref', `The cell name \`${c.name}\` is also a param's name; rename one of them (\`$${c.name}\` must mean one thing).`);
    else if (byName.has(c.name)) block(c, c.line, 'unknown-ref', `Another code cell (line ${byName.get(c.name)!.line}) is already named \`${c.name}\`; this one does not run.`);
    else byName.set(c.name, c);
  }
  for (const c of cells) {
    if (c.compiled === null && !blocked.has(c.id)) blocked.set(c.id, 'The cell has errors (see below).');
    const ps: string[] = [];
    const cs: string[] = [];
    for (const r of c.refs) {
      if (params.has(r)) ps.push(r);
      else if (byName.has(r) && byName.get(r) !== c) cs.push(byName.get(r)!.id);
      else if (byName.get(r) === c) block(c, refLine(c, r), 'cycle', `The cell reads its own result \`$${r}\`.`);
      else {
        const names = [...params.keys(), ...byName.keys()];
        block(c, refLine(c, r), 'unknown-ref', `\`$${r}\` is neither a param nor a code cell${names.length ? ` (names: ${names.slice(0, 12).map((n) => '$' + n).join(', ')})` : ''}.`);
      }
    }
    paramDeps.set(c.id, ps);
    cellDeps.set(c.id, cs);
  }
  // depth-first topological order; a back edge is a cycle
  const byId = new Map(cells.map((c) => [c.id, c]));
  const state = new Map<string, 1 | 2>();
  const order: string[] = [];
  const stack: string[] = [];
  const visit = (id: string) => {
    state.set(id, 1);
    stack.push(id);
    for (const d of cellDeps.get(id)!) {
      const s = state.get(d);
      if (s === 1) {
        const cyc = stack.slice(stack.indexOf(d));
        const path = [...cyc, d].map((x) => `$${byId.get(x)!.name}`).join(' → ');
        for (const x of cyc) {
          const c = byId.get(x)!;
          if (!issues.some((i) => i.cellId === x && i.kind === 'cycle')) block(c, c.line, 'cycle', `The cells ${path} read each other in a circle, so none of them can run.`);
        }
      } else if (s === undefined) visit(d);
    }
    stack.pop();
    state.set(id, 2);
    order.push(id);
  };
  for (const c of cells) if (!state.has(c.id)) visit(c.id);
  for (const id of order) {
    if (blocked.has(id)) continue;
    const bad = cellDeps.get(id)!.find((d) => blocked.has(d));
    if (bad) blocked.set(id, `It reads \`$${byId.get(bad)!.name}\`, which cannot run.`);
  }
  return { cells, byName, paramDeps, cellDeps, order: order.filter((id) => !blocked.has(id)), blocked, issues };
}

export function runnableCells(g: CodeGraph): string[] {
  return [...g.order];
}

export function codeToRun(g: CodeGraph, changed: { params?: readonly string[]; cells?: readonly string[] }): string[] {
  const hit = new Set<string>(changed.cells ?? []);
  const ps = new Set(changed.params ?? []);
  // g.order lists every cell after the cells it reads, so one pass is transitive
  for (const id of g.order) {
    if (hit.has(id)) continue;
    if (g.paramDeps.get(id)!.some((p) => ps.has(p)) || g.cellDeps.get(id)!.some((d) => hit.has(d))) hit.add(id);
  }
  return g.order.filter((id) => hit.has(id));
}

/** The `$name` arguments of one run: param values and the results of the cells it reads. */
export function cellArgs(
  g: CodeGraph,
  id: string,
  values: Record<string, unknown>,
  results: ReadonlyMap<string, unknown>,
): { names: string[]; values: unknown[] } | { missing: string[] } {
  const names: string[] = [];
  const vals: unknown[] = [];
  const missing: string[] = [];
  for (const p of g.paramDeps.get(id) ?? []) {
    names.push('$' + p);
    vals.push(values[p]);
  }
  for (const d of g.cellDeps.get(id) ?? []) {
    const c = g.cells.find((x) => x.id === d)!;
    if (!results.has(d)) missing.push(c.name);
    names.push('$' + c.name);
    vals.push(results.get(d));
  }
  return missing.length ? { missing } : { names, values: vals };
}
