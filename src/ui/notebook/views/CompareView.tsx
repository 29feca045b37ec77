/**
 * `view compare`: several ops on the same photo and query token, side by side — each op's first
 * map (the mean over heads where it has heads), its MACs and time. Knobs at the top level apply to
 * every op that has them; `hilo: {alpha: 0.5}` applies to one. Ops run one after another.
 * The runtime counts compare as expensive: it draws once when the notebook opens, then re-runs
 * when a change is committed (slider released, map clicked) or on Run, not while dragging.
 */
import { useEffect, useRef, useState } from 'react';
import { computeOpView, type OpViewResult } from '../../../ops/view';
import { patchEmbed } from '../../../image/pixels';
import type { Tensor } from '../../../tensor/tensor';
import type { AnyOp } from '../../../ops/types';
import { useGpu } from '../../../state/gpu';
import { refName, type ViewCell } from '../../../notebook';
import { formatCount, formatMs } from '../../format';
import { MapFigure } from '../../figure/MapFigure';
import { useNotebook } from '../store';
import { PREVIEW, useViewPhoto } from '../usePhoto';
import { buildOpConfig, checkGrid, opsOf } from './op-config';
import { tokenOf } from './token';
import { useConfigDerived } from './useConfigDerived';


interface Entry {
  op: AnyOp;
  cfg: unknown;
  dim: number;
  warnings: string[];
}

function setupFrom(config: Record<string, unknown>) {
  const ops = opsOf(config);
  const grid = checkGrid(config.grid, 14, true);
  const warnings: string[] = [];
  const token = tokenOf(config, grid, warnings);
  const entries: Entry[] = ops.map((op) => {
    const { cfg, warnings: w } = buildOpConfig(op, grid, config, { shared: true });
    const shape = op.inputShape(cfg);
    return { op, cfg, dim: shape.length === 3 ? shape[2] : shape[1], warnings: w };
  });
  return { grid, token, entries, warnings };
}

type Outcome = { result: OpViewResult } | { error: string };

export function CompareView({ cell, config, nonce }: { cell: ViewCell; config: Record<string, unknown>; nonce: number }) {
  const setParam = useNotebook((s) => s.setParam);
  const { ctx, status, generation } = useGpu();
  const setup = useConfigDerived(config, setupFrom);
  const { photo, error: photoError, preview } = useViewPhoto(config);
  const ok = 'entries' in setup ? setup : null;
  const [outcomes, setOutcomes] = useState<Record<string, Outcome>>({});
  const [busy, setBusy] = useState(false);
  const runId = useRef(0);

  useEffect(() => {
    if (!ok || !photo || status === 'pending') return;
    const id = ++runId.current;
    setBusy(true);
    (async () => {
      const tokens = new Map<number, Tensor>();
      for (const e of ok.entries) {
        if (id !== runId.current) return;
        let out: Outcome;
        try {
          let t = tokens.get(e.dim);
          if (!t) tokens.set(e.dim, (t = patchEmbed(photo, ok.grid, e.dim)));
          out = { result: await computeOpView(e.op, e.cfg, t, ok.token, ctx, { timingRuns: 1 }) };
        } catch (err) {
          out = { error: (err as Error).message };
        }
        if (id !== runId.current) return;
        setOutcomes((o) => ({ ...o, [e.op.name]: out }));
      }
      if (id === runId.current) setBusy(false);
    })();
  }, [ok, photo, ctx, status, generation, nonce]);

  const tokenParam = refName(cell.config.token);
  const onPick = tokenParam ? (t: number) => setParam(tokenParam, t, true) : undefined;
  if ('error' in setup) return <p className="error" role="alert">{setup.error}</p>;
  const { grid, token, entries, warnings } = setup;
  return (
    <div className="nb-compare" data-testid="nb-compare">
      {[...warnings, ...entries.flatMap((e) => e.warnings.map((w) => `${e.op.name}: ${w}`))].map((w) => (
        <p key={w} className="warn">{w}</p>
      ))}
      {photoError ? <p className="error" role="alert">{photoError}</p> : null}
      <p className="muted">
        {grid}×{grid} tokens · query ({Math.floor(token / grid)}, {token % grid}){busy ? ' · updating…' : ''}
        {tokenParam ? ' · click any map to choose the query token' : ''}
      </p>
      <div className="compare-grid">
        {entries.map((e) => {
          const o = outcomes[e.op.name];
          return (
            <div key={e.op.name} className="compare-item" data-op={e.op.name}>
              <h3 title={e.op.title}>{e.op.title}</h3>
              {!o ? (
                <p className="muted">computing…</p>
              ) : 'error' in o ? (
                <p className="error">{o.error}</p>
              ) : o.result.panels.length === 0 ? (
                <p className="muted">no map</p>
              ) : (
                <>
                  <MapFigure fileName={`${e.op.name}-${grid}x${grid}-token${token}`} panel={o.result.panels[0]} photo={preview} previewSize={PREVIEW} token={token} onPick={onPick} size={200} />
                  <p className="compare-stats">
                    <strong>{formatCount(o.result.macs)}</strong> MACs · <strong>{formatMs(o.result.ms)}</strong>
                    {o.result.timeSource === 'cpu-reference' ? ' (CPU)' : ''}
                  </p>
                </>
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}
