/**
 * One HTTP request that always settles: the caller's AbortSignal and a stall timer (no headers and
 * no bytes for `stallMs` → abort) joined into the signal handed to fetch, and every await on the
 * network (the response, each body read) raced against that abort, so a server that stops talking,
 * or a fetch implementation that ignores its signal, cannot hold a download forever.
 */

export type GuardStop = 'cancelled' | 'stalled';

/** Thrown by `race` when the guard stopped the request. */
export class GuardAbort extends Error {
  constructor(readonly why: GuardStop) {
    super(why === 'cancelled' ? 'The download was cancelled.' : 'The server stopped sending.');
    this.name = 'GuardAbort';
  }
}

export class RequestGuard {
  private readonly ac = new AbortController();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly stopped: Promise<never>;
  private fail!: (e: GuardAbort) => void;
  private readonly onOuter = () => this.stop('cancelled');
  why: GuardStop | null = null;

  constructor(
    private readonly outer: AbortSignal | undefined,
    private readonly stallMs: number,
  ) {
    this.stopped = new Promise<never>((_, reject) => {
      this.fail = reject;
    });
    this.stopped.catch(() => undefined); // observed through race(); never an unhandled rejection
    if (outer?.aborted) this.stop('cancelled');
    else outer?.addEventListener('abort', this.onOuter, { once: true });
    this.alive();
  }

  /** The signal to give fetch. */
  get signal(): AbortSignal {
    return this.ac.signal;
  }

  /** Something arrived: restart the stall clock. */
  alive(): void {
    if (this.why) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.stop('stalled'), this.stallMs);
  }

  /** `p`, unless the guard stops first (then a GuardAbort). */
  race<T>(p: Promise<T>): Promise<T> {
    return Promise.race([p, this.stopped]);
  }

  stop(why: GuardStop): void {
    if (this.why) return;
    this.why = why;
    clearTimeout(this.timer);
    this.outer?.removeEventListener('abort', this.onOuter);
    this.ac.abort(new GuardAbort(why));
    this.fail(new GuardAbort(why));
  }

  /** The request is over (success or not): no timer, no listener left behind. */
  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.outer?.removeEventListener('abort', this.onOuter);
  }
}

/** Waits `ms`, or rejects with GuardAbort('cancelled') as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new GuardAbort('cancelled'));
      return;
    }
    const done = () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    };
    const onAbort = () => {
      clearTimeout(t);
      reject(new GuardAbort('cancelled'));
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Reads a body to its end through `guard` (each chunk restarts the stall clock); `onChunk` sees every
 * chunk and may throw to stop. The reader is cancelled on any way out but the end.
 */
export async function readGuarded(body: ReadableStream<Uint8Array>, guard: RequestGuard, onChunk: (chunk: Uint8Array) => void): Promise<void> {
  const reader = body.getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await guard.race(reader.read());
      if (done) {
        finished = true;
        return;
      }
      guard.alive();
      if (value.length) onChunk(value);
    }
  } finally {
    if (!finished) void reader.cancel().catch(() => undefined);
  }
}
