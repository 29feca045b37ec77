/**
 * `view alpha-sweep`: LITv2-S's released alpha sweep (alpha_*.pth, LITv2-S trained at alpha 0 … 1)
 * on the user's photo — every sweep checkpoint this browser holds (the Cache API, the Classify
 * page's weights, or files dropped here for this session) is one alpha stop: top-5, MACs (ours and
 * LITv2's own flops()), batch-1 time measured here, beside the published ImageNet top-1. Says
 * plainly which stops are missing, and when none is held. Settings: `image`, `reps` (default 5).
 * Heavy (one checkpoint after another), so it runs on its button or the cell's Run.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { litv2AlphaSweep, type AlphaSweepRow } from '../../../models/litv2/alpha-sweep';
import { useGpu } from '../../../state/gpu';
import { listCachedWeights } from '../../../weights/fetch-cache';
import type { Zoo } from '../../../weights/zoo';
import { useClassify } from '../../classify/store';
import { useZoo } from '../../classify/zoo-data';
import { formatMs } from '../../format';
import { useViewPhoto } from '../usePhoto';
import { compareModels, type CompareOutcome, type CompareSource } from './compare-models';

declare global {
  interface Window {
    /** test hook: the last alpha-sweep run */
    __attnLastAlphaSweep?: { seq: number; held: number; outcomes: CompareOutcome[] };
  }
}

const SWEEP = litv2AlphaSweep();

