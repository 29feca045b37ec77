/**
 * The page's side of code cells: one worker, cells run one at a time, each with limits.
 *
 *   const host = new CodeHost(() => new Worker(…), engine)
 *   host.run({ source, argNames, args, line0 }) → CellOutcome   (never rejects)
 *
 * - Time: a cell gets `limits.timeMs` of its own time; time the page spends answering its engine
 *   calls (running an op on the GPU, a backbone forward) does not count. When it runs out — an
 *   endless loop never yields, so only the page can stop it — the worker is terminated and the
 *   next run starts a fresh one. The worker holds no state (results live on the page and are sent
 *   back as arguments), so nothing is lost.
 * - Size: the worker refuses results over `limits.maxResultBytes`; a cell may make at most
 *   `limits.maxCalls` engine calls and print `limits.maxLogLines` lines.
 * - Memory: browsers give no per-worker heap limit; a cell that allocates without bound ends in
 *   the worker crashing (reported as such, the worker replaced) or, first, in the time limit.
 */
import { ENGINE_METHODS, type CellError, type EngineMethod, type FromWorker, type ToWorker } from './protocol';

export interface WorkerLike {
  postMessage(m: ToWorker): void;
  terminate(): void;
  onmessage: ((e: { data: FromWorker }) => void) | null;
  onerror: ((e: { message?: string; preventDefault?: () => void }) => void) | null;
}

/** Answers one engine call with plain data (throws a one-line Error on bad arguments). */
export type EngineHandler = (method: EngineMethod, args: unknown[]) => Promise<unknown>;

export interface CellRunRequest {
  source: string;
  argNames: string[];
  args: unknown[];
  line0: number;
}

export type CellOutcome = { ok: true; value: unknown; bytes: number; ms: number; logs: string[] } | { ok: false; error: CellError; ms: number; logs: string[] };

export interface HostLimits {
  timeMs: number;
  maxResultBytes: number;
  maxCalls: number;
  maxLogLines: number;
}

const START_TIMEOUT_MS = 30_000;

export const DEFAULT_LIMITS: HostLimits = { timeMs: 10_000, maxResultBytes: 64 * 1024 * 1024, maxCalls: 5_000, maxLogLines: 200 };

export class CodeHost {
  private worker: WorkerLike | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private nextRun = 0;
  /** how many workers were terminated and replaced */
  restarts = 0;

  constructor(
    private readonly make: () => WorkerLike,
    private readonly engine: EngineHandler,
    readonly limits: HostLimits = DEFAULT_LIMITS,
  ) {}

  run(req: CellRunRequest): Promise<CellOutcome> {
    const p = this.queue.then(async () => {
      const w = await this.started();
      return 'error' in w ? { ok: false as const, error: w.error, ms: 0, logs: [] } : this.runNow(w.worker, req);
    });
    this.queue = p.catch(() => undefined);
    return p;
  }

  dispose(): void {
    this.worker?.terminate();
    this.worker = null;
  }

  private kill(): void {
    if (!this.worker) return;
    this.worker.onmessage = null;
    this.worker.onerror = null;
    this.worker.terminate();
    this.worker = null;
    this.restarts++;
  }

