/** What the browser keeps in the weights cache: load one, remove one, clear all; storage use. */
import { useEffect, useState } from 'react';
import { clearCachedWeights, deleteCachedWeights, hostOf, listCachedWeights, storageEstimate, type CachedWeights } from '../../weights/fetch-cache';
import { formatBytes, type Zoo } from '../../weights/zoo';
import { loadUrl } from './actions';
import { useClassify } from './store';

export function CachedList({ zoo, rev, onChange }: { zoo: Zoo; rev: number; onChange(): void }) {
  const [items, setItems] = useState<CachedWeights[] | null>(null);
  const [est, setEst] = useState<{ usage: number; quota: number } | null>(null);
  const [persisted, setPersisted] = useState<boolean | null>(null);
  const [error, setError] = useState('');
  const busy = useClassify((s) => Boolean(s.busy || s.progress));
  useEffect(() => {
    let live = true;
    Promise.all([listCachedWeights(), storageEstimate(), navigator.storage?.persisted?.().catch(() => null) ?? Promise.resolve(null)])
      .then(([l, e, p]) => {
        if (!live) return;
        setItems(l);
        setEst(e);
        setPersisted(p);
      })
      .catch((e: Error) => live && setError(`cannot read the cache: ${e.message}`));
    return () => {
      live = false;
    };
  }, [rev]);

  const variantOf = (url: string) => zoo.variants.find((v) => v.sources.some((s) => s.url === url));
  const act = (p: Promise<unknown>) => p.then(onChange, (e: Error) => setError(e.message));
  return (
    <div className="classify-block" data-testid="cached-list">
      <h3>Cached weights</h3>
      {error ? <p className="error">{error}</p> : null}
      {items === null ? (
        <p className="muted">reading the cache…</p>
      ) : items.length === 0 ? (
        <p className="muted">Nothing cached yet: downloaded weights are kept in this browser so they load without the network next time.</p>
      ) : (
        <ul className="cached-items">
          {items.map((c) => {
            const v = variantOf(c.url);
            const name = c.url.split('/').pop();
            return (
              <li key={`${c.url}${c.partial ? '#partial' : ''}`}>
                <span className="mono" title={c.url}>
                  {v ? `${v.title} — ` : ''}
                  {name}
                </span>{' '}
                <span className="muted">({hostOf(c.url)})</span>{' '}
                <span className="muted">
                  {c.partial ? `partial download: ${formatBytes(c.bytes)}${c.total ? ` of ${formatBytes(c.total)}` : ''}` : formatBytes(c.bytes)}
                </span>{' '}
                <button type="button" disabled={busy} onClick={() => act(loadUrl(zoo, c.url, { variantId: v?.id, expectedBytes: c.total ?? undefined }))}>
                  {c.partial ? 'Resume' : 'Load'}
                </button>{' '}
                <button type="button" onClick={() => act(deleteCachedWeights(c.url))} aria-label={`Remove ${name} from the cache`}>
                  Remove
                </button>
              </li>
            );
          })}
        </ul>
      )}
      <p className="muted">
        {est ? `Browser storage: ${formatBytes(est.usage)} used of ${formatBytes(est.quota)} available to this site. ` : ''}
        {persisted === true ? 'Storage is persistent (not evicted under pressure).' : persisted === false ? 'Storage is not persistent: the browser may evict it when space runs low.' : ''}
        {items?.length ? (
          <>
            {' '}
            <button type="button" className="link" data-testid="cached-clear" onClick={() => act(clearCachedWeights())}>
              Clear all cached weights
            </button>
          </>
        ) : null}
      </p>
    </div>
  );
}
