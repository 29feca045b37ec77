/**
 * What the classify page's buttons do: download (with progress, resume and cache), read a dropped
 * or picked file, hand the bytes to the model worker for parsing + strict validation, and run a
 * classification. State goes to the classify store; errors become plain messages there.
 */
import { deleteCachedWeights, fetchWeights, maxWeightBytes, requestPersistentStorage, WeightFetchError, type FetchWeightsResult } from '../../weights/fetch-cache';
import { formatBytes } from '../../weights/zoo';
import type { Zoo } from '../../weights/zoo';
import { resolveChoice, WeightMismatchError, type LoadTarget, type ModelChoice } from '../../models/load';
import { ModelWorkerClient } from '../../models/worker-client';
import { MODELS } from '../../models/registry';
import { releaseVigGpu } from '../../models/vig';
import type { GpuContext } from '../../gpu/context';
import type { Params } from '../../ops/types';
import { CheckpointFormatError } from '../../weights/safetensors';
import { syntheticParams } from '../../ops/common/params';
import { useGpu } from '../../state/gpu';
import { useSession, type Photo } from '../../state/session';
import { runClassify } from './run';
import { useClassify } from './store';

/** Families whose GPU forward keeps uploaded weights: free them when other weights replace them. */
const RELEASE_GPU: Record<string, (ctx: GpuContext, w: Params) => void> = { vig: releaseVigGpu, vig_h: releaseVigGpu };

function releaseOld(): void {
  const old = st().loaded;
  const ctx = useGpu.getState().ctx;
  if (old?.params && ctx) RELEASE_GPU[old.info.family]?.(ctx, old.params);
}

let client: ModelWorkerClient | null = null;
export function modelWorker(): ModelWorkerClient {
  client ??= new ModelWorkerClient();
  return client;
}

/** Test hook for the end-to-end script: the last classification's input and top-5. */
declare global {
  interface Window {
    __attnLastClassify?: { seq: number; modelId: string; kind: string; backend: string; top5: number[]; probs: number[]; input: Float32Array; inputShape: number[]; ms: Record<string, unknown> };
  }
}

const st = () => useClassify.getState();

export function choiceOf(zoo: Zoo | null, id: string): ModelChoice | null {
  return resolveChoice(id, zoo?.test ?? []);
}

/** Turns any failure into the sentence shown on the page. */
function explain(e: unknown, source: string): string {
  if (e instanceof WeightFetchError || e instanceof WeightMismatchError || e instanceof CheckpointFormatError) return e.message;
  const m = e instanceof Error ? e.message : String(e);
  if (/allocation|out of memory|Array buffer/i.test(m)) return `${source}: not enough memory to hold these weights (${m}). Close other tabs or pick a smaller variant.`;
  return `${source}: ${m}`;
}

async function loadInto(source: Blob | ArrayBuffer, name: string, target: LoadTarget, origin: string): Promise<boolean> {
  const paramsFor = useGpu.getState().status === 'ready' ? MODELS.filter((m) => m.forwardGpu).map((m) => m.family) : [];
  st().set({ busy: 'checking the file…', error: '', evictable: null }); // the current weights and result stay until new ones load
  try {
    const { info, params } = await modelWorker().load(source, name, target, paramsFor, (stage) => st().set({ busy: `${stage}…` }));
    const choice = resolveChoice(info.id, target.tests);
    releaseOld();
    st().set({
      loaded: { info, source: origin, params: choice?.model.forwardGpu ? params : undefined },
      selected: info.kind === 'official' ? info.id : st().selected,
      busy: '',
      notes: info.notes,
    });
    return true;
  } catch (e) {
    st().set({ busy: '', error: explain(e, name) });
    return false;
  }
}

function targetFor(zoo: Zoo | null, name: string): LoadTarget {
  const tests = zoo?.test ?? [];
  const sel = st().selected;
  if (sel) return { id: sel, tests };
  const prefer = (zoo?.variants ?? []).filter((v) => v.sources.some((s) => s.file === name)).map((v) => v.id);
  return { tests, prefer };
}

export async function loadFile(zoo: Zoo | null, file: File): Promise<boolean> {
  const cap = maxWeightBytes();
  if (file.size > cap) {
    st().set({ error: `${file.name} is ${formatBytes(file.size)}; this page loads checkpoints up to ${formatBytes(cap)} (the weights are held in memory as float64, about twice the file size).` });
    return false;
  }
  if (file.size === 0) {
    st().set({ error: `${file.name} is empty (0 bytes).` });
    return false;
  }
  return loadInto(file, file.name, targetFor(zoo, file.name), file.name);
}

let aborter: AbortController | null = null;

export function cancelDownload(): void {
  aborter?.abort();
}

