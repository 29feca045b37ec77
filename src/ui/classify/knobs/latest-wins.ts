/**
 * Coalescing for work driven by a slider: at most one job runs; while it runs, newer requests
 * replace each other and only the newest starts when it ends (after its result is reported, so a
 * long drag still updates the screen). A request never waits behind more than the one running job,
 * and nothing stale is queued on the GPU.
 */
export interface LatestWins<A> {
  /** ask for a run with `arg`; replaces any request not started yet */
  submit(arg: A): void;
  /** whether a job is running */
  readonly busy: boolean;
  /** forget a pending request (a running job finishes; its result is still delivered) */
  cancel(): void;
}

export function latestWins<A, R>(job: (arg: A) => Promise<R>, done: (arg: A, r: R) => void, failed: (arg: A, e: unknown) => void): LatestWins<A> {
  let running = false;
  let pending: { arg: A } | null = null;
  const start = (arg: A): void => {
    running = true;
    job(arg).then(
      (r) => finish(() => done(arg, r)),
      (e) => finish(() => failed(arg, e)),
    );
  };
  const finish = (report: () => void): void => {
    running = false;
    // the result is still newer than what is on screen: show it, then run the newest request
    report();
    if (pending && !running) {
      const next = pending;
      pending = null;
      start(next.arg);
    }
  };
  return {
    submit(arg) {
      if (running) pending = { arg };
      else start(arg);
    },
    get busy() {
      return running;
    },
    cancel() {
      pending = null;
    },
  };
}
