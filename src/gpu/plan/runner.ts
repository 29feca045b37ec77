/**
 * The plan runner: a whole forward recorded as prepared groups — one compute pass per stage (so each
 * can carry its own timestamps), then the read-back copies — and replayed as ONE submit. Within one
 * submit WebGPU orders the dispatches, so every block reuses the same scratch buffers.
 */
import { BU, type Dispatch, type GpuContext } from '../context';
import type { GpuForwardOptions, GpuForwardResult, ModelInput } from '../../models/types';
import { PIXEL_LUT } from '../../image/resize-pil';
import { grid1d, ScratchPool } from './scratch';
import { copyDispatch } from './layers';
import type { GpuWeightStore } from './weights';
import normalizeWgsl from '../../../kernels/pixels_normalize.wgsl?raw';

/** One compute pass of the forward (a stage), with its bind groups made once. */
export interface PreparedGroup {
  label: string;
  items: Array<{ pipeline: GPUComputePipeline; bind: GPUBindGroup; wg: [number, number, number] }>;
  /** the dispatches the items were made from, read-only (the bench's per-kernel profile) */
  readonly dispatches: readonly Dispatch[];
}

/** `own` receives the uniform buffers made for the group (the plan destroys them with itself). */
export function prepareGroup(ctx: GpuContext, label: string, dispatches: Dispatch[], own: (b: GPUBuffer) => void): PreparedGroup {
  return {
    label,
    dispatches,
    items: dispatches.map((d) => ({
      pipeline: d.pipeline,
      bind: ctx.bindGroup(d, own),
      wg: [d.workgroups[0], d.workgroups[1] ?? 1, d.workgroups[2] ?? 1],
    })),
  };
}

export interface RunResult {
  /** the requested buffers' contents, in order */
  reads: Float32Array[];
  /** GPU ms per group when timestamps exist */
  groupMs?: number[];
  /** GPU ms of the whole forward (timestamps), else wall ms to completion */
  ms: number;
  source: 'timestamp' | 'wall';
}

/**
 * What a run needs besides the plan's buffers: the read-back staging buffer and the timestamp
 * query set with its resolve buffer. A plan keeps one across its forwards (runBackbonePlan; its pool
 * destroys it with the plan), so a forward creates and destroys none of them; a one-off run (`keep`
 * false) frees them afterwards.
 */
export class RunResources {
  private staging: { buf: GPUBuffer; bytes: number } | null = null;
  private ts: { qs: GPUQuerySet; resolve: GPUBuffer; n: number } | null = null;
  constructor(private ctx: GpuContext, private keep = false) {}

  /** a MAP_READ buffer of at least `bytes` (grown, never shrunk: with and without stage reads alternate) */
  stagingBuffer(bytes: number): GPUBuffer {
    if (!this.staging || this.staging.bytes < bytes) {
      this.staging?.buf.destroy();
      const buf = this.ctx.device.createBuffer({ size: bytes, usage: BU.MAP_READ | BU.COPY_DST });
      this.staging = { buf, bytes };
    }
    return this.staging.buf;
  }

  queries(n: number): { qs: GPUQuerySet; resolve: GPUBuffer } {
    if (!this.ts || this.ts.n !== n) {
      this.ts?.qs.destroy();
      this.ts?.resolve.destroy();
      const qs = this.ctx.device.createQuerySet({ type: 'timestamp', count: n });
      const resolve = this.ctx.device.createBuffer({ size: n * 8, usage: BU.QUERY_RESOLVE | BU.COPY_SRC });
      this.ts = { qs, resolve, n };
    }
    return this.ts;
  }

  /** after a run: a one-off run's resources go */
  done(): void {
    if (!this.keep) this.destroy();
  }

  destroy(): void {
    this.staging?.buf.destroy();
    this.ts?.qs.destroy();
    this.ts?.resolve.destroy();
    this.staging = null;
    this.ts = null;
  }
}

/**
 * Record every group as its own compute pass (timestamps at each pass's start and end when
 * `timed` and supported), copy `reads` and the resolved timestamps into one staging buffer, submit
 * once, map once.
 */
export function runGroups(
  ctx: GpuContext, groups: PreparedGroup[], reads: Array<{ buf: GPUBuffer; floats: number }>, timed: boolean,
  res: RunResources = new RunResources(ctx),
  /** buffer copies recorded before the passes (a large input from its upload buffer) */
  copies: Array<{ src: GPUBuffer; dst: GPUBuffer; bytes: number }> = [],
): Promise<RunResult> {
  return submitGroups(ctx, groups, reads, timed, res, copies)();
}

