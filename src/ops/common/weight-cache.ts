/**
 * Uploaded op weights kept per GpuContext, so a slider change re-runs an op without re-uploading
 * (and re-creating) its weight buffers. Keyed by the params object's identity (a WeakMap: seeded
 * view weights and a captured layer's weights are stable objects) plus the part of the config the
 * op's upload depends on. An LRU bounded by entries and bytes destroys what it evicts: GC does
 * not free GPU memory promptly. An entry evicted while a run holds it is destroyed when that run
 * releases it. A lost device drops everything.
 */
import type { GpuContext } from '../../gpu/context';
import type { Params } from '../types';

/** What every upload*Weights returns: its buffers listed in `all`. */
export interface UploadedWeights {
  all: GPUBuffer[];
}

/** A cached upload checked out for one run; `release` when the run no longer needs the buffers. */
export interface WeightLease<W> {
  w: W;
  release(): void;
}

interface Entry {
  w: UploadedWeights;
  bytes: number;
  pins: number;
  /** evicted while pinned: destroy on the last release */
  dead: boolean;
  /** the params object's own map, so eviction can forget the key without holding the params */
  home: Map<string, Entry>;
  key: string;
}

/** The part of GpuContext the cache uses (tests pass a stand-in). */
export type CacheHost = Pick<GpuContext, 'onLost'>;

export interface WeightCacheLimits {
  maxEntries: number;
  maxBytes: number;
}

/** A few dozen modules, and no more GPU memory than a mid-size backbone's weights. */
export const DEFAULT_WEIGHT_CACHE_LIMITS: WeightCacheLimits = { maxEntries: 32, maxBytes: 96 * 2 ** 20 };

const bytesOf = (w: UploadedWeights) => w.all.reduce((n, b) => n + b.size, 0);

export class WeightCache {
  private byParams = new WeakMap<Params, Map<string, Entry>>();
  /** insertion order = recency (oldest first); re-inserted on every hit */
  private lru = new Set<Entry>();
  private bytes = 0;
  private lost = false;
  /** uploads done (cache misses), for tests and benchmarks */
  uploads = 0;

  constructor(host: CacheHost, readonly limits: WeightCacheLimits = DEFAULT_WEIGHT_CACHE_LIMITS) {
    host.onLost(() => {
      this.lost = true;
      this.clear();
    });
  }

  get size(): number {
    return this.lru.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  /**
   * The weights uploaded for (`p`, `key`), uploading on a miss. `key` must name everything of
   * the config (and the op) that the upload reads besides `p`.
   */
  acquire<W extends UploadedWeights>(p: Params, key: string, upload: () => W): WeightLease<W> {
    let home = this.byParams.get(p);
    let e = home?.get(key);
    if (!e) {
      const w = upload();
      this.uploads++;
      if (!home) {
        home = new Map();
        this.byParams.set(p, home);
      }
      e = { w, bytes: bytesOf(w), pins: 0, dead: false, home, key };
      // after a device loss, or larger than the whole cache: used by this run, destroyed on release
      if (this.lost || e.bytes > this.limits.maxBytes) e.dead = true;
      else {
        home.set(key, e);
        this.bytes += e.bytes;
      }
    } else this.lru.delete(e);
    if (!e.dead) this.lru.add(e);
    e.pins++;
    const entry = e;
    let released = false;
    this.trim();
    return {
      w: entry.w as W,
      release: () => {
        if (released) return;
        released = true;
        entry.pins--;
        if (entry.dead && entry.pins === 0) destroyAll(entry.w);
      },
    };
  }

  /** Destroy every entry (pinned ones when their run releases them). */
  clear(): void {
    for (const e of [...this.lru]) this.evict(e);
  }

  /** Evict least recently used entries while over a limit (a pinned one is destroyed on its release). */
  private trim(): void {
    const { maxEntries, maxBytes } = this.limits;
    for (const e of [...this.lru]) {
      if (this.lru.size <= maxEntries && this.bytes <= maxBytes) return;
      this.evict(e);
    }
  }

  private evict(e: Entry): void {
    if (!this.lru.delete(e)) return;
    e.home.delete(e.key);
    this.bytes -= e.bytes;
    e.dead = true;
    if (e.pins === 0) destroyAll(e.w);
  }
}

function destroyAll(w: UploadedWeights): void {
  for (const b of w.all) b.destroy();
}

const caches = new WeakMap<object, WeightCache>();

/** The context's weight cache (made on first use). */
export function weightCacheFor(ctx: GpuContext): WeightCache {
  let c = caches.get(ctx);
  if (!c) caches.set(ctx, (c = new WeightCache(ctx)));
  return c;
}
