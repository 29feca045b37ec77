/**
 * GPU building blocks of the ViG / ViG-H backbones: dispatch builders for the kernels/vig_*.wgsl
 * kernels, a scratch pool (every block of a forward reuses the same activation buffers: within one
 * submit WebGPU orders the dispatches), and a runner that records a whole forward — one compute
 * pass per stage (so each can carry its own timestamps), then the read-back copies — as ONE submit.
 */
import { BU, type Dispatch, type GpuContext } from '../../gpu/context';
import type { Params } from '../../ops/types';
import type { Tensor } from '../../tensor/tensor';
import type { GpuForwardOptions, GpuForwardResult } from '../types';
import convWgsl from '../../../kernels/vig_conv.wgsl?raw';
import normWgsl from '../../../kernels/vig_norm.wgsl?raw';
import swigluWgsl from '../../../kernels/vig_swiglu.wgsl?raw';
import meanpoolWgsl from '../../../kernels/vig_meanpool.wgsl?raw';
import copyWgsl from '../../../kernels/copy.wgsl?raw';
import { expandWgsl } from '../../gpu/wgsl';

/** Workgroup grid for `n` workgroups of a 1-D problem: x ≤ 65535 (the per-dimension limit), y rows. */
export function grid1d(n: number): [number, number] {
  const x = Math.max(1, Math.min(n, 65535));
  return [x, Math.ceil(n / x)];
}

/**
 * Activation buffers by role, shared by every block of one forward; a request larger than the
 * role's buffer makes a new one (earlier dispatches keep the old). `owned` lists them, and whatever
 * else the plan made (uniforms, upload and read-back buffers, query sets), for destroy.
 */
export class ScratchPool {
  private byRole = new Map<string, { buf: GPUBuffer; floats: number }>();
  readonly owned: Array<{ destroy(): void }> = [];
  constructor(private ctx: GpuContext) {}

  get(role: string, floats: number): GPUBuffer {
    const have = this.byRole.get(role);
    if (have && have.floats >= floats) return have.buf;
    return this.fresh(role, floats);
  }

  /** A buffer nobody else gets (stage outputs, the input). */
  fresh(role: string, floats: number): GPUBuffer {
    const buf = this.ctx.scratch(Math.max(4, floats));
    this.owned.push(buf);
    this.byRole.set(role, { buf, floats });
    return buf;
  }

  destroy(): void {
    for (const b of this.owned) b.destroy();
    this.owned.length = 0;
    this.byRole.clear();
  }
}

export interface ConvGeom {
  B: number;
  Cin: number;
  H: number;
  W: number;
  Cout: number;
  k: number;
  stride: number;
  pad: number;
  /** input layout: channel-first [B,Cin,H,W] (the image) or tokens [B,H·W,Cin] */
  channelFirst: boolean;
}

export const convOutSize = (n: number, k: number, s: number, p: number): number => Math.floor((n + 2 * p - k) / s) + 1;

/** Dense conv → tokens [B, Ho·Wo, Cout]. */
export function convDispatch(ctx: GpuContext, x: GPUBuffer, w: GPUBuffer, b: GPUBuffer | null, y: GPUBuffer, g: ConvGeom, dummy: GPUBuffer): Dispatch {
  const Ho = convOutSize(g.H, g.k, g.stride, g.pad);
  const Wo = convOutSize(g.W, g.k, g.stride, g.pad);
  const M = g.B * Ho * Wo;
  return {
    pipeline: ctx.pipeline(convWgsl),
    buffers: [x, w, b ?? dummy, y, ctx.uniform([g.B, g.Cin, g.H, g.W, g.Cout, Ho, Wo, g.k, g.k, g.stride, g.stride, g.pad, g.pad, g.channelFirst ? 1 : 0, b ? 1 : 0, 0])],
    workgroups: [Math.ceil(g.Cout / 64), Math.ceil(M / 64)],
  };
}

export type NormMode = 'none' | 'rms' | 'ln';
export type Act = 'none' | 'silu' | 'gelu';

export interface NormSpec {
  rows: number;
  C: number;
  x: GPUBuffer;
  /** residual / broadcast addend: delta[(r mod deltaRows)] (· dscale) is added to x first */
  delta?: { buf: GPUBuffer; rows: number; scale?: GPUBuffer };
  /** where v = x + delta goes (the residual stream) */
  sum?: GPUBuffer;
  mode: NormMode;
  weight?: GPUBuffer;
  bias?: GPUBuffer;
  eps?: number;
  act?: Act;
  out?: GPUBuffer;
}

