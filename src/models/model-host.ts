/**
 * What the model worker does, as a plain message handler so the same code also runs on the page
 * when Workers are unavailable: load a checkpoint (parse, validate, convert to float64) and keep the
 * weights; run the float64 CPU reference forward on them. A refused file keeps the model loaded
 * before it (nothing is ever half-loaded).
 */
import { CheckpointFormatError } from '../weights/safetensors';
import { checkModelWeights, WeightMismatchError, type LoadedModel } from './load';
import type { WorkerRequest, WorkerResponse } from './worker-protocol';

export function createModelHost(post: (msg: WorkerResponse, transfer?: Transferable[]) => void) {
  let current: LoadedModel | null = null;

  const fail = (id: number, e: unknown) => {
    if (e instanceof WeightMismatchError) post({ type: 'error', id, kind: 'mismatch', message: e.message, closest: e.closest });
    else if (e instanceof CheckpointFormatError) post({ type: 'error', id, kind: 'format', message: e.message });
    else post({ type: 'error', id, kind: 'other', message: e instanceof Error ? e.message : String(e) });
  };

  return async function handle(req: WorkerRequest): Promise<void> {
    try {
      if (req.type === 'load') {
        const t0 = performance.now();
        post({ type: 'progress', id: req.id, stage: 'reading the file' });
        const buf = req.source instanceof ArrayBuffer ? req.source : await req.source.arrayBuffer();
        const t1 = performance.now();
        post({ type: 'progress', id: req.id, stage: 'checking keys and converting the weights' });
        // Every refusal (corrupt, hostile, wrong model) happens in this check, while the loaded
        // weights stay untouched; only a file that passed it replaces them. The old weights are
        // released before the new ones are decoded, so memory never holds two models.
        const checked = checkModelWeights(new Uint8Array(buf), req.name, req.target);
        current = null;
        let m: LoadedModel;
        try {
          m = checked.convert();
        } catch (e) {
          throw new Error(`not enough memory to convert ${req.name} (${e instanceof Error ? e.message : String(e)}); the previously loaded weights were released — load them again`);
        }
        current = m;
        const info = {
          family: m.choice.family,
          id: m.choice.id,
          kind: m.choice.kind,
          label: m.choice.label,
          notes: m.notes,
          format: m.format,
          paramCount: m.paramCount,
          tensorCount: Object.keys(m.params).length,
          ms: { read: t1 - t0, parse: performance.now() - t1 },
        };
        // The page gets a copy only when it needs the weights itself (families with a GPU forward).
        post({ type: 'loaded', id: req.id, info, params: req.paramsFor.includes(m.choice.family) ? m.params : undefined });
      } else if (req.type === 'forward') {
        if (!current) {
          post({ type: 'error', id: req.id, kind: 'no-model', message: 'No weights are loaded.' });
          return;
        }
        const t0 = performance.now();
        const x = { shape: req.shape, data: Float64Array.from(req.x) };
        const out = current.choice.model.forwardReference(x, current.params, current.choice.cfg);
        const logits = out.logits.data instanceof Float64Array ? out.logits.data : Float64Array.from(out.logits.data);
        post({ type: 'forwarded', id: req.id, logits, ms: performance.now() - t0 }, [logits.buffer]);
      } else if (req.type === 'unload') {
        current = null;
        post({ type: 'unloaded', id: req.id });
      }
    } catch (e) {
      fail(req.id, e);
    }
  };
}
