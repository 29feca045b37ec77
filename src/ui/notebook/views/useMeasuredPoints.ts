/**
 * The measurement of a latency view (plain or swept): on each Run (`nonce` > 0) the jobs of the
 * plan as it is then, one at a time, with a progress line; the points so far, keyed by the config
 * they were taken with (so the view can say they are stale). A new Run, Cancel or leaving the page
 * stops the one in flight between two jobs; `stopped` says Cancel did (until the next Run).
 */
import { useEffect, useRef, useState } from 'react';
import type { GpuContext } from '../../../gpu/context';
import type { AnyOp } from '../../../ops/types';
import { useGpu } from '../../../state/gpu';
import { timeOp, timeSource, type TimeSource } from './latency';

/** One job: what the progress line names, and the point it measures. */
export interface PointJob<P> {
  what: string;
  measure: (ctx: GpuContext | null, cancelled: () => boolean) => Promise<P>;
}

export interface Measured<P> {
  key: string;
  points: P[];
  source: TimeSource;
  software: boolean;
}

/** `base` with the op's MACs and median time at the config `cfg()` gives, or the error that stopped either. */
export async function measurePoint<B>(base: B, op: AnyOp, cfg: () => unknown, ctx: GpuContext | null, runs: number, cancelled: () => boolean) {
  const pt: B & { macs: number; ms: number; error?: string } = { ...base, macs: NaN, ms: NaN };
  try {
    const c = cfg();
    pt.macs = op.macs(c);
    pt.ms = await timeOp(op, c, ctx, runs, cancelled);
  } catch (e) {
    pt.error = (e as Error).message;
  }
  return pt;
}

export function useMeasuredPoints<P>(nonce: number, key: string, jobs: () => Array<PointJob<P>> | null) {
  const { ctx, status, report } = useGpu();
  const [measured, setMeasured] = useState<Measured<P> | null>(null);
  const [progress, setProgress] = useState<{ done: number; total: number; what: string } | null>(null);
  const [stopped, setStopped] = useState(false);
  const runId = useRef(0);
  const latest = useRef({ jobs, key });
  latest.current = { jobs, key };

  useEffect(() => {
    if (nonce === 0 || status === 'pending') return;
    const list = latest.current.jobs();
    const k = latest.current.key;
    if (!list) return;
    const id = ++runId.current;
    const cancelled = () => id !== runId.current;
    const points: P[] = [];
    setStopped(false);
    (async () => {
      for (const [i, job] of list.entries()) {
        if (cancelled()) return;
        setProgress({ done: i, total: list.length, what: job.what });
        // let the progress bar paint before the GPU work is queued
        await new Promise((r) => setTimeout(r, 0));
        const pt = await job.measure(ctx, cancelled);
        if (cancelled()) return;
        points.push(pt);
        setMeasured({ key: k, points: [...points], source: timeSource(ctx), software: !!report?.software });
      }
      setProgress(null);
    })();
    return () => {
      runId.current++;
    };
  }, [nonce, status, ctx, report]);

  const cancel = () => {
    runId.current++;
    setProgress(null);
    setStopped(true);
  };
  return { measured, progress, stopped, cancel };
}