/**
 * Launches in the first submitted piece of a forward; each later piece is twice the one before
 * (0: the whole forward in one submit; settable for the bench's A/B, `--submit-first`). `split`:
 * a piece may end inside a group (its compute pass ends there and goes on in the next command
 * buffer, the group's timestamps at its first and last part), so the first piece is `first`
 * launches rather than the whole first stage (`--submit-split`).
 */
export const submitPieces = { first: 8, split: true };

/**
 * runGroups in two halves: records and submits now, and returns the read-back to await, so that the
 * caller may record and submit the next forward before this one's results are back.
 */
function submitGroups(
  ctx: GpuContext, groups: PreparedGroup[], reads: Array<{ buf: GPUBuffer; floats: number }>, timed: boolean,
  res: RunResources, copies: Array<{ src: GPUBuffer; dst: GPUBuffer; bytes: number }>,
): () => Promise<RunResult> {
  const dev = ctx.device;
  let enc = dev.createCommandEncoder();
  for (const c of copies) enc.copyBufferToBuffer(c.src, 0, c.dst, 0, c.bytes);
  const useTs = timed && ctx.report.timestamps && groups.length > 0;
  const nq = 2 * groups.length;
  const q = useTs ? res.queries(nq) : undefined;
  // Recording a backbone's 100-200 launches costs the host about as long as the GPU takes to run
  // them, so the forward goes out in growing pieces: the GPU starts on the first launches while
  // the host records the rest (one submit per piece; the queue keeps them in order).
  let t0: number | undefined; // the first submit (the wall-clock fallback times from there)
  const submit = () => {
    t0 ??= performance.now();
    dev.queue.submit([enc.finish()]);
  };
  let since = 0;
  let piece = submitPieces.first || Infinity;
  const { split } = submitPieces;
  const last = groups.length - 1;
  groups.forEach((g, i) => {
    // one pass per group, or several when a piece ends inside it: the first part writes the
    // group's start time, the last its end
    const begin = (first: boolean, end: boolean): GPUComputePassEncoder => enc.beginComputePass(q && (first || end) ? {
      label: g.label,
      timestampWrites: { querySet: q.qs, beginningOfPassWriteIndex: first ? 2 * i : undefined, endOfPassWriteIndex: end ? 2 * i + 1 : undefined },
    } : { label: g.label });
    const n = g.items.length;
    let from = 0;
    do {
      // this part: up to the piece's end when splitting inside groups, else the whole group
      const to = split ? Math.min(n, from + Math.max(1, piece - since)) : n;
      const pass = begin(from === 0, to === n);
      for (let k = from; k < to; k++) {
        const it = g.items[k];
        pass.setPipeline(it.pipeline);
        pass.setBindGroup(0, it.bind);
        pass.dispatchWorkgroups(it.wg[0], it.wg[1], it.wg[2]);
      }
      pass.end();
      since += to - from;
      from = to;
      if (since >= piece && (from < n || i < last)) {
        submit();
        enc = dev.createCommandEncoder();
        since = 0;
        piece *= 2;
      }
    } while (from < n);
  });
  // each read's bytes rounded up to 4 (copyBufferToBuffer's unit; f16 storage has 2-byte floats)
  const span = reads.map((r) => Math.ceil((r.floats * ctx.floatBytes) / 4) * 4);
  const readBytes = span.reduce((a, b) => a + b, 0);
  // The timestamps ride in the same staging buffer (8-byte aligned after the reads): one mapAsync
  // per forward instead of two, each of which waits for the next event poll of the runtime.
  const tsOff = Math.ceil(readBytes / 8) * 8;
  const total = q ? tsOff + nq * 8 : readBytes;
  const staging = total ? res.stagingBuffer(total) : undefined;
  let off = 0;
  reads.forEach((r, i) => {
    enc.copyBufferToBuffer(r.buf, 0, staging!, off, span[i]);
    off += span[i];
  });
  if (q) {
    enc.resolveQuerySet(q.qs, 0, nq, q.resolve, 0);
    enc.copyBufferToBuffer(q.resolve, 0, staging!, tsOff, nq * 8);
  }
  submit();
  // the kept staging buffer may be larger than this run's reads: map only what was written
  const mapped = staging ? staging.mapAsync(1, 0, total) : dev.queue.onSubmittedWorkDone();
  mapped.catch(() => undefined); // awaited by the caller; this only keeps an early rejection from being unhandled
  return async () => {
    await mapped;
    const out: Float32Array[] = [];
    let t: BigUint64Array | undefined;
    if (staging) {
      const all = staging.getMappedRange(0, total).slice(0);
      staging.unmap();
      let at = 0;
      reads.forEach((r, i) => {
        out.push(ctx.decodeFloats(all.slice(at, at + span[i]), r.floats));
        at += span[i];
      });
      if (q) t = new BigUint64Array(all, tsOff, nq);
    }
    const wall = performance.now() - (t0 ?? 0);
    res.done();
    if (t) {
      const ts = t;
      const groupMs = groups.map((_, i) => Number(ts[2 * i + 1] - ts[2 * i]) / 1e6);
      const ms = Number(ts[nq - 1] - ts[0]) / 1e6;
      // Some implementations quantise timestamps to zero; fall back to wall time then.
      if (ms > 0) return { reads: out, groupMs, ms, source: 'timestamp' };
    }
    return { reads: out, ms: wall, source: 'wall' };
  };
}

