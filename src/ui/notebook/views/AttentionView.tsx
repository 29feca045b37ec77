/**
 * `view attention`: the photo's tokens through one op with seeded weights, the query token's map
 * per head (computeOpView, WebGPU or the CPU reference), MACs and time. Clicking a map sets the
 * param the view's `token` refers to (`token: $token`). With `sweep: alpha` (and `values`) it
 * shows the head-mean map of each swept setting instead (SweepMaps).
 */
import { computeOpView } from '../../../ops/view';
import { useGpu } from '../../../state/gpu';
import { refName, type ViewCell } from '../../../notebook';
import { formatCount, formatMs } from '../../format';
import { MapFigure } from '../../figure/MapFigure';
import { useNotebook } from '../store';
import { PREVIEW, usePatchTokens, useViewPhoto } from '../usePhoto';
import { tokenOf } from './token';
import { buildOpConfig, checkGrid, findOp } from './op-config';
import { SweepMaps } from './SweepMaps';
import { useConfigDerived } from './useConfigDerived';
import { useLatestRun } from './useLatestRun';


interface Setup {
  op: ReturnType<typeof findOp>;
  grid: number;
  cfg: unknown;
  dim: number;
  token: number;
  warnings: string[];
}

function setupFrom(config: Record<string, unknown>): Setup {
  const op = findOp(config.op);
  const grid = checkGrid(config.grid, 14, true);
  const { cfg, warnings } = buildOpConfig(op, grid, config);
  const shape = op.inputShape(cfg);
  const dim = shape.length === 3 ? shape[2] : shape[1];
  const token = tokenOf(config, grid, warnings);
  return { op, grid, cfg, dim, token, warnings };
}

export function AttentionView(props: { cell: ViewCell; config: Record<string, unknown>; nonce: number }) {
  return props.config.sweep !== undefined ? <SweepMaps {...props} /> : <OneAttention {...props} />;
}

function OneAttention({ cell, config, nonce }: { cell: ViewCell; config: Record<string, unknown>; nonce: number }) {
  const setParam = useNotebook((s) => s.setParam);
  const { ctx, status, generation } = useGpu();
  const setup = useConfigDerived(config, setupFrom);
  const { photo, error: photoError, shown, preview } = useViewPhoto(config);
  const ok = 'op' in setup ? setup : null;
  const tokens = usePatchTokens(photo, ok?.grid, ok?.dim);
  // data-runs counts the computations (tests check that only dependents re-run)
  const { value: result, error, busy, runs: computed } = useLatestRun(
    ok && tokens && status !== 'pending' ? () => computeOpView(ok.op, ok.cfg, tokens, ok.token, ctx) : null,
    [ok, tokens, ctx, status, generation, nonce],
  );

  const tokenParam = refName(cell.config.token);
  const onPick = tokenParam ? (t: number) => setParam(tokenParam, t, true) : undefined;

  if ('error' in setup) return <p className="error" role="alert">{setup.error}</p>;
  const { op, grid, token, warnings } = setup;
  return (
    <div className="nb-attention" data-testid="nb-attention" data-panels={result && !error ? result.panels.length : 0} data-token={token} data-photo={shown} data-runs={computed}>
      {warnings.map((w) => (
        <p key={w} className="warn">{w}</p>
      ))}
      {photoError ? <p className="error" role="alert">{photoError}</p> : null}
      {error ? <p className="error" role="alert">{error.startsWith(op.name) ? error : `${op.name}: ${error}`}</p> : null}
      {result && !error ? (
        <>
          <div className="stats">
            <span>
              <strong>{op.title}</strong> · {grid}×{grid} tokens · query ({Math.floor(token / grid)}, {token % grid})
            </span>
            <span>
              <strong>{formatCount(result.macs)}</strong> MACs
            </span>
            <span>
              <strong>{formatMs(result.ms)}</strong>{' '}
              {result.timeSource === 'cpu-reference' ? 'on the CPU reference (no WebGPU)' : result.timeSource === 'gpu-timestamp' ? 'GPU time' : 'GPU time (wall clock)'}
            </span>
            {busy ? <span className="muted">updating…</span> : null}
          </div>
          <div className={`maps ${busy ? 'stale' : ''}`}>
            {result.panels.map((p, i) => (
              <MapFigure
                key={`${i}-${p.title}`}
                fileName={`${op.name}-${grid}x${grid}-token${token}`}
                panel={p}
                photo={preview}
                previewSize={PREVIEW}
                token={token}
                onPick={onPick}
                size={i === 0 ? 260 : 150}
              />
            ))}
          </div>
          {!tokenParam ? <p className="muted">To choose the query token by clicking, give this view <code>token: $token</code> and a token param.</p> : null}
        </>
      ) : busy || (!photo && !photoError) ? (
        <p className="muted">computing…</p>
      ) : null}
    </div>
  );
}