  /** The worker, started and ready (its start-up does not count against a cell's time). */
  private started(): Promise<{ worker: WorkerLike } | { error: CellError }> {
    if (this.worker) return Promise.resolve({ worker: this.worker });
    return new Promise((resolve) => {
      let w: WorkerLike;
      const fail = (why: string) => {
        clearTimeout(timer);
        if (w) {
          w.onmessage = null;
          w.onerror = null;
          w.terminate();
        }
        resolve({ error: { kind: 'worker', message: `The code worker could not start: ${why}` } });
      };
      const timer = setTimeout(() => fail(`no answer within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
      try {
        w = this.make();
      } catch (e) {
        fail((e as Error).message);
        return;
      }
      w.onerror = (e) => {
        e.preventDefault?.();
        fail(e.message || 'it failed to load');
      };
      w.onmessage = (e) => {
        if (e.data?.type !== 'ready') return;
        clearTimeout(timer);
        this.worker = w;
        resolve({ worker: w });
      };
    });
  }

  private runNow(w: WorkerLike, req: CellRunRequest): Promise<CellOutcome> {
    return new Promise<CellOutcome>((resolve) => {
      const logs: string[] = [];
      const t0 = performance.now();
      const runId = ++this.nextRun;
      const limits = this.limits;
      let used = 0;
      let since = 0;
      let timer: ReturnType<typeof setTimeout> | null = null;
      let outstanding = 0;
      let calls = 0;
      let finished = false;
      const finish = (o: CellOutcome) => {
        if (finished) return;
        finished = true;
        if (timer) clearTimeout(timer);
        resolve(o);
      };
      const fail = (error: CellError) => finish({ ok: false, error, ms: performance.now() - t0, logs });
      const onTimeout = () => {
        this.kill();
        fail({
          kind: 'timeout',
          message: `Stopped after ${(limits.timeMs / 1000).toFixed(limits.timeMs % 1000 ? 1 : 0)} s: the cell did not finish (an endless loop?). Its worker was replaced; the rest of the notebook is unaffected.`,
        });
      };
      const arm = () => {
        since = performance.now();
        timer = setTimeout(onTimeout, Math.max(0, limits.timeMs - used));
      };
      const pause = () => {
        if (timer) clearTimeout(timer);
        timer = null;
        used += performance.now() - since;
      };
      const reply = (callId: number, ok: boolean, value: unknown, error?: string) => {
        if (finished || this.worker !== w) return;
        try {
          w.postMessage({ type: 'reply', callId, ok, value, error });
        } catch (e) {
          w.postMessage({ type: 'reply', callId, ok: false, error: `the answer could not be sent to the worker: ${(e as Error).message}` });
        }
      };
      w.onmessage = (e) => {
        const m = e.data;
        if (!m || typeof m !== 'object' || !('runId' in m) || m.runId !== runId || finished) return;
        if (m.type === 'log') {
          if (logs.length < limits.maxLogLines) logs.push(String(m.text).slice(0, 2000));
          else if (logs.length === limits.maxLogLines) logs.push(`… more lines not shown (limit ${limits.maxLogLines})`);
        } else if (m.type === 'call') {
          if (!(ENGINE_METHODS as readonly string[]).includes(m.method)) return reply(m.callId, false, undefined, `unknown call ${String(m.method)}`);
          if (++calls > limits.maxCalls) return reply(m.callId, false, undefined, `more than ${limits.maxCalls} engine calls in one cell`);
          if (outstanding++ === 0) pause();
          this.engine(m.method, Array.isArray(m.args) ? m.args : [])
            .then(
              (v) => reply(m.callId, true, v),
              (err: unknown) => reply(m.callId, false, undefined, err instanceof Error ? err.message : String(err)),
            )
            .finally(() => {
              if (--outstanding === 0 && !finished) arm();
            });
        } else if (m.type === 'done') {
          if (m.ok) finish({ ok: true, value: m.value, bytes: m.bytes, ms: performance.now() - t0, logs });
          else finish({ ok: false, error: m.error, ms: performance.now() - t0, logs });
        }
      };
      w.onerror = (e) => {
        e.preventDefault?.();
        this.kill();
        fail({ kind: 'worker', message: `The code worker stopped (${e.message || 'out of memory, or it could not load'}); it was replaced.` });
      };
      try {
        w.postMessage({ type: 'run', runId, ...req, maxResultBytes: limits.maxResultBytes });
      } catch (e) {
        fail({ kind: 'clone', message: `The cell's inputs cannot be sent to the worker: ${(e as Error).message}` });
        return;
      }
      arm();
    });
  }
}