/** A buffer read back after a forward and how many floats of it. */
export interface PlanSlot {
  buf: GPUBuffer;
  floats: number;
}

/** What every backbone's cached plan holds: its passes and the buffers a forward reads back. */
export interface BackbonePlan {
  key: string;
  pool: ScratchPool;
  /** the input as the first layer reads it, channel-first */
  input: GPUBuffer;
  /** its [B, C, H, W] */
  inputShape: number[];
  groups: PreparedGroup[];
  /** group index of the pass producing each stage */
  stageGroup: number[];
  logits: PlanSlot;
  stages: PlanSlot[];
  /** the captured attention inputs (opts.capture), in site order */
  captures: Array<PlanSlot & { site: number }>;
}

/**
 * Sees every plan runBackbonePlan runs and the groups it runs (the plan's, after the input's first
 * pass when there is one: the bench's per-kernel profile); none by default.
 */
let planObserver: ((plan: BackbonePlan, groups: PreparedGroup[]) => void) | null = null;
export function observeBackbonePlans(f: ((plan: BackbonePlan, groups: PreparedGroup[]) => void) | null): void {
  planObserver = f;
}

/**
 * One forward on a store's cached plan (call it inside `st.locked`): the plan for `key` (built on
 * first use, a few kept: GpuWeightStore.planFor), write the input, run every pass in one submit, read back logits, the stages when asked
 * (`stageOut` may reshape them, e.g. to channel-first) and the capture.
 *
 * `x` is the normalised float input, or the 8-bit RGB crops (ModelInput), which the forward's first
 * pass normalises on the GPU. The store's lock is released once the forward is submitted: a second
 * forward may write its input and submit behind this one while this one runs and is read back
 * (two slots per plan, each with its own upload and read-back buffers: forwardBatches).
 */
export async function runBackbonePlan<P extends BackbonePlan>(
  st: GpuWeightStore<P>, key: string, build: () => P, x: ModelInput, o: GpuForwardOptions,
  stageOut: (data: Float32Array, i: number, plan: P) => Float32Array = (d) => d.slice(),
): Promise<GpuForwardResult> {
  // out of memory (a large model at a large batch) or a lost device fails here with a plain message
  return st.ctx.guard('the forward pass', (closeScope) => runPlan(st, key, build, x, o, stageOut, closeScope));
}

