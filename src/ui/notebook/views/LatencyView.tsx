/**
 * `view latency`: measured time versus tokens for the listed ops (an expensive view: it runs when
 * asked — the Run button, Ctrl/Shift+Enter, or releasing a slider it depends on). Table + chart.
 * Optional: `upTo: N` times only the grids up to N (a slow GPU can start small; a link can set it),
 * `baseline: mhsa` says where each other op overtakes that one, `throughput: true` adds the
 * achieved GFLOP/s against tokens with a reading per op.
 * With `sweep: alpha` (and `values`) it times one grid per swept setting instead (SweepLatency).
 */
import { useMemo } from 'react';
import { useGpu } from '../../../state/gpu';
import { formatCount, formatMs } from '../../format';
import { ChartFigure } from '../../figure/ChartFigure';
import type { Series } from '../../figure/LineChart';
import { useNotebook } from '../store';
import { buildOpConfig } from './op-config';
import { crossovers, fmtMs, fmtRate, gflops, latencyPlan, throughputReadings, describeTiming } from './latency';
import { measurePoint, useMeasuredPoints } from './useMeasuredPoints';
import { SweepLatency } from './SweepLatency';
import { useConfigDerived } from './useConfigDerived';

export function LatencyView(props: { cellId: string; config: Record<string, unknown>; nonce: number }) {
  return props.config.sweep !== undefined ? <SweepLatency {...props} /> : <GridLatency {...props} />;
}

function GridLatency({ cellId, config, nonce }: { cellId: string; config: Record<string, unknown>; nonce: number }) {
  const key = JSON.stringify(config);
  const { status } = useGpu();
  const runCell = useNotebook((s) => s.runCell);
  const plan = useConfigDerived(config, latencyPlan);
  const { measured, progress } = useMeasuredPoints(nonce, key, () =>
    'error' in plan
      ? null
      : plan.ops.flatMap((op) =>
          plan.grids.map((g) => ({
            what: `${op.name} at ${g}×${g}`,
            measure: (ctx, cancelled) =>
              measurePoint({ op: op.name, grid: g, tokens: g * g }, op, () => buildOpConfig(op, g, plan.knobs, { shared: plan.ops.length > 1 }).cfg, ctx, plan.runs, cancelled),
          })),
        ),
  );

  const series = useMemo<Series[]>(() => {
    if (!measured || 'error' in plan) return [];
    return plan.ops.map((op) => ({
      name: op.name,
      points: measured.points.filter((p) => p.op === op.name).map((p) => ({ x: p.tokens, y: p.ms, label: `${p.grid}×${p.grid}` })),
    }));
  }, [measured, plan]);
  const rate = useMemo<Series[]>(() => {
    if (!measured || 'error' in plan || !plan.throughput) return [];
    return plan.ops.map((op) => ({
      name: op.name,
      points: measured.points.filter((p) => p.op === op.name && Number.isFinite(gflops(p))).map((p) => ({ x: p.tokens, y: gflops(p), label: `${p.grid}×${p.grid}` })),
    }));
  }, [measured, plan]);

  if ('error' in plan) return <p className="error" role="alert">{plan.error}</p>;
  const stale = measured && measured.key !== key;
  const sourceText = measured ? describeTiming(measured, plan.runs) : '';
  return (
    <div className="nb-latency" data-testid="nb-latency" data-points={measured?.points.length ?? 0}>
      <div className="row">
        <button type="button" onClick={() => runCell(cellId)} disabled={status === 'pending'} data-testid="latency-run">
          {measured ? 'Run again' : 'Run'}
        </button>
        <span className="muted">
          {plan.ops.map((o) => o.name).join(', ')} at {plan.grids.map((g) => `${g}×${g}`).join(', ')}
          {plan.skipped.length ? ` (not ${plan.skipped.map((g) => `${g}×${g}`).join(', ')}: above upTo)` : ''}
        </span>
      </div>
      {progress ? (
        <div className="progress" role="status">
          <progress value={progress.done} max={progress.total} /> measuring {progress.what} ({progress.done + 1}/{progress.total})…
        </div>
      ) : null}
      {!measured && !progress ? <p className="muted">Not measured yet: press Run (or release a slider this view depends on).</p> : null}
      {stale && !progress ? <p className="warn">The settings changed since this measurement; run again to update it.</p> : null}
      {measured ? (
        <>
          <p className="muted">{sourceText}.</p>
          <div className="table-wrap">
            <table className="nb-table">
              <thead>
                <tr>
                  <th>op</th>
                  <th>grid</th>
                  <th>tokens</th>
                  <th>MACs</th>
                  <th>time</th>
                  <th title="achieved: 2 FLOPs per MAC (a multiply and an add) divided by the time">GFLOP/s</th>
                </tr>
              </thead>
              <tbody>
                {measured.points.map((p) => (
                  <tr key={`${p.op}-${p.grid}`}>
                    <td>{p.op}</td>
                    <td>{p.grid}×{p.grid}</td>
                    <td>{p.tokens.toLocaleString('en-US')}</td>
                    <td>{Number.isFinite(p.macs) ? formatCount(p.macs) : '—'}</td>
                    <td>{p.error ? <span className="error">{p.error}</span> : formatMs(p.ms)}</td>
                    <td data-gflops={Number.isFinite(gflops(p)) ? gflops(p) : undefined}>{Number.isFinite(gflops(p)) ? fmtRate(gflops(p)) : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {plan.baseline ? (
            <ul className="latency-readings" data-testid="latency-crossovers">
              {crossovers(measured.points, plan.baseline).map((c) => (
                <li key={c.op} data-op={c.op}><strong>{c.op}</strong> {c.text}</li>
              ))}
            </ul>
          ) : null}
          <ChartFigure series={series} title="Measured time versus tokens" xLabel="tokens N (log)" yLabel="time (log)" xLog yLog formatY={fmtMs} fileName="latency-vs-tokens" />
          {plan.throughput ? (
            <>
              <ChartFigure series={rate} title="Achieved GFLOP/s versus tokens" xLabel="tokens N (log)" yLabel="GFLOP/s, 2·MACs / time (log)" xLog yLog formatY={fmtRate} fileName="gflops-vs-tokens" />
              <ul className="latency-readings" data-testid="latency-throughput">
                {throughputReadings(measured.points).map((r) => (
                  <li key={r.op} data-op={r.op}><strong>{r.op}</strong>: {r.text}</li>
                ))}
              </ul>
            </>
          ) : null}
        </>
      ) : null}
    </div>
  );
}
