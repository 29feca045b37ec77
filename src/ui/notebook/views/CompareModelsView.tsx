/**
 * `view compare-models`: one photo through every backbone whose weights this browser holds —
 * top-5 side by side, parameters, MACs (our counter beside the authors' number), batch-1 latency and
 * batch-N throughput measured here. Settings: `image`, `batch` (default 32), `reps` (default 10).
 * Heavy (it loads each model in turn), so it runs on its button or the cell's Run, not on open.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { formatBytes, formatParams } from '../../../weights/zoo';
import { fetchWeights, requestPersistentStorage } from '../../../weights/fetch-cache';
import { useGpu } from '../../../state/gpu';
import { useClassify } from '../../classify/store';
import { useZoo } from '../../classify/zoo-data';
import { useViewPhoto } from '../usePhoto';
import { compareModels, compareSources, type CompareOutcome, type CompareSource } from './compare-models';

declare global {
  interface Window {
    /** test hook: the last compare-models run */
    __attnLastCompareModels?: { seq: number; outcomes: CompareOutcome[] };
  }
}

const intSetting = (v: unknown, fallback: number, lo: number, hi: number): number =>
  typeof v === 'number' && Number.isFinite(v) ? Math.min(hi, Math.max(lo, Math.round(v))) : fallback;