/** The sweep variant of a zoo entry's file name or URL (alpha_0.5.pth → litv2-s-alpha0.5). */
function sweepVariant(zoo: Zoo, nameOrUrl: string): string | undefined {
  const name = decodeURIComponent(nameOrUrl.split(/[?#]/)[0].split('/').pop() ?? '');
  return zoo.variants.find((v) => v.sweep === 'alpha' && v.sources.some((s) => s.url === nameOrUrl || s.file === name))?.id;
}

const alphaOf = (id: string): AlphaSweepRow | undefined => SWEEP.find((r) => id === `litv2-s-alpha${r.alpha === 0 ? '0' : r.alpha === 1 ? '1' : String(r.alpha)}`);

export function AlphaSweepView({ config, nonce }: { config: Record<string, unknown>; nonce: number }) {
  const { zoo, error: zooError } = useZoo();
  const { photo, shown, error: photoError } = useViewPhoto(config);
  const ctx = useGpu((s) => s.ctx);
  const loaded = useClassify((s) => s.loaded);
  const reps = typeof config.reps === 'number' && Number.isFinite(config.reps) ? Math.min(50, Math.max(1, Math.round(config.reps))) : 5;
  const [cached, setCached] = useState<CompareSource[] | null>(null);
  const [dropped, setDropped] = useState<CompareSource[]>([]);
  const [dropError, setDropError] = useState('');
  const [outcomes, setOutcomes] = useState<CompareOutcome[]>([]);
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);
  const abort = useRef<AbortController | null>(null);
  const firstNonce = useRef(nonce);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (!zoo) return;
    let live = true;
    void listCachedWeights().then(
      (items) => live && setCached(items.filter((c) => !c.partial && sweepVariant(zoo, c.url)).map((c) => ({ source: c.url, variantId: sweepVariant(zoo, c.url) }))),
      () => live && setCached([]),
    );
    return () => {
      live = false;
    };
  }, [zoo]);

  const sources: CompareSource[] = [...(cached ?? []), ...dropped];
  if (loaded && alphaOf(loaded.info.id) && !sources.some((s) => s.variantId === loaded.info.id) && loaded.params) sources.push({ source: loaded.source, variantId: loaded.info.id, loaded: { id: loaded.info.id, params: loaded.params } });
  const heldIds = new Set(sources.map((s) => s.variantId));
  const missing = SWEEP.filter((r) => ![...heldIds].some((id) => id && alphaOf(id) === r));

  const run = useCallback(async () => {
    if (!zoo || !photo || !sources.length) return;
    abort.current?.abort();
    const ac = new AbortController();
    abort.current = ac;
    setBusy(true);
    setOutcomes([]);
    const ordered = [...sources].sort((a, b) => (alphaOf(a.variantId ?? '')?.alpha ?? 9) - (alphaOf(b.variantId ?? '')?.alpha ?? 9));
    const done = await compareModels(ordered, { zoo, photo, ctx, batch: 1, reps, signal: ac.signal, onStatus: setStatus, onOutcome: (o) => setOutcomes((xs) => [...xs, o]) });
    if (abort.current === ac) {
      setBusy(false);
      setStatus(ac.signal.aborted ? 'cancelled' : '');
      window.__attnLastAlphaSweep = { seq: (window.__attnLastAlphaSweep?.seq ?? 0) + 1, held: ordered.length, outcomes: done };
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [zoo, photo, ctx, reps, cached, dropped, loaded]);
  useEffect(() => {
    if (nonce !== firstNonce.current) void run();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [nonce]);
  useEffect(() => () => abort.current?.abort(), []);

  const take = (files: File[]) => {
    if (!zoo) return;
    const bad: string[] = [];
    const add: CompareSource[] = [];
    for (const f of files) {
      const id = sweepVariant(zoo, f.name);
      if (id) add.push({ source: f.name, file: f, variantId: id });
      else bad.push(f.name);
    }
    setDropError(bad.length ? `${bad.join(', ')}: not a file of the alpha sweep (alpha_0.pth, alpha_0.2.pth, … alpha_1.pth)` : '');
    setDropped((d) => [...d.filter((x) => !add.some((a) => a.variantId === x.variantId)), ...add]);
  };

  if (zooError) return <p className="error">{zooError}</p>;
  if (!zoo || cached === null) return <p className="muted">Looking for the alpha sweep in this browser…</p>;
  return (
    <div className="alpha-sweep-view" data-testid="alpha-sweep-view" data-held={sources.length}>
      {photoError ? <p className="cell-message" role="alert">{photoError}</p> : null}
      {sources.length === 0 ? (
        <p data-testid="alpha-sweep-none">
          <strong>This browser holds none of the {SWEEP.length} alpha-sweep checkpoints</strong> (alpha_0.pth … alpha_1.pth, LITv2-S trained at each alpha;
          the GitHub release v1.1 of LITv2). GitHub does not let this page download them: save them from the release page, then drop them here or load
          them on the <a href="#classify">Classify page</a>. Each file held becomes one alpha stop of this table.
        </p>
      ) : (
        <p className="muted" data-testid="alpha-sweep-held">
          {sources.length} of {SWEEP.length} alpha stops held
          {missing.length ? `; not held: ${missing.map((r) => r.file).join(', ')}` : ' (the whole sweep)'}.
        </p>
      )}
      <div
        className="dropzone"
        onDragOver={(e) => e.preventDefault()}
        onDrop={(e) => {
          e.preventDefault();
          take(Array.from(e.dataTransfer.files));
        }}
      >
        Drop alpha_*.pth files here (kept for this session), or{' '}
        <button className="link" type="button" onClick={() => input.current?.click()}>
          choose them
        </button>
        .
        <input ref={input} type="file" accept=".pth" multiple hidden data-testid="alpha-sweep-input" onChange={(e) => { take(Array.from(e.target.files ?? [])); e.target.value = ''; }} />
      </div>
      {dropError ? <p className="error" role="alert">{dropError}</p> : null}
      <div className="classify-row">
        <button type="button" className="primary" data-testid="alpha-sweep-run" disabled={busy || !sources.length || !photo} onClick={() => void run()}>
          {busy ? 'Running…' : `Run the sweep on ${shown || 'the photo'} (${sources.length} checkpoint${sources.length === 1 ? '' : 's'})`}
        </button>
        {busy ? (
          <button type="button" onClick={() => abort.current?.abort()}>
            Cancel
          </button>
        ) : null}
        {status ? <span className="muted" role="status">{status}</span> : null}
      </div>
      {outcomes.length ? (
        <table className="ablation-table" data-testid="alpha-sweep-table">
          <thead>
            <tr>
              <th>alpha</th>
              <th>Lo-Fi heads (stage 3)</th>
              <th>top-5 on {shown}</th>
              <th>MACs (ours)</th>
              <th>FLOPs (LITv2 flops())</th>
              <th>batch-1 time</th>
              <th>published top-1</th>
            </tr>
          </thead>
          <tbody>
            {outcomes.map((o) => {
              const row = o.entry ? alphaOf(o.entry.id) : undefined;
              if (!o.entry || !row) {
                return (
                  <tr key={o.source}>
                    <td>{o.source.split('/').pop()}</td>
                    <td colSpan={6} className="error">
                      {o.error ?? 'not a checkpoint of the sweep'}
                    </td>
                  </tr>
                );
              }
              const t = o.entry.b1;
              return (
                <tr key={o.source} data-alpha={row.alpha}>
                  <td>{row.alpha}</td>
                  <td>{row.lofiHeads} of 12</td>
                  <td style={{ textAlign: 'left' }}>
                    {o.entry.top.map((c) => `${c.label} ${(100 * c.p).toFixed(1)} %`).join(' · ')}
                    {o.entry.backend !== 'webgpu' ? ' (CPU reference)' : ''}
                  </td>
                  <td>{(o.entry.macs / 1e9).toFixed(3)} G</td>
                  <td>{row.officialGFlops.toFixed(3)} G</td>
                  <td>{t ? `${formatMs(t.gpuMedianMs ?? t.medianMs)} ${t.gpuMedianMs !== null ? 'GPU' : 'wall'}` : '—'}</td>
                  <td>{row.top1} %</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