async function runPlan<P extends BackbonePlan>(
  st: GpuWeightStore<P>, key: string, build: () => P, x: ModelInput, o: GpuForwardOptions,
  stageOut: (data: Float32Array, i: number, plan: P) => Float32Array, closeScope: () => void,
): Promise<GpuForwardResult> {
  const ctx = st.ctx;
  const plan = st.planFor(key, build);
  const want = captureSites(o.capture);
  const missing = want.filter((s) => !plan.captures.some((c) => c.site === s));
  if (missing.length) throw new Error(`no attention site ${missing.join(', ')}`);
  // The host's input goes to plan.input directly (f32 floats), or to a buffer of its own that a first
  // pass turns into what the plan reads: bytes normalised (pixelInput), or f32 stored as half (halfInput).
  const [, C, H, W] = plan.inputShape;
  if (x instanceof Uint8Array && C !== 3) throw new Error(`8-bit input is RGB; this model takes ${C} channels`);
  const first = x instanceof Uint8Array ? pixelInput(ctx, plan, x.length, H * W) : ctx.storage === 'f32' ? null : halfInput(ctx, plan, x.length);
  const dst = first?.staging ?? plan.input;
  const groups = first ? [first.group, ...plan.groups] : plan.groups;
  planObserver?.(plan, groups);
  const bytes = Math.ceil(x.byteLength / 4) * 4;
  const slot = planSlot(ctx, plan);
  await slot.idle;
  const up = bytes > inputUpload.largeBytes ? slot.upload(ctx, plan, bytes) : null;
  if (up) await up.write(x);
  else if (bytes === x.byteLength) ctx.device.queue.writeBuffer(dst, 0, x.buffer, x.byteOffset, x.byteLength);
  else ctx.device.queue.writeBuffer(dst, 0, padded(x as Uint8Array, bytes));
  const wantStages = o.stages ?? true;
  const nFixed = 1 + (wantStages ? plan.stages.length : 0);
  const reads = [plan.logits, ...(wantStages ? plan.stages : []), ...plan.captures];
  const shift = first ? 1 : 0;
  const finish = submitGroups(ctx, groups, reads, o.timed ?? true, slot.res,
    up ? [{ src: up.buf, dst, bytes }] : []);
  const done = plan.pool.hold(finish());
  slot.idle = done.then(() => up?.remap(), () => undefined);
  // what may run out of memory is made; the next forward opens its own error scope once this one's is closed
  closeScope();
  st.submitted();
  const r = await done;
  return {
    logits: r.reads[0].slice(),
    stages: wantStages ? plan.stages.map((_, i) => stageOut(r.reads[i + 1], i, plan)) : [],
    stageMs: r.groupMs ? plan.stageGroup.map((g) => r.groupMs![g + shift]) : undefined,
    gpuMs: r.ms,
    timeSource: r.source,
    captured: plan.captures.length ? r.reads[nFixed].slice() : undefined,
    captures: plan.captures.length ? Object.fromEntries(plan.captures.map((c, i) => [c.site, r.reads[nFixed + i].slice()])) : undefined,
  };
}

/** Bytes whose length is not a multiple of 4 (writeBuffer's unit), zero-padded. */
function padded(x: Uint8Array, bytes: number): Uint8Array<ArrayBuffer> {
  const p = new Uint8Array(bytes);
  p.set(x);
  return p;
}

/**
 * Dawn's queue.writeBuffer sends an upload larger than its 4 MiB ring through a staging buffer that
 * it creates (a fresh host allocation, mapped, page-faulted in by the copy) and frees on every call
 * (dawn/native/DynamicUploader.cpp): a batch-32 input at 224² is 19 MB per forward (4.8 MB as
 * bytes). Inputs above this size go through one MAP_WRITE buffer per slot instead — filled while
 * mapped, copied into the input at the head of the forward's command buffer, mapped again once the
 * forward is read back — so a forward makes no allocation. (Below it writeBuffer's ring is as cheap
 * and needs no await.) Settable for the tests, which take this path with small inputs.
 */
export const inputUpload = { largeBytes: 1 << 20 };
const MAP_WRITE = 0x2;

class InputUpload {
  /** resolves true once the buffer is mapped for writing (it is created mapped) */
  private ready: Promise<boolean> = Promise.resolve(true);
  constructor(readonly buf: GPUBuffer, readonly bytes: number) {}

  async write(x: ModelInput): Promise<void> {
    if (!(await this.ready)) await this.buf.mapAsync(MAP_WRITE);
    new Uint8Array(this.buf.getMappedRange(0, this.bytes)).set(new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
    this.buf.unmap();
    this.ready = Promise.resolve(false);
  }

  /** Map for the next forward now, not awaited: it completes while the caller uses this one's result. */
  remap(): void {
    this.ready = this.buf.mapAsync(MAP_WRITE).then(() => true, () => false);
  }
}

/**
 * One of a plan's two sets of per-forward host buffers: the upload buffer of a large input, the
 * read-back staging buffer and the timestamp queries. Forwards alternate between the two, so the
 * next forward's input is written while the previous one is still running and being read back;
 * `idle` resolves once this slot's last forward has been read back.
 */
class ForwardSlot {
  idle: Promise<unknown> = Promise.resolve();
  readonly res: RunResources;
  private up: InputUpload | null = null;
  constructor(ctx: GpuContext, plan: BackbonePlan) {
    this.res = new RunResources(ctx, true);
    plan.pool.owned.push(this.res);
  }

