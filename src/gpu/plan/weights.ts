/** GPU copies of a model's weights, by module prefix, with the plan built for them. */
import type { GpuContext } from '../context';
import type { Params } from '../../ops/types';
import type { Tensor } from '../../tensor/tensor';
import { ScratchPool } from './scratch';
/** Plans a store keeps (most recently used): a knob change back to a setting seen lately rebuilds nothing. */
export const MAX_PLANS = 4;

export class GpuWeightStore<P extends { pool: ScratchPool }> {
  private bufs = new Map<string, GPUBuffer>();
  private blocks = new Map<string, { all: GPUBuffer[] }>();
  /** plans by key (batch, size, capture, knob setting), least recently used first */
  private plans = new Map<string, P>();

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

  /** The plan for `key`, built on first use; the least recently used one goes beyond MAX_PLANS. */
  planFor(key: string, build: () => P): P {
    let p = this.plans.get(key);
    if (p) {
      this.plans.delete(key);
    } else {
      while (this.plans.size >= MAX_PLANS) {
        const [oldKey, old] = this.plans.entries().next().value as [string, P];
        old.pool.destroy();
        this.plans.delete(oldKey);
      }
      p = build();
    }
    this.plans.set(key, p);
    return p;
  }

  /**
   * Serialises forwards that share this weights object (and so one plan) up to their submit: `f`
   * holds the lock until it calls submitted() (the runner does, once its forward is on the queue,
   * whose order then keeps the shared buffers safe) or settles.
   */
  locked<T>(f: () => Promise<T>): Promise<T> {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const p = this.lock.then(() => {
      this.release = open;
      return f();
    });
    p.then(open, open);
    this.lock = gate;
    return p;
  }
  private lock: Promise<void> = Promise.resolve();
  private release: (() => void) | null = null;

  /** The lock holder's forward is submitted: the next one may write its input and submit behind it. */
  submitted(): void {
    this.release?.();
    this.release = null;
  }

  destroy(): void {
    for (const p of this.plans.values()) p.pool.destroy();
    this.plans.clear();
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
