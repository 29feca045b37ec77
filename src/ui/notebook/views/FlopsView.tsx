/**
 * `view flops`: MACs (multiply-accumulates, the papers' "FLOPs") of the listed ops at each grid,
 * as a table and a log-log chart. Pure arithmetic from each op's flops.ts, so it is cheap.
 * With `sweep: alpha` (and `values`) the swept knob is the x-axis instead (SweepFlops).
 */
import { useMemo } from 'react';
import { format } from 'd3';
import { ChartFigure } from '../../figure/ChartFigure';
import type { Series } from '../../figure/LineChart';
import { flopsTable } from './flops-table';
import { SweepFlops } from './SweepFlops';
import { useConfigDerived } from './useConfigDerived';

/** "43.7M", "10G": SI prefixes, at most 3 significant digits, no trailing zeros. */
const fmtMacs = format('.3~s');

export function FlopsView({ config }: { config: Record<string, unknown> }) {
  return config.sweep !== undefined ? <SweepFlops config={config} /> : <GridFlops config={config} />;
}

function GridFlops({ config }: { config: Record<string, unknown> }) {
  const t = useConfigDerived(config, flopsTable);
  const series = useMemo<Series[]>(
    () => ('error' in t ? [] : t.ops.map((o) => ({ name: o.name, points: t.grids.map((g, i) => ({ x: g * g, y: o.macs[i] ?? NaN, label: `${g}×${g}` })) }))),
    [t],
  );
  if ('error' in t) return <p className="error" role="alert">{t.error}</p>;
  return (
    <div className="nb-flops" data-testid="nb-flops">
      {t.problems.map((p) => (
        <p key={p} className="warn">{p}</p>
      ))}
      <div className="table-wrap">
        <table className="nb-table">
          <thead>
            <tr>
              <th>grid</th>
              <th>tokens N</th>
              {t.ops.map((o) => (
                <th key={o.name} title={o.title}>{o.name} MACs</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {t.grids.map((g, i) => (
              <tr key={g}>
                <td>{g}×{g}</td>
                <td>{(g * g).toLocaleString('en-US')}</td>
                {t.ops.map((o) => (
                  <td key={o.name} title={o.macs[i] === null ? 'not available' : `${o.macs[i]!.toLocaleString('en-US')} MACs`}>
                    {o.macs[i] === null ? '—' : o.macs[i]!.toLocaleString('en-US')}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <ChartFigure series={series} title="MACs versus tokens" xLabel="tokens N (log)" yLabel="MACs (log)" xLog yLog formatY={fmtMacs} fileName="macs-vs-tokens" />
    </div>
  );
}
