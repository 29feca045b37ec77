/**
 * A view's settings → an op config. Convention: keys other than the view's own (op, ops, grid,
 * grids, token, cost, title, image, …) are knobs merged over the op's default config for the grid.
 * Knobs the op does not have, or of the wrong type, are reported instead of silently passed on.
 */
import { OPS, opByName } from '../../../ops/registry';
import type { AnyOp } from '../../../ops/types';

/** Keys that belong to the view, not to the op. */
export const VIEW_KEYS = new Set(['op', 'ops', 'grid', 'grids', 'token', 'cost', 'title', 'image', 'runs', 'files', 'file', 'columns', 'rows', 'caption', 'split', 'source', 'sweep', 'values']);

const isOpName = (k: string) => OPS.some((o) => o.name === k);

export interface OpConfigResult {
  op: AnyOp;
  cfg: unknown;
  /** knob problems, in words (the config is still built without them) */
  warnings: string[];
}

export function findOp(name: unknown): AnyOp {
  if (typeof name !== 'string' || name === '') throw new Error(`This view needs an \`op\` (one of ${OPS.map((o) => o.name).join(', ')}).`);
  const op = opByName(name);
  if (!op) throw new Error(`Unknown op \`${name}\`; the ops are ${OPS.map((o) => o.name).join(', ')}.`);
  return op;
}

/**
 * A grid size. `photo`: the grid cuts the 224-pixel photo into patches, so it must divide 224;
 * counting and timing views take any size.
 */
export function checkGrid(v: unknown, fallback = 14, photo = false): number {
  const g = v === undefined ? fallback : v;
  if (typeof g !== 'number' || !Number.isInteger(g) || g < 1 || g > 224) throw new Error(`\`grid\` must be a whole number of tokens per side (1–224); got ${JSON.stringify(g)}.`);
  if (photo && 224 % g !== 0) throw new Error(`\`grid\` ${g} does not divide the 224-pixel photo into equal patches; use e.g. 7, 8, 14, 16, 28, 32, 56.`);
  return g;
}

/**
 * `settings`: the view's config. Knobs at the top level apply to the op; a mapping under the op's
 * name (`hilo: {alpha: 0.5}`, for views of several ops) applies to that op only. `shared`: the
 * top-level knobs are meant for several ops, so one the op lacks is skipped without a warning.
 */
export function buildOpConfig(op: AnyOp, grid: number, settings: Record<string, unknown>, opts: { shared?: boolean } = {}): OpConfigResult {
  const base = op.defaultConfig(grid, grid) as Record<string, unknown>;
  const cfg: Record<string, unknown> = { ...base };
  const warnings: string[] = [];
  const own = settings[op.name];
  const apply = (entries: Array<[string, unknown]>, lenient: boolean) => {
    for (const [k, raw] of entries) {
      if (VIEW_KEYS.has(k) || isOpName(k)) continue;
      if (k === 'H' || k === 'W') {
        warnings.push(`\`${k}\` is set by \`grid\`; ignored.`);
        continue;
      }
      if (!Object.prototype.hasOwnProperty.call(base, k)) {
        if (!lenient) warnings.push(`\`${k}\` is not a setting of ${op.name} (settings: ${Object.keys(base).filter((x) => x !== 'H' && x !== 'W').join(', ')}); ignored.`);
        continue;
      }
      const want = base[k] === null ? null : typeof base[k];
      let v = raw;
      // a toggle drives a 0/1 switch, and 0/1 drives a true/false one
      if (want === 'number' && typeof v === 'boolean') v = v ? 1 : 0;
      if (want === 'boolean' && (v === 0 || v === 1)) v = v === 1;
      if (want !== null && typeof v !== want) {
        warnings.push(`\`${k}\` should be a ${want}; ${JSON.stringify(v)} is ignored.`);
        continue;
      }
      cfg[k] = v;
    }
  };
  apply(Object.entries(settings), !!opts.shared);
  if (own !== null && typeof own === 'object' && !Array.isArray(own)) apply(Object.entries(own), false);
  const out = op.normalizeConfig ? op.normalizeConfig(cfg) : cfg;
  return { op, cfg: out, warnings };
}

/** `op: x` or `ops: [x, y]` → the ops, in order. */
export function opsOf(config: Record<string, unknown>): AnyOp[] {
  const list = config.ops !== undefined ? config.ops : config.op !== undefined ? [config.op] : undefined;
  if (!Array.isArray(list) || list.length === 0) throw new Error(`This view needs \`ops: [mhsa, hilo, …]\` or \`op: mhsa\` (ops: ${OPS.map((o) => o.name).join(', ')}).`);
  return list.map(findOp);
}

export function gridsOf(config: Record<string, unknown>, fallback: number[] = [14, 28, 56]): number[] {
  const list = config.grids !== undefined ? config.grids : config.grid !== undefined ? [config.grid] : fallback;
  if (!Array.isArray(list) || list.length === 0) throw new Error('`grids` must be a list of grid sizes, e.g. [14, 28, 56].');
  if (list.length > 16) throw new Error('At most 16 grid sizes per view.');
  return list.map((g) => checkGrid(g));
}
