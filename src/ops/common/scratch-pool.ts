/**
 * Scratch buffers of one-image op runs, pooled per GpuContext instead of created and destroyed
 * per run (thousands of create/destroy cycles slow later GPU work down). A run checks buffers out
 * and returns them when its read-backs are done, so runs that overlap (async views) never share
 * one. Buffers are matched by the exact size asked for (a bound buffer's size never differs from
 * a fresh run's). Returned buffers hold the previous run's data: the op kernels write what they read.
 * Idle buffers are bounded by bytes, oldest destroyed first; a lost device drops them all.
 */
import type { GpuContext } from '../../gpu/context';

/** The part of GpuContext the pool uses (tests pass a stand-in). */
export type PoolHost = Pick<GpuContext, 'onLost' | 'scratch'>;

export interface ScratchPoolLimits {
  /** idle bytes kept */
  maxIdleBytes: number;
  /** a buffer larger than this is never kept (e.g. a full N×N map of a parity run) */
  maxBufferBytes: number;
}

export const DEFAULT_SCRATCH_LIMITS: ScratchPoolLimits = { maxIdleBytes: 64 * 2 ** 20, maxBufferBytes: 32 * 2 ** 20 };

export class OpScratchPool {
  /** idle buffers by the float count they were made for */
  private idle = new Map<number, GPUBuffer[]>();
  private floatsOf = new WeakMap<GPUBuffer, number>();
  /** every idle buffer, oldest first (for the byte bound) */
  private order = new Set<GPUBuffer>();
  private idleBytes = 0;
  private lost = false;
  /** buffers created (pool misses), for tests and benchmarks */
  created = 0;

  constructor(private host: PoolHost, readonly limits: ScratchPoolLimits = DEFAULT_SCRATCH_LIMITS) {
    host.onLost(() => {
      this.lost = true;
      this.clear();
    });
  }

  get idleCount(): number {
    return this.order.size;
  }

  /** A storage buffer of `floats` 32-bit elements that no other run holds until `checkIn`. */
  checkOut(floats: number): GPUBuffer {
    const list = this.idle.get(floats);
    const b = list?.pop();
    if (b) {
      this.order.delete(b);
      this.idleBytes -= b.size;
      return b;
    }
    this.created++;
    const nb = this.host.scratch(floats);
    this.floatsOf.set(nb, floats);
    return nb;
  }

  /** Hand buffers back once no submitted work or read-back uses them. */
  checkIn(bufs: Iterable<GPUBuffer>): void {
    for (const b of bufs) {
      if (this.order.has(b)) continue;
      const floats = this.floatsOf.get(b);
      if (this.lost || floats === undefined || b.size > this.limits.maxBufferBytes) {
        b.destroy();
        continue;
      }
      let list = this.idle.get(floats);
      if (!list) {
        list = [];
        this.idle.set(floats, list);
      }
      list.push(b);
      this.order.add(b);
      this.idleBytes += b.size;
    }
    for (const old of this.order) {
      if (this.idleBytes <= this.limits.maxIdleBytes) break;
      this.drop(old);
    }
  }

  /** Fill every idle buffer with `value` (tests: a kernel that relied on zeroed memory shows). */
  fillIdle(device: GPUDevice, value: number): void {
    for (const b of this.order) device.queue.writeBuffer(b, 0, new Float32Array(b.size / 4).fill(value));
  }

  clear(): void {
    for (const b of [...this.order]) this.drop(b);
  }

  private drop(b: GPUBuffer): void {
    this.order.delete(b);
    this.idleBytes -= b.size;
    const list = this.idle.get(this.floatsOf.get(b) ?? -1);
    const i = list ? list.indexOf(b) : -1;
    if (list && i >= 0) list.splice(i, 1);
    b.destroy();
  }
}

const pools = new WeakMap<object, OpScratchPool>();

/** The context's scratch pool (made on first use). */
export function scratchPoolFor(ctx: GpuContext): OpScratchPool {
  let p = pools.get(ctx);
  if (!p) pools.set(ctx, (p = new OpScratchPool(ctx)));
  return p;
}