/**
 * Binding placeholders: unused read-only slots share one buffer, the unused writable slots get
 * their own (a buffer may not be both read and written by one dispatch).
 */
export interface Dummies {
  read: GPUBuffer;
  sum: GPUBuffer;
  out: GPUBuffer;
}

export function makeDummies(ctx: GpuContext): Dummies {
  return { read: ctx.scratch(4), sum: ctx.scratch(4), out: ctx.scratch(4) };
}

export function normDispatch(ctx: GpuContext, s: NormSpec, d: Dummies): Dispatch {
  if (s.mode !== 'none' && (!s.weight || !s.out)) throw new Error('normDispatch: a norm needs weight and out');
  const words = [
    s.rows, s.C, s.delta?.rows ?? 1, s.delta ? 1 : 0,
    s.delta?.scale ? 1 : 0, { none: 0, rms: 1, ln: 2 }[s.mode], s.bias ? 1 : 0, { none: 0, silu: 1, gelu: 2 }[s.act ?? 'none'],
    s.sum ? 1 : 0, s.eps ?? 1e-5,
  ];
  return {
    pipeline: ctx.pipeline(normWgsl),
    buffers: [s.x, s.delta?.buf ?? d.read, s.delta?.scale ?? d.read, s.weight ?? d.read, s.bias ?? d.read, s.sum ?? d.sum, s.out ?? d.out, ctx.uniform(words, ['u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'f'])],
    workgroups: grid1d(s.rows),
  };
}

/** [rows, 2I] → silu(first half) · second half, [rows, I]. */
export function swigluDispatch(ctx: GpuContext, h: GPUBuffer, y: GPUBuffer, rows: number, I: number): Dispatch {
  const n = rows * I;
  return { pipeline: ctx.pipeline(swigluWgsl), buffers: [h, y, ctx.uniform([n, I])], workgroups: grid1d(Math.ceil(n / 256)) };
}

/** [B, L, C] → [B, C]. */
export function meanPoolDispatch(ctx: GpuContext, x: GPUBuffer, y: GPUBuffer, B: number, L: number, C: number): Dispatch {
  return { pipeline: ctx.pipeline(meanpoolWgsl), buffers: [x, y, ctx.uniform([L, C])], workgroups: [Math.ceil(C / 64), B] };
}

/** y[0..n) = x[off..off+n) inside a pass. */
export function copyDispatch(ctx: GpuContext, x: GPUBuffer, y: GPUBuffer, n: number, off = 0, xKeepF32 = false): Dispatch {
  const src = expandWgsl(copyWgsl, { X_NOTE: xKeepF32 ? 'keep-f32: written by the host' : 'stored like y' });
  return { pipeline: ctx.pipeline(src), buffers: [x, y, ctx.uniform([n, off])], workgroups: grid1d(Math.ceil(n / 256)) };
}

/** One compute pass of the forward (a stage), with its bind groups made once. */
export interface PreparedGroup {
  label: string;
  items: Array<{ pipeline: GPUComputePipeline; bind: GPUBindGroup; wg: [number, number, number] }>;
  /** the dispatches the items were made from, read-only (the bench's per-kernel profile) */
  readonly dispatches: readonly Dispatch[];
}

export function prepareGroup(ctx: GpuContext, label: string, dispatches: Dispatch[]): PreparedGroup {
  const dev = ctx.device;
  return {
    label,
    dispatches,
    items: dispatches.map((d) => ({
      pipeline: d.pipeline,
      bind: dev.createBindGroup({
        layout: d.pipeline.getBindGroupLayout(0),
        entries: d.buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
      }),
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
export async function runGroups(
  ctx: GpuContext, groups: PreparedGroup[], reads: Array<{ buf: GPUBuffer; floats: number }>, timed: boolean,
  res: RunResources = new RunResources(ctx),
  /** buffer copies recorded before the passes (a large input from its upload buffer) */
  copies: Array<{ src: GPUBuffer; dst: GPUBuffer; bytes: number }> = [],
): Promise<RunResult> {
  const dev = ctx.device;
  const enc = dev.createCommandEncoder();
  for (const c of copies) enc.copyBufferToBuffer(c.src, 0, c.dst, 0, c.bytes);
  const useTs = timed && ctx.report.timestamps && groups.length > 0;
  const nq = 2 * groups.length;
  const q = useTs ? res.queries(nq) : undefined;
  groups.forEach((g, i) => {
    const pass = enc.beginComputePass(q ? { label: g.label, timestampWrites: { querySet: q.qs, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } } : { label: g.label });
    for (const it of g.items) {
      pass.setPipeline(it.pipeline);
      pass.setBindGroup(0, it.bind);
      pass.dispatchWorkgroups(it.wg[0], it.wg[1], it.wg[2]);
    }
    pass.end();
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
  const t0 = performance.now();
  dev.queue.submit([enc.finish()]);
  const out: Float32Array[] = [];
  let t: BigUint64Array | undefined;
  if (staging) {
    // the kept staging buffer may be larger than this run's reads: map only what was written
    await staging.mapAsync(1, 0, total);
    const all = staging.getMappedRange(0, total).slice(0);
    staging.unmap();
    off = 0;
    reads.forEach((r, i) => {
      out.push(ctx.decodeFloats(all.slice(off, off + span[i]), r.floats));
      off += span[i];
    });
    if (q) t = new BigUint64Array(all, tsOff, nq);
  } else {
    await dev.queue.onSubmittedWorkDone();
  }
  const wall = performance.now() - t0;
  res.done();
  if (t) {
    const ts = t;
    const groupMs = groups.map((_, i) => Number(ts[2 * i + 1] - ts[2 * i]) / 1e6);
    const ms = Number(ts[nq - 1] - ts[0]) / 1e6;
    // Some implementations quantise timestamps to zero; fall back to wall time then.
    if (ms > 0) return { reads: out, groupMs, ms, source: 'timestamp' };
  }
  return { reads: out, ms: wall, source: 'wall' };
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
  input: GPUBuffer;
  groups: PreparedGroup[];
  /** group index of the pass producing each stage */
  stageGroup: number[];
  logits: PlanSlot;
  stages: PlanSlot[];
  /** the captured attention input (opts.capture) */
  capture?: PlanSlot;
}

/** Sees every plan runBackbonePlan runs (the bench's per-kernel profile); none by default. */
let planObserver: ((plan: BackbonePlan) => void) | null = null;
export function observeBackbonePlans(f: ((plan: BackbonePlan) => void) | null): void {
  planObserver = f;
}

/**
 * One forward on a store's cached plan (call it inside `st.locked`): rebuild the plan when `key`
 * changes, write the input, run every pass in one submit, read back logits, the stages when asked
 * (`stageOut` may reshape them, e.g. to channel-first) and the capture.
 */
export async function runBackbonePlan<P extends BackbonePlan>(
  st: GpuWeightStore<P>, key: string, build: () => P, x: Float32Array, o: GpuForwardOptions,
  stageOut: (data: Float32Array, i: number, plan: P) => Float32Array = (d) => d.slice(),
): Promise<GpuForwardResult> {
  const ctx = st.ctx;
  if (st.plan?.key !== key) {
    st.plan?.pool.destroy();
    st.plan = null;
    st.plan = build();
  }
  const plan = st.plan;
  planObserver?.(plan);
  if (o.capture !== undefined && !plan.capture) throw new Error(`no attention site ${o.capture}`);
  // Half storage: the f32 input goes to a buffer of its own and a first pass stores it as the
  // plan reads it (converting on the GPU, not in JavaScript).
  const toHalf = ctx.storage === 'f32' ? null : halfInput(ctx, plan, x.length);
  const dst = toHalf?.staging ?? plan.input;
  const up = x.byteLength > LARGE_INPUT_BYTES ? inputUpload(ctx, plan, x.byteLength) : null;
  if (up) await up.write(x);
  else ctx.device.queue.writeBuffer(dst, 0, x.buffer, x.byteOffset, x.byteLength);
  const wantStages = o.stages ?? true;
  const reads = [plan.logits, ...(wantStages ? plan.stages : []), ...(plan.capture ? [plan.capture] : [])];
  const shift = toHalf ? 1 : 0;
  const r = await runGroups(ctx, toHalf ? [toHalf.group, ...plan.groups] : plan.groups, reads, o.timed ?? true, runResources(ctx, plan),
    up ? [{ src: up.buf, dst, bytes: x.byteLength }] : []);
  up?.remap();
  return {
    logits: r.reads[0].slice(),
    stages: wantStages ? plan.stages.map((_, i) => stageOut(r.reads[i + 1], i, plan)) : [],
    stageMs: r.groupMs ? plan.stageGroup.map((g) => r.groupMs![g + shift]) : undefined,
    gpuMs: r.ms,
    timeSource: r.source,
    captured: plan.capture ? r.reads[reads.length - 1].slice() : undefined,
  };
}

/**
 * Dawn's queue.writeBuffer sends an upload larger than its 4 MiB ring through a staging buffer that
 * it creates (a fresh host allocation, mapped, page-faulted in by the copy) and frees on every call
 * (dawn/native/DynamicUploader.cpp): a batch-32 input at 224² is 19 MB per forward. Inputs above
 * this size go through one MAP_WRITE buffer per plan instead — filled while mapped, copied into the
 * input at the head of the forward's command buffer, mapped again once the forward is read back —
 * so a forward makes no allocation. (Below it writeBuffer's ring is as cheap and needs no await.)
 */
const LARGE_INPUT_BYTES = 1 << 20;
const MAP_WRITE = 0x2;

class InputUpload {
  /** resolves true once the buffer is mapped for writing (it is created mapped) */
  private ready: Promise<boolean> = Promise.resolve(true);
  constructor(readonly buf: GPUBuffer, readonly bytes: number) {}

  async write(x: Float32Array): Promise<void> {
    if (!(await this.ready)) await this.buf.mapAsync(MAP_WRITE);
    new Float32Array(this.buf.getMappedRange(0, this.bytes)).set(x);
    this.buf.unmap();
    this.ready = Promise.resolve(false);
  }

  /** Map for the next forward now, not awaited: it completes while the caller uses this one's result. */
  remap(): void {
    this.ready = this.buf.mapAsync(MAP_WRITE).then(() => true, () => false);
  }
}

const planUploads = new WeakMap<BackbonePlan, InputUpload>();

function inputUpload(ctx: GpuContext, plan: BackbonePlan, bytes: number): InputUpload {
  let u = planUploads.get(plan);
  if (!u || u.bytes !== bytes) {
    const buf = ctx.device.createBuffer({ size: bytes, usage: MAP_WRITE | BU.COPY_SRC, mappedAtCreation: true });
    plan.pool.owned.push(buf);
    planUploads.set(plan, (u = new InputUpload(buf, bytes)));
  }
  return u;
}

const planRuns = new WeakMap<BackbonePlan, RunResources>();

/** A plan's staging and timestamp buffers, made on its first forward and reused by the next ones. */
function runResources(ctx: GpuContext, plan: BackbonePlan): RunResources {
  let r = planRuns.get(plan);
  if (!r) {
    planRuns.set(plan, (r = new RunResources(ctx, true)));
    plan.pool.owned.push(r);
  }
  return r;
}

const halfInputs = new WeakMap<BackbonePlan, { floats: number; staging: GPUBuffer; group: PreparedGroup }>();

/** The f32 input buffer and conversion pass of a half-storage plan, made once per plan. */
function halfInput(ctx: GpuContext, plan: BackbonePlan, floats: number): { staging: GPUBuffer; group: PreparedGroup } {
  let h = halfInputs.get(plan);
  if (!h || h.floats !== floats) {
    const staging = plan.pool.fresh('input.f32', floats);
    const d = copyDispatch(ctx, staging, plan.input, floats, 0, true);
    plan.pool.owned.push(d.buffers[2]);
    h = { floats, staging, group: prepareGroup(ctx, 'input → half', [d]) };
    halfInputs.set(plan, h);
  }
  return h;
}

/** Builds plans: the dispatches of one forward, group by group. */
export class PlanBuilder {
  readonly pool: ScratchPool;
  readonly dm: Dummies;
  readonly groups: PreparedGroup[] = [];
  private cur: Dispatch[] = [];
  constructor(readonly ctx: GpuContext) {
    this.pool = new ScratchPool(ctx);
    this.dm = makeDummies(ctx);
    this.pool.owned.push(this.dm.read, this.dm.sum, this.dm.out);
  }
  add(...d: Dispatch[]): void {
    this.cur.push(...d);
  }
  norm(s: NormSpec): void {
    this.cur.push(normDispatch(this.ctx, s, this.dm));
  }
  /**
   * Keep the first `floats` values of `src` as they are at this point of the plan (sample 0 of an
   * attention input, for the overlay) in a buffer of its own, read back with the forward.
   */
  capture(src: GPUBuffer, floats: number): { buf: GPUBuffer; floats: number } {
    const buf = this.pool.fresh('capture', floats);
    this.cur.push(copyDispatch(this.ctx, src, buf, floats));
    return { buf, floats };
  }
  close(label: string): number {
    this.groups.push(prepareGroup(this.ctx, label, this.cur));
    this.cur = [];
    return this.groups.length - 1;
  }
  scratch = (role: string, floats: number): GPUBuffer => this.pool.get(role, floats);
}

/**
 * Uploaded weights of one (context, weights) pair: plain tensors by key, per-op block weights
 * (GLA, HiLo, …) by module prefix, and the forward plan cached for them. Forwards that share it
 * run one at a time (`locked`), since they share the plan's buffers.
 */
export class GpuWeightStore<P extends { pool: ScratchPool }> {
  private bufs = new Map<string, GPUBuffer>();
  private blocks = new Map<string, { all: GPUBuffer[] }>();
  plan: P | null = null;
  private lock: Promise<unknown> = Promise.resolve();

  constructor(
    readonly ctx: GpuContext,
    /** the weights as the plans read them (e.g. ViG-H's legacy key names already renamed) */
    readonly w: Params,
    private missing: (key: string) => string = (key) => `missing weight '${key}'`,
  ) {}

  tensor(key: string): Tensor {
    const t = this.w[key];
    if (!t) throw new Error(this.missing(key));
    return t;
  }

  get(key: string): GPUBuffer {
    return this.derived(key, () => this.tensor(key).data);
  }

  opt(key: string): GPUBuffer | null {
    return key in this.w ? this.get(key) : null;
  }

  /** A tensor derived from the weights (in float64, e.g. a resized pos embed), cached under its own name. */
  derived(key: string, make: () => Float64Array): GPUBuffer {
    let b = this.bufs.get(key);
    if (!b) {
      b = this.ctx.upload(Float32Array.from(make()));
      this.bufs.set(key, b);
    }
    return b;
  }

  /** An op's own uploaded weights for the module at `prefix`, uploaded once. */
  block<T extends { all: GPUBuffer[] }>(prefix: string, upload: () => T): T {
    let b = this.blocks.get(prefix) as T | undefined;
    if (!b) {
      b = upload();
      this.blocks.set(prefix, b);
    }
    return b;
  }

  /** Serialises forwards that share this weights object (and so one plan). */
  locked<T>(f: () => Promise<T>): Promise<T> {
    const p = this.lock.then(f, f);
    this.lock = p.catch(() => undefined);
    return p;
  }

  destroy(): void {
    this.plan?.pool.destroy();
    this.plan = null;
    for (const b of this.bufs.values()) b.destroy();
    for (const g of this.blocks.values()) for (const b of g.all) b.destroy();
    this.bufs.clear();
    this.blocks.clear();
  }
}

/** One store per (context, weights object), created on first use and dropped on release or GC. */
export class WeightStores<S extends { destroy(): void }> {
  private stores = new WeakMap<GpuContext, WeakMap<Params, S>>();
  constructor(private make: (ctx: GpuContext, w: Params) => S) {}

  /** `prepare` turns the weights into what the plans read, once, when the store is made. */
  get(ctx: GpuContext, w: Params, prepare: (w: Params) => Params = (v) => v): S {
    let m = this.stores.get(ctx);
    if (!m) this.stores.set(ctx, (m = new WeakMap()));
    let s = m.get(w);
    if (!s) m.set(w, (s = this.make(ctx, prepare(w))));
    return s;
  }

  /** Drop the GPU copies of `w` (weights and cached activations) now instead of at GC. */
  release(ctx: GpuContext, w: Params): void {
    const m = this.stores.get(ctx);
    const s = m?.get(w);
    if (!s) return;
    s.destroy();
    m!.delete(w);
  }
}
