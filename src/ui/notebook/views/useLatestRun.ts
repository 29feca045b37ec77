/**
 * The newest run of a view's async computation: `run` starts whenever `deps` change (null: not
 * now); a run that a newer one overtook neither shows its value nor its error, and may ask
 * `stale()` to stop early. `runs` counts the starts (views expose it so tests can see which re-ran).
 */
import { useEffect, useRef, useState } from 'react';

export function useLatestRun<T>(run: ((stale: () => boolean) => Promise<T>) | null, deps: unknown[]) {
  const [out, setOut] = useState<{ value: T | null; error: string }>({ value: null, error: '' });
  const [busy, setBusy] = useState(false);
  const [runs, setRuns] = useState(0);
  const latest = useRef(0);
  useEffect(() => {
    if (!run) return;
    const id = ++latest.current;
    const stale = () => id !== latest.current;
    setBusy(true);
    setRuns((n) => n + 1);
    run(stale)
      .then((value) => stale() || setOut({ value, error: '' }), (e: Error) => stale() || setOut({ value: null, error: e.message }))
      .finally(() => stale() || setBusy(false));
    // the caller names what the run depends on (`run` is a new closure on every render)
  }, deps);
  return { ...out, busy, runs };
}
