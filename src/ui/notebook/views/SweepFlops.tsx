/**
 * `view flops` with `sweep: alpha`: MACs of one op at one grid for each swept setting, per branch
 * and in total, as a table and a linear chart against the swept knob. Pure arithmetic (cheap).
 */
import { useMemo } from 'react';
import { format } from 'd3';
import { ChartFigure } from '../../figure/ChartFigure';
import type { Series } from '../../figure/LineChart';
import { fmtKnob, sweepMacsTable, type SweepMacs } from './sweep';
import { useConfigDerived } from './useConfigDerived';

const fmtMacs = format('.3~s');
const pct = (a: number, b: number) => (b > 0 ? `${((100 * a) / b).toFixed(0)}%` : '—');

export function SweepFlops({ config }: { config: Record<string, unknown> }) {
  const t = useConfigDerived(config, sweepMacsTable);
  const series = useMemo<Series[]>(() => {
    if ('error' in t) return [];
    const line = (name: string, y: (r: SweepMacs['rows'][number]) => number): Series => ({ name, points: t.rows.map((r) => ({ x: r.value, y: y(r), label: `${t.key} ${r.value}` })) });
    return [...t.branches.map((b) => line(b, (r) => r.branch[b])), line('total', (r) => r.total)];
  }, [t]);
  if ('error' in t) return <p className="error" role="alert">{t.error}</p>;
  const last = t.branches[t.branches.length - 1];
  return (
    <div className="nb-flops nb-sweep" data-testid="nb-sweep-flops">
      {t.problems.map((p) => (
        <p key={p} className="warn">{p}</p>
      ))}
      <div className="table-wrap">
        <table className="nb-table" data-testid="sweep-macs">
          <thead>
            <tr>
              <th>{t.key}</th>
              {t.branches.map((b) => (
                <th key={b}>{b} MACs</th>
              ))}
              <th>total MACs</th>
              {last ? <th>{last} share</th> : null}
            </tr>
          </thead>
          <tbody>
            {t.rows.map((r) => (
              <tr key={r.value} data-value={r.value}>
                <td>{r.value}</td>
                {t.branches.map((b) => (
                  <td key={b} data-branch={b} data-macs={r.branch[b]}>{r.branch[b].toLocaleString('en-US')}</td>
                ))}
                <td data-branch="total" data-macs={r.total}>{r.total.toLocaleString('en-US')}</td>
                {last ? <td>{pct(r.branch[last], r.total)}</td> : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <ChartFigure
        series={series}
        title={`MACs per branch versus ${t.key} (${t.op}, ${t.grid}×${t.grid})`}
        xLabel={t.key}
        yLabel="MACs"
        formatY={fmtMacs}
        formatX={fmtKnob}
        legendRight
        fileName={`macs-vs-${t.key}`}
      />
    </div>
  );
}