export function CompareModelsView({ config, nonce }: { config: Record<string, unknown>; nonce: number }) {
  const { zoo, error: zooError } = useZoo();
  const { photo, shown, error: photoError } = useViewPhoto(config);
  const ctx = useGpu((s) => s.ctx);
  const loaded = useClassify((s) => s.loaded);
  const batch = intSetting(config.batch, 32, 1, 256);
  const reps = intSetting(config.reps, 10, 1, 200);
  const [sources, setSources] = useState<CompareSource[] | null>(null);
  const [outcomes, setOutcomes] = useState<CompareOutcome[]>([]);
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);
  const [url, setUrl] = useState('');
  const [addError, setAddError] = useState('');
  const abort = useRef<AbortController | null>(null);
  const adding = useRef<AbortController | null>(null);
  const [addBusy, setAddBusy] = useState(false);
  const firstNonce = useRef(nonce);

  const current = loaded ? { source: loaded.source, id: loaded.info.id, params: loaded.params } : null;
  const refresh = useCallback(() => {
    void compareSources(current).then(setSources, () => setSources([]));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [loaded]);
  useEffect(refresh, [refresh]);

  const run = useCallback(async () => {
    if (!zoo || !photo || !sources?.length) return;
    abort.current?.abort();
    const ac = new AbortController();
    abort.current = ac;
    setBusy(true);
    setOutcomes([]);
    const done = await compareModels(sources, {
      zoo, photo, ctx, batch, reps, signal: ac.signal,
      onStatus: setStatus,
      onOutcome: (o) => setOutcomes((xs) => [...xs, o]),
    });
    if (abort.current === ac) {
      setBusy(false);
      setStatus(ac.signal.aborted ? 'cancelled' : '');
      window.__attnLastCompareModels = { seq: (window.__attnLastCompareModels?.seq ?? 0) + 1, outcomes: done };
    }
  }, [zoo, photo, sources, ctx, batch, reps]);

  // the cell's Run (or a committed param change) re-runs; opening the notebook does not
  useEffect(() => {
    if (nonce !== firstNonce.current) void run();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [nonce]);
  useEffect(
    () => () => {
      abort.current?.abort();
      adding.current?.abort();
    },
    [],
  );

  const add = async () => {
    const u = url.trim();
    if (!u) return;
    setAddError('');
    setStatus(`downloading ${u.split('/').pop()}…`);
    void requestPersistentStorage();
    adding.current?.abort();
    const ac = new AbortController();
    adding.current = ac;
    setAddBusy(true);
    try {
      await fetchWeights(new URL(u, location.href).href, {
        signal: ac.signal,
        onProgress: (p) => setStatus(`downloading: ${formatBytes(p.received)}${p.total ? ` of ${formatBytes(p.total)}` : ''}`),
      });
      setUrl('');
      setStatus('');
      refresh();
    } catch (e) {
      setStatus('');
      setAddError((e as Error).message);
    } finally {
      if (adding.current === ac) {
        adding.current = null;
        setAddBusy(false);
      }
    }
  };

  if (zooError) return <p className="error" role="alert">{zooError}</p>;
  return (
    <div className="nb-compare-models" data-testid="compare-models">
      {photoError ? <p className="error" role="alert">{photoError}</p> : null}
      <p className="muted" data-testid="compare-sources">
        {sources === null
          ? 'Looking for weights…'
          : sources.length
            ? `${sources.length} checkpoint${sources.length > 1 ? 's' : ''} in this browser: ${sources.map((s) => s.source.split('/').pop()).join(', ')}.`
            : 'No weights in this browser yet: load some in the Classify cell above, or add a file URL here.'}{' '}
        Photo: {shown || '…'} · batch-1 latency over {reps} forwards · throughput at batch {batch}.
      </p>
      <form
        className="classify-row"
        onSubmit={(e) => {
          e.preventDefault();
          void add();
        }}
      >
        <input type="text" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="add a checkpoint by URL (https://…)" aria-label="Checkpoint URL to add" data-testid="compare-url" />
        {addBusy ? (
          <button type="button" onClick={() => adding.current?.abort()} data-testid="compare-add-cancel">
            Cancel download
          </button>
        ) : (
          <button type="submit" disabled={!url.trim()} data-testid="compare-add">
            Add
          </button>
        )}
        <button type="button" className="primary" disabled={!sources?.length || !photo || !zoo} onClick={() => void (busy ? abort.current?.abort() : run())} data-testid="compare-run">
          {busy ? 'Cancel' : outcomes.length ? 'Compare again' : `Compare ${sources?.length ?? 0} backbone${sources?.length === 1 ? '' : 's'}`}
        </button>
      </form>
      {addError ? (
        <p className="error" role="alert">
          {addError}
        </p>
      ) : null}
      {status ? (
        <p className="muted" role="status" data-testid="compare-status">
          {status}
        </p>
      ) : null}
      {!ctx ? <p className="muted warn">No WebGPU here: top-5 come from the float64 CPU reference and nothing is timed.</p> : null}
      {outcomes.length ? <CompareTable outcomes={outcomes} batch={batch} /> : null}
    </div>
  );
}

function CompareTable({ outcomes, batch }: { outcomes: CompareOutcome[]; batch: number }) {
  return (
    <div className="table-scroll">
      <table className="nb-table compare-models-table" data-testid="compare-models-table">
        <thead>
          <tr>
            <th>model</th>
            <th>params</th>
            <th>GMACs (ours)</th>
            <th>GMACs (published)</th>
            <th>top-5</th>
            <th>batch 1: ms / image</th>
            <th>batch {batch}: images / s</th>
          </tr>
        </thead>
        <tbody>
          {outcomes.map((o) =>
            o.entry ? (
              <tr key={o.source} data-model={o.entry.id} data-top5={o.entry.top.map((t) => t.index).join(',')} data-backend={o.entry.backend}>
                <td>
                  <strong>{o.entry.title}</strong>
                  <div className="muted">{o.entry.kind === 'test' ? 'test configuration (synthetic weights)' : <span className="mono">{o.entry.id}</span>}</div>
                </td>
                <td className="num">{formatParams(o.entry.paramCount)}</td>
                <td className="num">{(o.entry.macs / 1e9).toFixed(3)}</td>
                <td className="num" title={o.entry.macsPublished?.source}>
                  {o.entry.macsPublished ? `${o.entry.macsPublished.g} (${o.entry.macsPublished.source})` : '— not published'}
                </td>
                <td>
                  <ol className="compare-top5">
                    {o.entry.top.map((t) => (
                      <li key={t.index}>
                        {t.label} <span className="muted">{(100 * t.p).toFixed(1)} %</span>
                      </li>
                    ))}
                  </ol>
                </td>
                <td className="num" data-ms={o.entry.b1?.medianMs}>
                  {o.entry.b1 ? (
                    <>
                      {o.entry.b1.medianMs.toFixed(2)}
                      {o.entry.b1.gpuMedianMs !== null ? <div className="muted">GPU {o.entry.b1.gpuMedianMs.toFixed(2)}</div> : null}
                    </>
                  ) : (
                    <span className="muted">{o.entry.backend === 'webgpu' ? '—' : 'CPU reference'}</span>
                  )}
                </td>
                <td className="num" data-ips={o.entry.bN?.imgPerSec}>
                  {o.entry.bN ? o.entry.bN.imgPerSec.toFixed(o.entry.bN.imgPerSec < 10 ? 2 : 0) : <span className="muted">—</span>}
                </td>
              </tr>
            ) : (
              <tr key={o.source} className="error-row">
                <td className="mono">{o.source.split('/').pop()}</td>
                <td colSpan={6} className="error">
                  {o.error}
                </td>
              </tr>
            ),
          )}
        </tbody>
      </table>
    </div>
  );
}