  upload(ctx: GpuContext, plan: BackbonePlan, bytes: number): InputUpload {
    if (!this.up || this.up.bytes !== bytes) {
      const buf = ctx.device.createBuffer({ size: bytes, usage: MAP_WRITE | BU.COPY_SRC, mappedAtCreation: true });
      plan.pool.owned.push(buf);
      this.up = new InputUpload(buf, bytes);
    }
    return this.up;
  }
}

const planSlots = new WeakMap<BackbonePlan, { next: number; slots: ForwardSlot[] }>();

/** The slot the next forward of `plan` uses (made on first use; the two alternate). */
function planSlot(ctx: GpuContext, plan: BackbonePlan): ForwardSlot {
  let s = planSlots.get(plan);
  if (!s) planSlots.set(plan, (s = { next: 0, slots: [new ForwardSlot(ctx, plan), new ForwardSlot(ctx, plan)] }));
  return s.slots[s.next++ % s.slots.length];
}

interface FirstPass {
  /** what the host writes */
  staging: GPUBuffer;
  /** the pass that turns it into plan.input */
  group: PreparedGroup;
}

const halfInputs = new WeakMap<BackbonePlan, FirstPass & { floats: number }>();

/** The f32 input buffer and conversion pass of a half-storage plan, made once per plan. */
function halfInput(ctx: GpuContext, plan: BackbonePlan, floats: number): FirstPass {
  let h = halfInputs.get(plan);
  if (!h || h.floats !== floats) {
    const staging = plan.pool.fresh('input.f32', floats);
    const d = copyDispatch(ctx, staging, plan.input, floats, 0, true);
    h = { floats, staging, group: prepareGroup(ctx, 'input → half', [d], (b) => plan.pool.owned.push(b)) };
    halfInputs.set(plan, h);
  }
  return h;
}

const pixelInputs = new WeakMap<BackbonePlan, FirstPass & { bytes: number }>();

/**
 * The byte buffer and normalisation pass (kernels/pixels_normalize.wgsl) of a plan fed 8-bit crops:
 * `bytes` = B·H·W·3, the same count as the float input's values. Under half storage the pass stores
 * the input as half directly (no second conversion pass).
 */
function pixelInput(ctx: GpuContext, plan: BackbonePlan, bytes: number, plane: number): FirstPass {
  let h = pixelInputs.get(plan);
  if (!h || h.bytes !== bytes) {
    const staging = plan.pool.fresh('input.rgb8', Math.ceil(bytes / 4));
    const pixels = bytes / 3;
    const d: Dispatch = {
      pipeline: ctx.pipeline(normalizeWgsl),
      buffers: [staging, pixelLut(ctx), plan.input],
      params: { pixels, plane },
      workgroups: grid1d(Math.ceil(pixels / 256)),
    };
    h = { bytes, staging, group: prepareGroup(ctx, 'input ← rgb8', [d], (b) => plan.pool.owned.push(b)) };
    pixelInputs.set(plan, h);
  }
  return h;
}

const luts = new WeakMap<GPUDevice, GPUBuffer>();

/** PIXEL_LUT on the device, kept f32 under half storage too (its binding is keep-f32). */
function pixelLut(ctx: GpuContext): GPUBuffer {
  let b = luts.get(ctx.device);
  if (!b) luts.set(ctx.device, (b = ctx.upload(new Uint32Array(PIXEL_LUT.buffer))));
  return b;
}

/** Builds plans: the dispatches of one forward, group by group. */

/** The site indices of GpuForwardOptions.capture, sorted (none when absent). */
export function captureSites(capture: number | number[] | undefined): number[] {
  if (capture === undefined) return [];
  return [...new Set(Array.isArray(capture) ? capture : [capture])].sort((a, b) => a - b);
}

/** Whether a forward with `capture` reads back site `site`'s attention input. */
export function captures(capture: number | number[] | undefined, site: number): boolean {
  return capture !== undefined && (Array.isArray(capture) ? capture.includes(site) : capture === site);
}
