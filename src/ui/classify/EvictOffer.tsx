/**
 * After a file from the weights cache failed to load: the offer to remove it, so the next try
 * downloads it again instead of reading the same bytes.
 */
import { useState } from 'react';
import { evictCached } from './actions';
import { useClassify } from './store';

export function EvictOffer({ onDone }: { onDone(): void }) {
  const url = useClassify((s) => s.evictable);
  const [error, setError] = useState('');
  if (!url) return null;
  const name = decodeURIComponent(url.split(/[?#]/)[0].split('/').pop() || url);
  return (
    <p className="evict-offer" data-testid="evict-offer">
      This file is kept in the browser&apos;s cache but does not load.{' '}
      <button
        type="button"
        data-testid="evict-cached"
        onClick={() => evictCached(url).then(() => (setError(''), onDone()), (e: Error) => setError(`could not remove it: ${e.message}`))}
      >
        Remove {name} from the cache
      </button>{' '}
      (the next load downloads it again).
      {error ? <span className="error"> {error}</span> : null}
    </p>
  );
}
