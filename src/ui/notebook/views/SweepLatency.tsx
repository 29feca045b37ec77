/**
 * `view latency` with `sweep: alpha`: measured time of one op at one grid for each swept setting
 * (expensive: runs on Run / Ctrl+Enter / releasing a slider it depends on, like the plain latency
 * view; a new run or Cancel stops the one in flight between settings). Table + linear chart.
 */
import { useMemo } from 'react';
import { useGpu } from '../../../state/gpu';
import { formatCount, formatMs } from '../../format';
import { ChartFigure } from '../../figure/ChartFigure';
import type { Series } from '../../figure/LineChart';
import { useNotebook } from '../store';
import { fmtMs, describeTiming } from './latency';
import { measurePoint, useMeasuredPoints } from './useMeasuredPoints';
import { fmtKnob, sweepConfigs, sweepOf, sweepOpGrid } from './sweep';
import { useConfigDerived } from './useConfigDerived';

export function SweepLatency({ cellId, config, nonce }: { cellId: string; config: Record<string, unknown>; nonce: number }) {
  const key = JSON.stringify(config);
  const { status } = useGpu();
  const runCell = useNotebook((s) => s.runCell);
  const plan = useConfigDerived(config, () => {
    const { op, grid } = sweepOpGrid(config);
    const sweep = sweepOf(config, op)!;
    const { cfgs, warnings } = sweepConfigs(op, grid, config, sweep);
    const runs = typeof config.runs === 'number' ? Math.min(20, Math.max(1, Math.round(config.runs))) : 3;
    return { op, grid, sweep, cfgs, warnings, runs };
  });
  const { measured, progress, stopped, cancel } = useMeasuredPoints(nonce, key, () =>
    'error' in plan
      ? null
      : plan.cfgs.map((cfg, i) => ({
          what: `${plan.sweep.key} = ${plan.sweep.values[i]}`,
          measure: (ctx, cancelled) => measurePoint({ value: plan.sweep.values[i] }, plan.op, () => cfg, ctx, plan.runs, cancelled),
        })),
  );

  const series = useMemo<Series[]>(() => {
    if (!measured || 'error' in plan) return [];
    return [{ name: `${plan.op.name} time`, points: measured.points.map((p) => ({ x: p.value, y: p.ms, label: `${plan.sweep.key} ${p.value}` })) }];
  }, [measured, plan]);

  if ('error' in plan) return <p className="error" role="alert">{plan.error}</p>;
  const stale = measured && measured.key !== key;
  const sourceText = measured ? describeTiming(measured, plan.runs) : '';
  const k = plan.sweep.key;
  return (
    <div className="nb-latency nb-sweep" data-testid="nb-sweep-latency" data-points={measured?.points.length ?? 0}>
      {plan.warnings.map((w) => (
        <p key={w} className="warn">{plan.op.name}: {w}</p>
      ))}
      <div className="row">
        <button type="button" onClick={() => runCell(cellId)} disabled={status === 'pending'} data-testid="sweep-run">
          {measured ? 'Run again' : 'Run'}
        </button>
        {progress ? (
          <button type="button" onClick={cancel} data-testid="sweep-cancel">
            Cancel
          </button>
        ) : null}
        <span className="muted">
          {plan.op.name} at {plan.grid}×{plan.grid}, {k} = {plan.sweep.values.join(', ')}
        </span>
      </div>
      {progress ? (
        <div className="progress" role="status">
          <progress value={progress.done} max={progress.total} /> measuring {progress.what} ({progress.done + 1}/{progress.total})…
        </div>
      ) : null}
      {!measured && !progress ? <p className="muted">Not measured yet: press Run (or release a slider this view depends on).</p> : null}
      {stopped && measured ? <p className="muted" data-testid="sweep-stopped">Cancelled after {measured.points.length} of {plan.sweep.values.length} settings.</p> : null}
      {stale && !progress ? <p className="warn">The settings changed since this measurement; run again to update it.</p> : null}
      {measured ? (
        <>
          <p className="muted">{sourceText}.</p>
          <div className="table-wrap">
            <table className="nb-table" data-testid="sweep-latency">
              <thead>
                <tr>
                  <th>{k}</th>
                  <th>MACs</th>
                  <th>time</th>
                  <th>MACs/s</th>
                </tr>
              </thead>
              <tbody>
                {measured.points.map((p) => (
                  <tr key={p.value} data-value={p.value}>
                    <td>{p.value}</td>
                    <td>{Number.isFinite(p.macs) ? formatCount(p.macs) : '—'}</td>
                    <td>{p.error ? <span className="error">{p.error}</span> : formatMs(p.ms)}</td>
                    <td>{Number.isFinite(p.ms) && p.ms > 0 && Number.isFinite(p.macs) ? formatCount(p.macs / (p.ms / 1000)) : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <ChartFigure series={series} title={`Measured time versus ${k} (${plan.op.name}, ${plan.grid}×${plan.grid})`} xLabel={k} yLabel="time" formatY={fmtMs} formatX={fmtKnob} legendRight xDomain={[Math.min(...plan.sweep.values), Math.max(...plan.sweep.values)]} fileName={`latency-vs-${k}`} />
        </>
      ) : null}
    </div>
  );
}
