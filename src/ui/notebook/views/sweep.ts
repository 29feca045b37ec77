/**
 * `sweep: alpha` with `values: [0, 0.2, …]` in a flops, latency or attention view: one op at one
 * grid, one knob made the x-axis. Pure: reading the sweep, the per-setting configs, and the MAC
 * table by branch (the flops view's numbers). The views add drawing, timing and maps.
 */
import type { AnyOp } from '../../../ops/types';
import { buildOpConfig, checkGrid, gridsOf, opsOf } from './op-config';
import { BRANCH_MACS } from './branches';

/** A knob's setting as written (0.2, not d3's "200m"), for chart ticks. */
export const fmtKnob = (v: number): string => String(Number(v.toPrecision(6)));

/** More settings than this make a chart of dots and a slow latency run. */
export const MAX_SWEEP_VALUES = 16;

export interface Sweep {
  /** the op knob that becomes the x-axis */
  key: string;
  values: number[];
}

/** The view's `sweep` and `values`, checked against the op's knobs; null when there is no `sweep`. */
export function sweepOf(config: Record<string, unknown>, op: AnyOp): Sweep | null {
  const key = config.sweep;
  if (key === undefined) return null;
  const base = op.defaultConfig(14, 14) as Record<string, unknown>;
  const knobs = Object.keys(base).filter((k) => typeof base[k] === 'number' && k !== 'H' && k !== 'W');
  if (typeof key !== 'string' || !knobs.includes(key)) {
    throw new Error(`\`sweep\` must name a number setting of ${op.name} (${knobs.join(', ')}); got ${JSON.stringify(key)}.`);
  }
  const vs = config.values;
  if (!Array.isArray(vs) || vs.length === 0) throw new Error(`\`sweep: ${key}\` needs \`values\`: a list of settings, e.g. [0, 0.5, 1].`);
  if (vs.length > MAX_SWEEP_VALUES) throw new Error(`At most ${MAX_SWEEP_VALUES} \`values\` per sweep.`);
  const bad = vs.find((v) => typeof v !== 'number' || !Number.isFinite(v));
  if (bad !== undefined) throw new Error(`\`values\` must be numbers; ${JSON.stringify(bad)} is not.`);
  return { key, values: vs as number[] };
}

/** A sweep view is about one op at one grid: `op` (or a one-op `ops`) and `grid` (or the first of `grids`). */
export function sweepOpGrid(config: Record<string, unknown>, photo = false): { op: AnyOp; grid: number } {
  const ops = opsOf(config);
  if (ops.length > 1) throw new Error('A sweep view takes one op (`op: hilo`), not a list.');
  const grid = config.grid !== undefined ? checkGrid(config.grid, 14, photo) : config.grids !== undefined ? checkGrid(gridsOf(config)[0], 14, photo) : 14;
  return { op: ops[0], grid };
}

/** The op config of each swept setting: the view's knobs with the swept one replaced. */
export function sweepConfigs(op: AnyOp, grid: number, config: Record<string, unknown>, sweep: Sweep): { cfgs: unknown[]; warnings: string[] } {
  const warnings = new Set<string>();
  const cfgs = sweep.values.map((v) => {
    const r = buildOpConfig(op, grid, { ...config, [sweep.key]: v });
    r.warnings.forEach((w) => warnings.add(w));
    return r.cfg;
  });
  if (config[sweep.key] !== undefined) warnings.add(`\`${sweep.key}\` is swept, so its own value (${JSON.stringify(config[sweep.key])}) is not used.`);
  return { cfgs, warnings: [...warnings] };
}

export interface SweepMacs {
  op: string;
  grid: number;
  key: string;
  /** branch names in column order (empty for an op without branches) */
  branches: string[];
  rows: Array<{ value: number; total: number; branch: Record<string, number> }>;
  problems: string[];
}

/** MACs of each swept setting, total and per branch (a flops view with `sweep`). */
export function sweepMacsTable(config: Record<string, unknown>): SweepMacs {
  const { op, grid } = sweepOpGrid(config);
  const sweep = sweepOf(config, op);
  if (!sweep) throw new Error('This view has no `sweep`.');
  const { cfgs, warnings } = sweepConfigs(op, grid, config, sweep);
  const split = BRANCH_MACS[op.name];
  const rows = cfgs.map((cfg, i) => ({ value: sweep.values[i], total: op.macs(cfg), branch: split ? split(cfg) : {} }));
  return { op: op.name, grid, key: sweep.key, branches: rows.length ? Object.keys(rows[0].branch) : [], rows, problems: warnings.map((w) => `${op.name}: ${w}`) };
}
