/**
 * The numbers of a flops view: MACs of each listed op at each grid (and of each branch with
 * `split: branch`), with problems collected in words instead of thrown.
 */
import { buildOpConfig, gridsOf, opsOf } from './op-config';
import { BRANCH_MACS } from './branches';

export interface FlopsTable {
  grids: number[];
  ops: Array<{ name: string; title: string; macs: Array<number | null> }>;
  problems: string[];
}

export function flopsTable(config: Record<string, unknown>): FlopsTable {
  const ops = opsOf(config);
  const grids = gridsOf(config);
  const problems = new Set<string>();
  const split = config.split;
  if (split !== undefined && split !== 'branch') problems.add(`\`split\` can only be \`branch\`; ${JSON.stringify(split)} is ignored.`);
  if (split === 'branch' && !ops.some((o) => BRANCH_MACS[o.name])) problems.add(`None of these ops has branches to split (ops with branches: ${Object.keys(BRANCH_MACS).join(', ')}).`);
  const rows: FlopsTable['ops'] = [];
  for (const op of ops) {
    const cfgs = grids.map((g) => {
      try {
        const { cfg, warnings } = buildOpConfig(op, g, config, { shared: ops.length > 1 });
        warnings.forEach((w) => problems.add(`${op.name}: ${w}`));
        return cfg;
      } catch (e) {
        problems.add(`${op.name} at ${g}×${g}: ${(e as Error).message}`);
        return null;
      }
    });
    const count = (f: (cfg: unknown) => number) =>
      cfgs.map((cfg, i) => {
        if (cfg === null) return null;
        try {
          return f(cfg);
        } catch (e) {
          problems.add(`${op.name} at ${grids[i]}×${grids[i]}: ${(e as Error).message}`);
          return null;
        }
      });
    rows.push({ name: op.name, title: op.title, macs: count((c) => op.macs(c)) });
    const branches = split === 'branch' ? BRANCH_MACS[op.name] : undefined;
    if (branches) {
      const names = Object.keys(branches(cfgs.find((c) => c !== null) ?? op.defaultConfig(grids[0], grids[0])));
      for (const b of names) rows.push({ name: `${op.name} ${b}`, title: `${op.title}: ${b} branch`, macs: count((c) => branches(c)[b]) });
    }
  }
  return { grids, ops: rows, problems: [...problems] };
}