/** Download (or take from the cache) and load. `variantId` validates strictly against that variant. */
export async function loadUrl(zoo: Zoo | null, url: string, opts: { variantId?: string; expectedBytes?: number } = {}): Promise<boolean> {
  const name = decodeURIComponent(url.split(/[?#]/)[0].split('/').pop() || 'download');
  aborter?.abort();
  const ac = new AbortController();
  aborter = ac;
  st().set({ error: '', evictable: null, notes: [], progress: { label: name, received: 0, total: opts.expectedBytes ?? null }, busy: `downloading ${name}…` });
  void requestPersistentStorage();
  let fetched: FetchWeightsResult;
  try {
    fetched = await fetchWeights(url, {
      signal: ac.signal,
      expectedBytes: opts.expectedBytes,
      onProgress: (p) => st().set({ progress: { label: `${p.phase === 'cache' ? 'reading from the cache' : 'downloading'} ${name}`, received: p.received, total: p.total } }),
    });
  } catch (e) {
    st().set({ busy: '', progress: null, error: explain(e, name) });
    return false;
  } finally {
    if (aborter === ac) aborter = null;
  }
  st().set({ progress: null });
  const { bytes, notes, cached } = fetched;
  // hand the worker a buffer of exactly the file (transferred, not copied)
  const buf = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : bytes.slice().buffer;
  const target: LoadTarget = opts.variantId ? { id: opts.variantId, tests: zoo?.test ?? [] } : targetFor(zoo, name);
  const ok = await loadInto(buf, name, target, url);
  if (ok) st().set({ notes: [...notes, ...st().notes] });
  else if (cached) st().set({ evictable: url }); // the bytes are kept but do not load: offer to remove them
  return ok;
}

/** Removes a cached file that failed to load (the page's offer after such a failure). */
export async function evictCached(url: string): Promise<void> {
  await deleteCachedWeights(url);
  if (st().evictable === url) st().set({ evictable: null });
}

/**
 * The full-size variant with seeded synthetic weights (fixtures/README.md PRNG rule) for when no
 * checkpoint is held: the knobs, MACs, time and maps of the real architecture, with meaningless
 * classes. Runs on WebGPU only (the CPU worker holds checkpoints, not these); labelled everywhere.
 */
export async function loadSynthetic(zoo: Zoo | null, variantId: string): Promise<boolean> {
  const choice = choiceOf(zoo, variantId);
  if (!choice?.model.forwardGpu || useGpu.getState().status !== 'ready') {
    st().set({ error: `synthetic weights run on WebGPU only${choice ? '' : ` (unknown model ${variantId})`}` });
    return false;
  }
  st().set({ busy: `generating synthetic weights for ${variantId}…`, error: '' });
  await new Promise((r) => setTimeout(r, 0)); // let the status paint before the generator blocks
  try {
    const t0 = performance.now();
    const params = syntheticParams(choice.model.expectedKeys(choice.cfg));
    const ms = performance.now() - t0;
    const paramCount = Object.entries(params).filter(([k]) => !/(running_mean|running_var|num_batches_tracked)$/.test(k)).reduce((n, [, t]) => n + t.data.length, 0);
    releaseOld();
    st().set({
      loaded: {
        info: { family: choice.family, id: choice.id, kind: choice.kind, label: choice.label, notes: [], format: 'synthetic (seeded PRNG)', paramCount, tensorCount: Object.keys(params).length, ms: { read: 0, parse: ms } },
        source: 'synthetic weights (seeded PRNG, not trained)',
        params,
        synthetic: true,
      },
      busy: '',
      notes: [],
    });
    return true;
  } catch (e) {
    st().set({ busy: '', error: explain(e, `synthetic ${variantId}`) });
    return false;
  }
}

let runSeq = 0;

/** Classifies `photo` (default: the session photo) with the loaded weights (newest request wins). */
export async function classifyNow(zoo: Zoo | null, photoIn?: Photo | null): Promise<void> {
  const loaded = st().loaded;
  const photo = photoIn ?? useSession.getState().photo;
  if (!loaded || !photo) return;
  const choice = choiceOf(zoo, loaded.info.id);
  if (!choice) {
    st().set({ error: `unknown model configuration ${loaded.info.id}` });
    return;
  }
  const seq = ++runSeq;
  st().set({ running: true, error: '' });
  try {
    const { result, pre } = await runClassify({ photo, choice, worker: modelWorker(), ctx: useGpu.getState().ctx, params: loaded.params, forceCpu: st().forceCpu && !loaded.synthetic, gpuOnly: loaded.synthetic });
    if (seq !== runSeq) return;
    st().set({ result, running: false });
    window.__attnLastClassify = {
      seq: (window.__attnLastClassify?.seq ?? 0) + 1,
      modelId: result.modelId,
      kind: loaded.info.kind,
      backend: result.backend,
      top5: result.top.map((t) => t.index),
      probs: result.top.map((t) => t.p),
      input: pre.tensor.data,
      inputShape: pre.tensor.shape,
      ms: result.ms,
    };
  } catch (e) {
    if (seq === runSeq) st().set({ running: false, error: explain(e, 'classification') });
  }
}
