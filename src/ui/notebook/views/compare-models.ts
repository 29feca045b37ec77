/**
 * The work behind `view compare-models`: every checkpoint the browser holds (the Cache API's
 * complete files, plus the weights loaded on the Classify page) goes through its backbone on one
 * photo, one model at a time so only one model's weights are in memory: parse in a worker of its
 * own (the Classify page's worker keeps its model), preprocess at the model's eval size, top-5,
 * then batch-1 latency and batch-N throughput of the WebGPU forward, then release.
 */
import type { GpuContext } from '../../../gpu/context';
import type { RgbImage } from '../../../image/pixels';
import { preprocessForEval } from '../../../image/resize-pil';
import { topK, type ClassScore } from '../../../models/classify';
import { resolveChoice, type ModelChoice } from '../../../models/load';
import { MODELS } from '../../../models/registry';
import { timeForward, type ForwardTiming } from '../../../models/timing';
import { ModelWorkerClient } from '../../../models/worker-client';
import type { Params } from '../../../ops/types';
import { fetchWeights, listCachedWeights } from '../../../weights/fetch-cache';
import { zooVariant, type Zoo } from '../../../weights/zoo';

export interface CompareSource {
  /** the cache URL, or the file name of the weights loaded on the Classify page */
  source: string;
  /** the loaded weights, when they come from the Classify page */
  loaded?: { id: string; params?: Params };
  /** a file given to the view itself (dropped, not cached); `source` is then its name */
  file?: Blob;
  /** validate strictly against this variant instead of detecting it */
  variantId?: string;
}

export interface CompareEntry {
  source: string;
  id: string;
  family: string;
  title: string;
  kind: 'official' | 'test';
  paramCount: number;
  /** our MAC count at the eval size */
  macs: number;
  macsPublished?: { g: number; source: string };
  input: number;
  top: ClassScore[];
  backend: 'webgpu' | 'cpu-reference';
  b1?: ForwardTiming;
  bN?: ForwardTiming;
  notes: string[];
}

export type CompareOutcome = { source: string; entry?: CompareEntry; error?: string };

/** What can be compared now: cached files, and the Classify page's weights when they are not one of them. */
export async function compareSources(current: { source: string; id: string; params?: Params } | null): Promise<CompareSource[]> {
  const cached: CompareSource[] = (await listCachedWeights()).filter((c) => !c.partial).map((c) => ({ source: c.url }));
  if (current && !cached.some((c) => c.source === current.source)) cached.push({ source: current.source, loaded: { id: current.id, params: current.params } });
  return cached;
}

const gpuFamilies = () => MODELS.filter((m) => m.forwardGpu).map((m) => m.family);

