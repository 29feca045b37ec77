/**
 * The one GPUDevice of the app (or of a Node benchmark): feature report, pipeline cache keyed by
 * the expanded WGSL text, buffer helpers, batched dispatch with GPU timing, and device-lost
 * recovery. Nothing here knows about attention.
 */

import { fromF16Bits, toF16Bits } from './f16-bits';
import { toHalfStorage, type HalfEncoding } from './half-storage';
import { encodeUniform, uniformLayout, type UniformLayout, type UniformValues } from './uniforms';
import { includeWgsl, unrollWgsl, withSubgroups } from './wgsl';

// Numeric usage flags: Node's `webgpu` package does not always install the GPU* globals.
export const BU = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, UNIFORM: 0x40, STORAGE: 0x80, QUERY_RESOLVE: 0x200 } as const;

export interface GpuReport {
  vendor: string;
  architecture: string;
  description: string;
  /** A software or fallback adapter (e.g. SwiftShader): correct but slow. */
  isFallback: boolean;
  software: boolean;
  features: string[];
  timestamps: boolean;
  f16: boolean;
  /** The subgroups feature; while true, GpuContext.pipeline turns on subgroup reductions (withSubgroups). Set false for an A/B. */
  subgroups: boolean;
  maxBufferMB: number;
}

export interface Dispatch {
  pipeline: GPUComputePipeline;
  /** Storage buffers bound at @group(0) @binding(i) in order. */
  buffers: GPUBuffer[];
  /** The kernel's uniform (`struct Params`, bound after `buffers`) by field name; see uniforms.ts. */
  params?: UniformValues;
  workgroups: [number, number?, number?];
}

/** A pipeline's uniform layout and a name for messages, read from its WGSL when it is made. */
const layouts = new WeakMap<GPUComputePipeline, { layout: UniformLayout | null; kernel: string }>();

/** The kernel's first comment line, to name it in a uniform mismatch. */
const kernelTag = (src: string): string => (/^\s*\/\/\s*(.{0,72})/m.exec(src)?.[1] ?? 'WGSL kernel').trim();

/** Uniform buffers of one-off runs, by content: a bounded LRU (plans own theirs). */
const UNIFORM_CACHE = 512;
/** Idle read-back buffers kept per size, and the largest kept (see takeStaging). */
const STAGING_IDLE = 4;
const STAGING_MAX_BYTES = 64 * 2 ** 20;

type LostListener = (reason: string) => void;

/** How kernels made through a context store floats: 32-bit, or 16-bit (see half-storage.ts). */
export type FloatStorage = 'f32' | HalfEncoding;

const WANTED_FEATURES = ['timestamp-query', 'shader-f16', 'subgroups'] as const;

export class GpuContext {
  private pipelines = new Map<string, GPUComputePipeline>();
  /** Float storage of the kernels, buffers and uploads made through this context (a view: half()). */
  readonly storage: FloatStorage = 'f32';
  private halfViews = new Map<HalfEncoding, GpuContext>();
  private lostListeners = new Set<LostListener>();
  readonly report: GpuReport;

