/**
 * The page's handle on the model worker: load a checkpoint, run the CPU reference forward. Falls
 * back to running the same host on the page when a Worker cannot be started.
 */
import { CheckpointFormatError } from '../weights/safetensors';
import type { Params } from '../ops/types';
import { WeightMismatchError, type LoadTarget } from './load';
import { createModelHost } from './model-host';
import type { LoadedInfo, WorkerRequest, WorkerResponse } from './worker-protocol';

type Pending = { resolve(r: WorkerResponse): void; onStage?(s: string): void };

export class ModelWorkerClient {
  private worker: Worker | null = null;
  private local: ((req: WorkerRequest) => Promise<void>) | null = null;
  private pending = new Map<number, Pending>();
  private nextId = 1;
  /** 'worker' or 'page' (no Worker available) */
  readonly where: 'worker' | 'page';

  constructor() {
    const onMessage = (msg: WorkerResponse) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      if (msg.type === 'progress') p.onStage?.(msg.stage);
      else {
        this.pending.delete(msg.id);
        p.resolve(msg);
      }
    };
    try {
      this.worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'model-worker' });
      this.worker.onmessage = (e: MessageEvent<WorkerResponse>) => onMessage(e.data);
      this.worker.onerror = (e) => {
        for (const [id, p] of this.pending) p.resolve({ type: 'error', id, kind: 'other', message: `the model worker failed: ${e.message || 'unknown error'}` });
        this.pending.clear();
      };
      this.where = 'worker';
    } catch {
      this.local = createModelHost((msg) => onMessage(msg));
      this.where = 'page';
    }
  }

  private call(req: WorkerRequest, transfer: Transferable[] = [], onStage?: (s: string) => void): Promise<WorkerResponse> {
    return new Promise((resolve) => {
      this.pending.set(req.id, { resolve, onStage });
      if (this.worker) this.worker.postMessage(req, transfer);
      else void this.local!(req);
    });
  }

  /**
   * Parses and validates a checkpoint in the worker; the float64 weights come back too when the
   * detected family is one of `paramsFor` (those the page runs on the GPU). `source` may be a File/Blob (read there) or
   * an ArrayBuffer (transferred: the caller's copy becomes unusable).
   */
  async load(source: Blob | ArrayBuffer, name: string, target: LoadTarget, paramsFor: string[], onStage?: (s: string) => void): Promise<{ info: LoadedInfo; params?: Params }> {
    const id = this.nextId++;
    const transfer = source instanceof ArrayBuffer && this.worker ? [source] : [];
    const r = await this.call({ type: 'load', id, source, name, target, paramsFor }, transfer, onStage);
    if (r.type === 'loaded') return { info: r.info, params: r.params };
    throw toError(r);
  }

  /** The float64 CPU reference forward on the loaded weights; logits and milliseconds. */
  async forward(x: Float32Array, shape: number[]): Promise<{ logits: Float64Array; ms: number }> {
    const id = this.nextId++;
    const r = await this.call({ type: 'forward', id, x, shape });
    if (r.type === 'forwarded') return { logits: r.logits, ms: r.ms };
    throw toError(r);
  }

  terminate(): void {
    this.worker?.terminate();
    this.worker = null;
  }
}

function toError(r: WorkerResponse): Error {
  if (r.type !== 'error') return new Error(`unexpected reply '${r.type}' from the model worker`);
  if (r.kind === 'format') return new CheckpointFormatError(r.message);
  if (r.kind === 'mismatch') return new WeightMismatchError(r.message, null, r.closest ?? null);
  return new Error(r.message);
}
