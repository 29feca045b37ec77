/**
 * `view attention` with `sweep: alpha` (and `values`): the clicked token's head-mean map for each
 * swept setting, side by side (small multiples), so the maps can be followed along the sweep.
 * Maps only (no timing runs); each map has its own colour range, stated by its legend, because a
 * window map and a pooled map differ by orders of magnitude.
 */
import { computeOpView } from '../../../ops/view';
import type { AnyOp, MapPanel } from '../../../ops/types';
import { useGpu } from '../../../state/gpu';
import { refName, type ViewCell } from '../../../notebook';
import { MapFigure } from '../../figure/MapFigure';
import { useNotebook } from '../store';
import { PREVIEW, usePatchTokens, useViewPhoto } from '../usePhoto';
import { tokenOf } from './token';
import { hiloHeadSplit } from '../../../ops/hilo/maps';
import type { HiloConfig } from '../../../ops/hilo/spec';
import { sweepConfigs, sweepOf, sweepOpGrid, type Sweep } from './sweep';
import { useConfigDerived } from './useConfigDerived';
import { useLatestRun } from './useLatestRun';


interface Setup {
  op: AnyOp;
  grid: number;
  sweep: Sweep;
  cfgs: unknown[];
  warnings: string[];
  token: number;
  dim: number;
}

export function SweepMaps({ cell, config, nonce }: { cell: ViewCell; config: Record<string, unknown>; nonce: number }) {
  const setParam = useNotebook((s) => s.setParam);
  const { ctx, status, generation } = useGpu();
  const setup = useConfigDerived(config, (): Setup => {
    const { op, grid } = sweepOpGrid(config, true);
    const sweep = sweepOf(config, op)!;
    const { cfgs, warnings } = sweepConfigs(op, grid, config, sweep);
    const token = tokenOf(config, grid, warnings);
    const shape = op.inputShape(cfgs[0]);
    const dim = shape.length === 3 ? shape[2] : shape[1];
    return { op, grid, sweep, cfgs, warnings, token, dim };
  });
  const { photo, error: photoError, shown, preview } = useViewPhoto(config);
  const ok = 'op' in setup ? setup : null;
  const tokens = usePatchTokens(photo, ok?.grid, ok?.dim);
  const { value: panels, error, busy } = useLatestRun(
    ok && tokens && status !== 'pending'
      ? async (stale) => {
          const out: MapPanel[] = [];
          for (let i = 0; i < ok.cfgs.length && !stale(); i++) {
            const r = await computeOpView(ok.op, ok.cfgs[i], tokens, ok.token, ctx, { timingRuns: 0 });
            const mean = r.panels[0];
            if (!mean) throw new Error(`${ok.op.name} gives no maps`);
            out.push({ ...mean, title: `${ok.sweep.key} = ${ok.sweep.values[i]}${mapNote(ok.op.name, ok.cfgs[i])}` });
          }
          return out;
        }
      : null,
    [ok, tokens, ctx, status, generation, nonce],
  );

  const tokenParam = refName(cell.config.token);
  const onPick = tokenParam ? (t: number) => setParam(tokenParam, t, true) : undefined;

  if ('error' in setup) return <p className="error" role="alert">{setup.error}</p>;
  const { op, grid, token, warnings, sweep } = setup;
  return (
    <div className="nb-attention nb-sweep" data-testid="nb-sweep-maps" data-maps={panels && !error ? panels.length : 0} data-token={token} data-photo={shown}>
      {warnings.map((w) => (
        <p key={w} className="warn">{w}</p>
      ))}
      {photoError ? <p className="error" role="alert">{photoError}</p> : null}
      {error ? <p className="error" role="alert">{error.startsWith(op.name) ? error : `${op.name}: ${error}`}</p> : null}
      {panels && !error ? (
        <>
          <div className="stats">
            <span>
              <strong>{op.title}</strong> · {grid}×{grid} tokens · query ({Math.floor(token / grid)}, {token % grid}) · mean of heads for each {sweep.key}
            </span>
            {busy ? <span className="muted">updating…</span> : null}
          </div>
          <div className={`maps sweep-maps ${busy ? 'stale' : ''}`}>
            {panels.map((p, i) => (
              <MapFigure key={`${i}-${p.title}`} fileName={`${op.name}-${grid}x${grid}-token${token}`} panel={p} photo={preview} previewSize={PREVIEW} token={token} onPick={onPick} size={120} />
            ))}
          </div>
        </>
      ) : busy || (!photo && !photoError) ? (
        <p className="muted">computing…</p>
      ) : null}
    </div>
  );
}

/** HiLo: how the heads split at this setting (the reason the map changes). */
function mapNote(op: string, cfg: unknown): string {
  if (op !== 'hilo') return '';
  const s = hiloHeadSplit(cfg as HiloConfig);
  return ` (${s.hifiHeads} Hi-Fi, ${s.lofiHeads} Lo-Fi)`;
}