  private constructor(
    readonly device: GPUDevice,
    adapter: GPUAdapter,
  ) {
    const info = adapter.info ?? ({} as GPUAdapterInfo);
    const feats = [...device.features] as string[];
    const arch = info.architecture ?? '';
    const isFallback = Boolean((adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter) || Boolean((info as { isFallbackAdapter?: boolean }).isFallbackAdapter);
    this.report = {
      vendor: info.vendor ?? '',
      architecture: arch,
      description: info.description ?? '',
      isFallback,
      software: isFallback || /swiftshader|llvmpipe|lavapipe|warp/i.test(`${arch} ${info.description ?? ''} ${info.vendor ?? ''}`),
      features: feats,
      timestamps: device.features.has('timestamp-query'),
      f16: device.features.has('shader-f16'),
      subgroups: device.features.has('subgroups'),
      maxBufferMB: Math.round(device.limits.maxStorageBufferBindingSize / 2 ** 20),
    };
    device.lost.then((info) => {
      this.lostReason = info.message || String(info.reason);
      // our own destroy() is no loss; anything else is (a driver reset, or destroy() from elsewhere)
      if (this.closing) return;
      for (const l of this.lostListeners) l(info.reason === 'destroyed' && !info.message ? 'the device was destroyed' : this.lostReason);
    });
  }

  /** set by destroy(): the loss that follows is ours */
  private closing = false;
  /** why the device was lost, once it is */
  lostReason: string | null = null;

  /** Ask the given GPU (navigator.gpu in a page, `create()` from `webgpu` in Node) for a device. */
  static async acquire(gpu: GPU | undefined, opts: { powerPreference?: GPUPowerPreference } = {}): Promise<GpuContext> {
    if (!gpu) throw new GpuUnavailableError('This browser exposes no WebGPU (navigator.gpu is missing).');
    const adapter = await gpu.requestAdapter({ powerPreference: opts.powerPreference ?? 'high-performance' });
    if (!adapter) throw new GpuUnavailableError('WebGPU is present but no GPU adapter was granted (blocked or unsupported GPU).');
    const requiredFeatures = WANTED_FEATURES.filter((f) => adapter.features.has(f)) as GPUFeatureName[];
    const lim = adapter.limits;
    const device = await adapter.requestDevice({
      requiredFeatures,
      requiredLimits: {
        maxStorageBufferBindingSize: lim.maxStorageBufferBindingSize,
        maxBufferSize: lim.maxBufferSize,
        maxComputeWorkgroupStorageSize: lim.maxComputeWorkgroupStorageSize,
        maxComputeInvocationsPerWorkgroup: lim.maxComputeInvocationsPerWorkgroup,
        maxStorageBuffersPerShaderStage: lim.maxStorageBuffersPerShaderStage,
      },
    });
    const ctx = new GpuContext(device, adapter);
    // Dawn for Node tears its instance down when the GPU object is collected, under a live device
    // (random crashes in long benchmarks): the context keeps it alive as long as the device.
    ctx.keepAlive = gpu;
    return ctx;
  }

  /** the GPU object the device came from, held only to keep it alive (see acquire) */
  keepAlive: GPU | null = null;

  /**
   * Runs `f` (GPU work: buffers made, passes submitted and read back) inside an out-of-memory error
   * scope. An allocation the GPU could not make fails as a GpuOutOfMemoryError naming `what`
   * instead of giving zeros; a device lost meanwhile fails as a GpuDeviceLostError. Either way the
   * device (or its replacement) stays usable for smaller work. `f` may close the scope early
   * (`closeScope`, e.g. once its work is submitted) so that work of others started meanwhile opens
   * and closes its own scope inside the device's stack order.
   */
  async guard<T>(what: string, f: (closeScope: () => void) => Promise<T>): Promise<T> {
    const dev = this.device;
    dev.pushErrorScope('out-of-memory');
    let scope = null as Promise<GPUError | null> | null;
    const close = () => {
      scope ??= dev.popErrorScope().catch(() => null);
    };
    let out: T;
    try {
      out = await f(close);
    } catch (e) {
      close();
      await scope;
      throw this.lostReason !== null && !(e instanceof GpuOutOfMemoryError) ? new GpuDeviceLostError(what, this.lostReason) : e;
    }
    close();
    const err = await scope;
    if (err) throw new GpuOutOfMemoryError(`${what}: the GPU ran out of memory (${err.message || 'out-of-memory'}). Try a smaller batch, input or model.`);
    if (this.lostReason !== null) throw new GpuDeviceLostError(what, this.lostReason);
    return out;
  }

  /** The largest storage buffer this device can make and bind, in bytes. */
  get maxStorageBytes(): number {
    const l = this.device.limits;
    return Math.min(l.maxBufferSize, l.maxStorageBufferBindingSize);
  }

  /** Refuses a buffer above the device's limits with a plain message (WebGPU would make an invalid one). */
  private checkSize(bytes: number, usage: number): void {
    const max = usage & BU.STORAGE ? this.maxStorageBytes : this.device.limits.maxBufferSize;
    if (bytes > max) {
      const mb = (n: number) => `${(n / 2 ** 20).toFixed(n < 2 ** 30 ? 1 : 0)} MB`;
      const need = mb(bytes) === mb(max) ? `${bytes} bytes` : mb(bytes);
      const have = mb(bytes) === mb(max) ? `${max} bytes` : mb(max);
      throw new GpuOutOfMemoryError(`this needs a GPU buffer of ${need} but this GPU allows at most ${have} per buffer. Try a smaller batch, input or model.`);
    }
  }

  onLost(listener: LostListener): () => void {
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  /**
   * The same device seen with 16-bit float storage: pipelines made through it are rewritten by
   * toHalfStorage, float uploads are encoded and reads decoded to match. Everything else (the
   * pipeline cache, loss listeners) is shared. `emulated` works on any adapter; 'f16' needs the
   * shader-f16 feature.
   */
  half(enc: HalfEncoding = this.report.f16 ? 'f16' : 'emulated'): GpuContext {
    if (enc === 'f16' && !this.report.f16) throw new Error('this GPU has no shader-f16: f16 storage needs it (use the emulated encoding)');
    const base = this.storage === 'f32' ? this : (Object.getPrototypeOf(this) as GpuContext);
    let v = base.halfViews.get(enc);
    if (!v) {
      v = Object.create(base, { storage: { value: enc } }) as GpuContext;
      base.halfViews.set(enc, v);
    }
    return v;
  }

  /** Bytes one stored float element takes (2 for f16; the emulated encoding keeps 4). */
  get floatBytes(): number {
    return this.storage === 'f16' ? 2 : 4;
  }

  /** `data` as this context's kernels read a float storage array. */
  encodeFloats(data: Float32Array): Float32Array | Uint16Array | Uint32Array {
    if (this.storage === 'f32') return data;
    const h = toF16Bits(data);
    if (this.storage === 'emulated') return Uint32Array.from(h);
    if (h.length % 2 === 0) return h;
    // whole 4-byte words, as writeBuffer and mapped ranges want
    const padded = new Uint16Array(h.length + 1);
    padded.set(h);
    return padded;
  }

  /** `n` stored floats starting at byte 0 of `bytes`, as f32. */
  decodeFloats(bytes: ArrayBuffer, n: number): Float32Array {
    if (this.storage === 'f32') return new Float32Array(bytes, 0, n).slice();
    return fromF16Bits(this.storage === 'f16' ? new Uint16Array(bytes, 0, n) : new Uint32Array(bytes, 0, n));
  }

  /** Compile (once per distinct source) a compute pipeline for `entry`. */
  pipeline(source: string, entry = 'main'): GPUComputePipeline {
    // first level: the text as given. Expanding it (includes, unrolling, rewrites) costs more than
    // the lookup, and callers ask again for every plan they build.
    const rawKey = `${this.storage}\u0000${this.report.subgroups}\u0000${entry}\u0000${source}`;
    const hit = this.rawPipelines.get(rawKey);
    if (hit) return hit;
    const p = this.compiled(source, entry);
    this.rawPipelines.set(rawKey, p);
    return p;
  }

  /** see pipeline; shared with half() views through the prototype */
  private rawPipelines = new Map<string, GPUComputePipeline>();

  /** The pipeline of `source` as the device compiles it, one per distinct expanded text. */
  private compiled(source: string, entry: string): GPUComputePipeline {
    // kernels without template constants come here raw: their //#include lines are resolved here
    source = unrollWgsl(includeWgsl(source));
    if (this.storage !== 'f32') source = toHalfStorage(source, this.storage);
    // subgroup reductions (lib/wg_reduce.wgsl) where the device has them; report.subgroups = false turns them off
    if (this.report.subgroups) source = withSubgroups(source);
    const key = `${entry}\u0000${source}`;
    let p = this.pipelines.get(key);
    if (!p) {
      const module = this.device.createShaderModule({ code: source });
      p = this.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: entry } });
      this.pipelines.set(key, p);
      layouts.set(p, { layout: uniformLayout(source), kernel: kernelTag(source) });
    }
    return p;
  }

  /**
   * The bytes of `d`'s uniform, checked against the kernel's struct Params (null: the kernel has
   * none). Throws when params are missing, unexpected, misnamed or not bound right after `buffers`.
   */
  uniformBytes(d: Dispatch): ArrayBuffer | null {
    const info = layouts.get(d.pipeline);
    if (!info) throw new Error('dispatch: pipeline not made by GpuContext.pipeline');
    const { layout, kernel } = info;
    if (!layout) {
      if (d.params) throw new Error(`${kernel}: the kernel has no uniform, but params were given`);
      return null;
    }
    if (!d.params) throw new Error(`${kernel}: the kernel reads a uniform, but no params were given`);
    if (layout.binding !== d.buffers.length) throw new Error(`${kernel}: uniform is @binding(${layout.binding}), but ${d.buffers.length} buffers come before it`);
    return encodeUniform(layout, d.params, kernel);
  }

  /** A uniform buffer holding `bytes` (owned by the caller). */
  uniformBuffer(bytes: ArrayBuffer): GPUBuffer {
    const buf = this.device.createBuffer({ size: bytes.byteLength, usage: BU.UNIFORM | BU.COPY_DST });
    this.device.queue.writeBuffer(buf, 0, bytes);
    return buf;
  }

  /**
   * The bind group of `d` (its buffers, then its uniform). `own` receives a uniform buffer made for
   * it (a plan keeps and destroys them); without `own` the buffer comes from a bounded cache by
   * content, so repeated one-off runs of the same op create no buffers.
   */
  bindGroup(d: Dispatch, own?: (b: GPUBuffer) => void): GPUBindGroup {
    const bytes = this.uniformBytes(d);
    const buffers = [...d.buffers];
    if (bytes) {
      let u: GPUBuffer;
      if (own) own((u = this.uniformBuffer(bytes)));
      else u = this.cachedUniform(bytes);
      buffers.push(u);
    }
    return this.device.createBindGroup({
      layout: d.pipeline.getBindGroupLayout(0),
      entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
  }

  private cachedUniform(bytes: ArrayBuffer): GPUBuffer {
    const cache = this.uniforms;
    const key = Array.from(new Uint32Array(bytes), (w) => w.toString(36)).join(',');
    let buf = cache.get(key);
    if (buf) cache.delete(key);
    else {
      buf = this.uniformBuffer(bytes);
      if (cache.size >= UNIFORM_CACHE) {
        // submitted work keeps an evicted buffer alive until it completes
        const [oldest, b] = cache.entries().next().value as [string, GPUBuffer];
        cache.delete(oldest);
        b.destroy();
      }
    }
    cache.set(key, buf);
    return buf;
  }

  /** see cachedUniform; shared with half() views through the prototype */
  private uniforms = new Map<string, GPUBuffer>();

  get pipelineCount(): number {
    return this.pipelines.size;
  }

  /** A buffer holding `data`; float data is stored as this context's kernels read it (encodeFloats). */
  upload(data: Float32Array | Uint16Array | Uint32Array | Int32Array, usage: number = BU.STORAGE | BU.COPY_SRC | BU.COPY_DST): GPUBuffer {
    if (data instanceof Float32Array) data = this.encodeFloats(data);
    const size = Math.max(16, Math.ceil(data.byteLength / 4) * 4);
    this.checkSize(size, usage);
    const buf = this.device.createBuffer({ size, usage, mappedAtCreation: true });
    const Ctor = data.constructor as { new (b: ArrayBuffer): Float32Array | Uint16Array | Uint32Array | Int32Array };
    new Ctor(buf.getMappedRange()).set(data);
    buf.unmap();
    return buf;
  }

  /** Write float data into an existing buffer from its start, stored as this context's kernels read it. */
  write(buf: GPUBuffer, data: Float32Array): void {
    const enc = this.encodeFloats(data);
    this.device.queue.writeBuffer(buf, 0, enc.buffer, enc.byteOffset, enc.byteLength);
  }

  /** A storage buffer of `floats` 32-bit elements. */
  scratch(floats: number, usage: number = BU.STORAGE | BU.COPY_SRC | BU.COPY_DST): GPUBuffer {
    const size = Math.max(16, floats * 4);
    this.checkSize(size, usage);
    return this.device.createBuffer({ size, usage });
  }

  /**
   * Record all dispatches in one compute pass and submit. Within a pass each dispatch sees the
   * previous one's writes (WebGPU usage scopes), so a whole op is one submit. Returns GPU ms when
   * timestamps exist, else wall time to completion (upper bound, includes submit latency).
   */
  async run(dispatches: Dispatch[], opts: { timed?: boolean } = {}): Promise<{ ms: number; source: 'timestamp' | 'wall' }> {
    const dev = this.device;
    const enc = dev.createCommandEncoder();
    const timer = opts.timed && this.report.timestamps ? this.takeTimer() : undefined;
    const { qs, resolve, readback } = timer ?? {};
    const pass = enc.beginComputePass(qs ? { timestampWrites: { querySet: qs, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } } : {});
    for (const d of dispatches) {
      pass.setPipeline(d.pipeline);
      pass.setBindGroup(0, this.bindGroup(d));
      const [x, y = 1, z = 1] = d.workgroups;
      pass.dispatchWorkgroups(x, y, z);
    }
    pass.end();
    if (qs && resolve && readback) {
      enc.resolveQuerySet(qs, 0, 2, resolve, 0);
      enc.copyBufferToBuffer(resolve, 0, readback, 0, 16);
    }
    const t0 = performance.now();
    dev.queue.submit([enc.finish()]);
    await dev.queue.onSubmittedWorkDone();
    const wall = performance.now() - t0;
    if (timer && readback) {
      await readback.mapAsync(1);
      const t = new BigUint64Array(readback.getMappedRange().slice(0));
      readback.unmap();
      this.timers.push(timer);
      const ns = Number(t[1] - t[0]);
      // Some implementations report zeros when timestamps are quantised away; fall back to wall.
      if (ns > 0) return { ms: ns / 1e6, source: 'timestamp' };
    }
    return { ms: wall, source: 'wall' };
  }

  /**
   * A query set with its resolve and read-back buffers for one timed run, reused across runs:
   * creating and destroying three GPU objects per slider change is churn a long session feels.
   */
  private takeTimer(): { qs: GPUQuerySet; resolve: GPUBuffer; readback: GPUBuffer } {
    return this.timers.pop() ?? {
      qs: this.device.createQuerySet({ type: 'timestamp', count: 2 }),
      resolve: this.device.createBuffer({ size: 16, usage: BU.QUERY_RESOLVE | BU.COPY_SRC }),
      readback: this.device.createBuffer({ size: 16, usage: BU.MAP_READ | BU.COPY_DST }),
    };
  }

  /** idle timers (see takeTimer); shared with half() views through the prototype */
  private timers: Array<{ qs: GPUQuerySet; resolve: GPUBuffer; readback: GPUBuffer }> = [];

  /** Copy `floats` stored float values out of a storage buffer, as f32. */
  async read(buffer: GPUBuffer, floats: number, offsetFloats = 0): Promise<Float32Array> {
    const fb = this.floatBytes;
    // copyBufferToBuffer moves multiples of 4 bytes from 4-byte offsets: f16 reads start one
    // element early when the offset is odd and drop it after decoding.
    const skip = (offsetFloats * fb) % 4 === 0 ? 0 : 1;
    const size = Math.max(4, Math.ceil(((floats + skip) * fb) / 4) * 4);
    const staging = this.takeStaging(size);
    const enc = this.device.createCommandEncoder();
    enc.copyBufferToBuffer(buffer, (offsetFloats - skip) * fb, staging, 0, size);
    this.device.queue.submit([enc.finish()]);
    try {
      await staging.mapAsync(1, 0, size);
      const out = this.decodeFloats(staging.getMappedRange(0, size).slice(0), floats + skip).subarray(skip);
      staging.unmap();
      this.giveStaging(staging);
      return out;
    } catch (e) {
      staging.destroy();
      throw e;
    }
  }

  /**
   * A read-back buffer of at least `bytes` (a power of two from 256 B): reads reuse them instead of
   * creating and destroying one per read (a slider drag reads maps many times a second). Idle ones
   * are kept up to STAGING_IDLE per size; concurrent reads each take their own.
   */
  private takeStaging(bytes: number): GPUBuffer {
    const size = 2 ** Math.max(8, Math.ceil(Math.log2(bytes)));
    return this.staging.get(size)?.pop() ?? this.device.createBuffer({ size, usage: BU.MAP_READ | BU.COPY_DST });
  }

  private giveStaging(b: GPUBuffer): void {
    const free = this.staging.get(b.size) ?? [];
    if (free.length >= STAGING_IDLE || b.size > STAGING_MAX_BYTES) {
      b.destroy();
      return;
    }
    free.push(b);
    this.staging.set(b.size, free);
  }

  /** idle read-back buffers by size (see takeStaging); shared with half() views through the prototype */
  private staging = new Map<number, GPUBuffer[]>();

  destroy(): void {
    // a half view shares its base's device: destroying it would take the base down too
    if (this.storage !== 'f32') throw new Error('destroy the base context, not a half() view');
    this.closing = true;
    this.device.destroy();
  }
}

export class GpuUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GpuUnavailableError';
  }
}

/** A GPU allocation that the device refused or could not make: the work needs less memory. */
export class GpuOutOfMemoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GpuOutOfMemoryError';
  }
}

/** The device went away under running work (driver reset, another tab, destroy()). */
export class GpuDeviceLostError extends Error {
  constructor(what: string, reason: string) {
    super(`${what}: the GPU device was lost (${reason})`);
    this.name = 'GpuDeviceLostError';
  }
}