async function weightsOf(src: CompareSource, zoo: Zoo, worker: () => ModelWorkerClient, ctx: GpuContext | null, signal: AbortSignal): Promise<{ choice: ModelChoice; params?: Params; paramCount: number; notes: string[]; viaWorker: boolean }> {
  if (src.loaded) {
    const choice = resolveChoice(src.loaded.id, zoo.test);
    if (!choice) throw new Error(`unknown configuration ${src.loaded.id}`);
    return { choice, params: src.loaded.params, paramCount: 0, notes: ['the weights loaded on the Classify page'], viaWorker: false };
  }
  const name = decodeURIComponent(src.source.split(/[?#]/)[0].split('/').pop() || 'weights');
  let buf: ArrayBuffer;
  if (src.file) buf = await src.file.arrayBuffer();
  else {
    const r = await fetchWeights(src.source, { signal });
    buf = r.bytes.byteOffset === 0 && r.bytes.byteLength === r.bytes.buffer.byteLength ? (r.bytes.buffer as ArrayBuffer) : r.bytes.slice().buffer;
  }
  const prefer = zoo.variants.filter((v) => v.sources.some((s) => s.url === src.source || s.file === name)).map((v) => v.id);
  const { info, params } = await worker().load(buf, name, src.variantId ? { id: src.variantId, tests: zoo.test } : { tests: zoo.test, prefer }, ctx ? gpuFamilies() : []);
  const choice = resolveChoice(info.id, zoo.test);
  if (!choice) throw new Error(`unknown configuration ${info.id}`);
  return { choice, params, paramCount: info.paramCount, notes: info.notes, viaWorker: true };
}

export interface CompareOptions {
  zoo: Zoo;
  photo: RgbImage;
  ctx: GpuContext | null;
  /** throughput batch (the 32) */
  batch: number;
  /** timed forwards per measurement */
  reps: number;
  /** cancels the run, the downloads included */
  signal: AbortSignal;
  onStatus?(line: string): void;
  onOutcome?(o: CompareOutcome): void;
}

export async function compareModels(sources: CompareSource[], o: CompareOptions): Promise<CompareOutcome[]> {
  const out: CompareOutcome[] = [];
  const box: { client: ModelWorkerClient | null } = { client: null };
  const worker = () => (box.client ??= new ModelWorkerClient());
  try {
    for (const src of sources) {
      if (o.signal.aborted) break;
      const short = src.source.split('/').pop();
      let outcome: CompareOutcome;
      try {
        o.onStatus?.(`loading ${short}…`);
        const w = await weightsOf(src, o.zoo, worker, o.ctx, o.signal);
        const { choice } = w;
        const m = choice.model;
        const { size, crop } = m.inputSize(choice.cfg);
        const pre = preprocessForEval(o.photo, { size, crop });
        const v = zooVariant(o.zoo, choice.id);
        const entry: CompareEntry = {
          source: src.source, id: choice.id, family: choice.family, title: v?.title ?? choice.id, kind: choice.kind,
          paramCount: w.paramCount || (v?.params ?? 0), macs: m.macs(choice.cfg, size, size),
          macsPublished: v?.macsPublished !== undefined ? { g: v.macsPublished, source: v.macsSource ?? '' } : undefined,
          input: size, top: [], backend: 'cpu-reference', notes: [...w.notes],
        };
        if (m.forwardGpu && o.ctx && w.params) {
          o.onStatus?.(`${choice.id}: classifying on WebGPU…`);
          const r = await m.forwardGpu(o.ctx, pre.pixels, pre.tensor.shape, w.params, choice.cfg, { stages: false, timed: false });
          entry.top = topK(r.logits, 5);
          entry.backend = 'webgpu';
          o.onStatus?.(`${choice.id}: timing batch 1…`);
          // the classification above already built the batch-1 plan; a warm-up only pays for itself over several reps
          const warmup = o.reps > 2 ? 1 : 0;
          entry.b1 = await timeForward(o.ctx, m, choice.cfg, w.params, pre.pixels, size, 1, o.reps, { warmup, signal: o.signal });
          if (o.batch > 1) {
            o.onStatus?.(`${choice.id}: timing batch ${o.batch}…`);
            entry.bN = await timeForward(o.ctx, m, choice.cfg, w.params, pre.pixels, size, o.batch, Math.max(1, Math.ceil(o.reps / 2)), { warmup, signal: o.signal });
          }
          // the Classify page keeps its own weights' GPU copies; ours go now
          if (!src.loaded) m.releaseGpu?.(o.ctx, w.params);
        } else if (w.viaWorker) {
          o.onStatus?.(`${choice.id}: classifying with the CPU reference…`);
          entry.top = topK((await worker().forward(pre.tensor.data, pre.tensor.shape)).logits, 5);
          entry.notes.push(m.forwardGpu ? 'no WebGPU here: top-5 from the float64 CPU reference, not timed' : 'no WebGPU forward for this family yet: top-5 from the float64 CPU reference, not timed');
        } else {
          throw new Error('the Classify page holds these weights in its worker only (CPU path); load them again here by URL, or compare on WebGPU');
        }
        outcome = { source: src.source, entry };
      } catch (e) {
        if ((e as Error).name === 'AbortError' || o.signal.aborted) break;
        outcome = { source: src.source, error: (e as Error).message };
      }
      out.push(outcome);
      o.onOutcome?.(outcome);
    }
  } finally {
    box.client?.terminate();
  }
  return out;
}
