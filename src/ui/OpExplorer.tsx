/**
 * The op view: a mechanism with seeded weights on the photo's tokens. Choose the op, the grid and
 * the knobs, click a token, see its map per head and the mean, MACs and measured time.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { OPS, opByName } from '../ops/registry';
import { computeOpView, type OpViewResult } from '../ops/view';
import { patchEmbed, previewRgba } from '../image/pixels';
import { GRID_CHOICES, useSession } from '../state/session';
import { useGpu } from '../state/gpu';
import { AttentionMap } from './AttentionMap';
import { Slider } from './Slider';
import { formatCount, formatMs } from './format';
import { latestWins } from './classify/knobs/latest-wins';

const PREVIEW = 224;

export function OpExplorer() {
  const { photo, opName, grid, knobs, token, setOp, setGrid, setKnob, setToken } = useSession();
  const { ctx, status, generation } = useGpu();
  const op = opByName(opName) ?? OPS[0];
  const [result, setResult] = useState<OpViewResult | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const runId = useRef(0);

  const cfg = useMemo(() => {
    const c = { ...op.defaultConfig(grid, grid), ...knobs };
    return op.normalizeConfig ? op.normalizeConfig(c) : c;
  }, [op, grid, knobs]);
  const cfgValue = (key: string) => (cfg as Record<string, number | string>)[key];
  const dim = op.inputShape(cfg).length === 3 ? op.inputShape(cfg)[2] : op.inputShape(cfg)[1];
  const tokens = useMemo(() => (photo ? patchEmbed(photo.rgb, grid, dim) : null), [photo, grid, dim]);
  const preview = useMemo(() => (photo ? previewRgba(photo.rgb, PREVIEW) : null), [photo]);

  // Latest wins: while one computation runs, further changes (a held arrow key, a drag) replace
  // the queued one instead of piling up behind it, so the map catches up with the knob at once.
  const [runner] = useState(() => latestWins((job: () => Promise<void>) => job(), () => {}, () => {}));
  useEffect(() => {
    if (!tokens || status === 'pending') return;
    const id = ++runId.current;
    setBusy(true);
    runner.submit(async () => {
      try {
        const r = await computeOpView(op, cfg, tokens, token, ctx);
        if (id !== runId.current) return;
        setResult(r);
        setError('');
        // Read-only snapshot for end-to-end tests, which recompute the same view in Node.
        (window as unknown as { __attnLastView?: unknown }).__attnLastView = {
          op: op.name, cfg, token, grid, backend: r.backend, macs: r.macs,
          tokens: Array.from(tokens.data), panels: r.panels.map((p) => ({ title: p.title, values: Array.from(p.values) })),
        };
      } catch (e) {
        if (id === runId.current) setError((e as Error).message);
      } finally {
        if (id === runId.current) setBusy(false);
      }
    });
  }, [op, cfg, tokens, token, ctx, status, generation]);

  return (
    <section className="op-explorer" aria-label="Attention explorer">
      <div className="controls">
        <label>
          mechanism{' '}
          <select value={op.name} onChange={(e) => setOp(e.target.value)} data-testid="op-select">
            {OPS.map((o) => (
              <option key={o.name} value={o.name}>
                {o.title}
              </option>
            ))}
          </select>
        </label>
        <label>
          token grid{' '}
          <select value={grid} onChange={(e) => setGrid(Number(e.target.value))} data-testid="grid-select">
            {GRID_CHOICES.map((g) => (
              <option key={g} value={g}>
                {g}×{g} ({g * g} tokens)
              </option>
            ))}
          </select>
        </label>
        {(op.sliders ?? []).map((s) => (
          <Slider
            key={s.key}
            label={s.label}
            value={Number(cfgValue(s.key) ?? s.default)}
            min={s.min}
            max={s.max}
            step={s.step}
            log={s.log}
            note={cfgValue(s.key) !== s.default ? `left the trained setting (official: ${s.default})` : undefined}
            onChange={(v) => setKnob(s.key, v)}
          />
        ))}
        {(op.choices ?? []).map((c) => (
          <label key={c.key}>
            {c.label}{' '}
            <select value={String(cfgValue(c.key) ?? c.default)} onChange={(e) => setKnob(c.key, e.target.value)} data-testid={`choice-${c.key}`}>
              {c.options.map((o) => (
                <option key={o} value={o}>
                  {o}
                  {o === c.default ? ' (official)' : ''}
                </option>
              ))}
            </select>
          </label>
        ))}
      </div>
      {!photo ? <p className="muted">Pick a sample photo or drop your own to begin.</p> : null}
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      {result && photo ? (
        <>
          <div className="stats" data-testid="op-stats">
            <span>
              <strong data-testid="macs">{formatCount(result.macs)}</strong> MACs (papers' FLOPs)
            </span>
            <span>
              <strong data-testid="gpu-time">{formatMs(result.ms)}</strong>{' '}
              {result.timeSource === 'gpu-timestamp' ? 'GPU time (timestamp queries)' : result.timeSource === 'gpu-wall' ? 'GPU time (wall clock to completion)' : 'on the CPU reference (no WebGPU)'}
            </span>
            <span className="muted">
              query token ({Math.floor(token / grid)}, {token % grid}) · weights: seeded synthetic (PRNG attnbook-v1) on a patch embedding of the photo
            </span>
            {busy ? <span className="muted">updating…</span> : null}
          </div>
          <div className="maps" data-testid="maps">
            {result.panels.map((p, i) => (
              <AttentionMap key={p.title} panel={p} photo={preview} previewSize={PREVIEW} token={token} onPick={setToken} size={i === 0 ? 300 : 180} />
            ))}
          </div>
        </>
      ) : photo && busy ? (
        <p className="muted">computing…</p>
      ) : null}
    </section>
  );
}
