/**
 * The per-context weight cache and scratch pool of one-image op runs (src/ops/common), with
 * stand-in buffers: hits by params identity + key, LRU eviction destroys, pinned entries outlive
 * eviction, device loss drops everything; scratch is never handed to two holders at once.
 */
import { describe, expect, it } from 'vitest';
import { WeightCache } from '../../src/ops/common/weight-cache';
import { OpScratchPool } from '../../src/ops/common/scratch-pool';
import type { Params } from '../../src/ops/types';

class FakeBuffer {
  destroyed = false;
  constructor(readonly size: number) {}
  destroy() {
    this.destroyed = true;
  }
}
const buf = (size: number) => new FakeBuffer(size) as unknown as GPUBuffer;
const isDestroyed = (b: GPUBuffer) => (b as unknown as FakeBuffer).destroyed;

function host() {
  const listeners: Array<(r: string) => void> = [];
  return {
    onLost: (l: (r: string) => void) => {
      listeners.push(l);
      return () => undefined;
    },
    scratch: (floats: number) => buf(Math.max(16, floats * 4)),
    lose: () => listeners.forEach((l) => l('lost')),
  };
}

const params = (): Params => ({ w: { shape: [1], data: new Float64Array(1) } });
const upload = (bytes = 64) => () => ({ all: [buf(bytes), buf(bytes)] });

describe('WeightCache', () => {
  it('same params object and key: one upload; another key or params object: a new one', () => {
    const c = new WeightCache(host());
    const p = params();
    const a = c.acquire(p, 'k', upload());
    a.release();
    const b = c.acquire(p, 'k', upload());
    b.release();
    expect(b.w).toBe(a.w);
    expect(c.uploads).toBe(1);
    const other = c.acquire(p, 'k2', upload());
    other.release();
    expect(other.w).not.toBe(a.w);
    // equal contents, different object: identity is the key (a changed param set is a new object)
    const q = c.acquire(params(), 'k', upload());
    q.release();
    expect(q.w).not.toBe(a.w);
    expect(c.uploads).toBe(3);
  });

  it('evicts least recently used beyond maxEntries and destroys its buffers', () => {
    const c = new WeightCache(host(), { maxEntries: 2, maxBytes: 1e9 });
    const ps = [params(), params(), params()];
    const ws = ps.map((p) => {
      const l = c.acquire(p, 'k', upload());
      l.release();
      return l.w;
    });
    expect(c.size).toBe(2);
    expect(ws[0].all.every(isDestroyed)).toBe(true);
    expect(ws[1].all.some(isDestroyed) || ws[2].all.some(isDestroyed)).toBe(false);
    // touch 1, add 3: 2 is now the oldest
    c.acquire(ps[1], 'k', upload()).release();
    c.acquire(params(), 'k', upload()).release();
    expect(ws[2].all.every(isDestroyed)).toBe(true);
    expect(ws[1].all.some(isDestroyed)).toBe(false);
  });

  it('bounds bytes; an upload larger than the bound is used once and destroyed, evicting nothing', () => {
    const c = new WeightCache(host(), { maxEntries: 100, maxBytes: 300 });
    const [s1, s2] = [c.acquire(params(), 'k', upload(64)), c.acquire(params(), 'k', upload(64))];
    s1.release();
    s2.release();
    expect(c.totalBytes).toBe(256);
    const s3 = c.acquire(params(), 'k', upload(64)); // 384 > 300: the oldest goes
    s3.release();
    expect(s1.w.all.every(isDestroyed)).toBe(true);
    expect(c.totalBytes).toBe(256);
    const big = c.acquire(params(), 'k', upload(1000));
    expect(big.w.all.some(isDestroyed)).toBe(false);
    big.release();
    expect(big.w.all.every(isDestroyed)).toBe(true);
    expect(s2.w.all.some(isDestroyed) || s3.w.all.some(isDestroyed)).toBe(false);
    expect(c.size).toBe(2);
  });

  it('a pinned entry is not destroyed by eviction until released', () => {
    const c = new WeightCache(host(), { maxEntries: 1, maxBytes: 1e9 });
    const a = c.acquire(params(), 'k', upload());
    const b = c.acquire(params(), 'k', upload());
    expect(a.w.all.some(isDestroyed)).toBe(false);
    b.release();
    expect(b.w.all.some(isDestroyed)).toBe(false);
    a.release();
    expect(a.w.all.every(isDestroyed)).toBe(true);
    expect(b.w.all.some(isDestroyed)).toBe(false);
    a.release(); // twice: no effect
    expect(c.size).toBe(1);
  });

  it('device loss destroys everything and keeps nothing after', () => {
    const h = host();
    const c = new WeightCache(h);
    const p = params();
    const a = c.acquire(p, 'k', upload());
    a.release();
    const pinned = c.acquire(params(), 'k', upload());
    h.lose();
    expect(a.w.all.every(isDestroyed)).toBe(true);
    expect(pinned.w.all.some(isDestroyed)).toBe(false);
    pinned.release();
    expect(pinned.w.all.every(isDestroyed)).toBe(true);
    const again = c.acquire(p, 'k', upload());
    expect(again.w).not.toBe(a.w);
    again.release();
    expect(again.w.all.every(isDestroyed)).toBe(true);
    expect(c.size).toBe(0);
  });
});

describe('OpScratchPool', () => {
  it('reuses returned buffers of the same size, never one that is checked out', () => {
    const pool = new OpScratchPool(host());
    const a = pool.checkOut(100);
    const b = pool.checkOut(100);
    expect(b).not.toBe(a);
    pool.checkIn([a]);
    const c = pool.checkOut(100);
    expect(c).toBe(a);
    expect(pool.checkOut(100)).not.toBe(b);
    expect(pool.checkOut(50)).not.toBe(a);
    expect(pool.created).toBe(4);
  });

  it('a buffer checked in twice is still handed out once', () => {
    const pool = new OpScratchPool(host());
    const a = pool.checkOut(10);
    pool.checkIn([a]);
    pool.checkIn([a]);
    expect(pool.checkOut(10)).toBe(a);
    expect(pool.checkOut(10)).not.toBe(a);
  });

  it('bounds idle bytes (oldest destroyed) and never keeps a huge buffer', () => {
    const pool = new OpScratchPool(host(), { maxIdleBytes: 1000, maxBufferBytes: 600 });
    const [a, b, c] = [pool.checkOut(100), pool.checkOut(100), pool.checkOut(200)];
    pool.checkIn([a, b]);
    expect(pool.idleCount).toBe(2);
    pool.checkIn([c]); // 800 bytes > 600: destroyed at once
    expect(isDestroyed(c)).toBe(true);
    const d = pool.checkOut(125);
    pool.checkIn([d]); // 400 + 400 + 500 > 1000: the oldest (a) goes
    expect(isDestroyed(a)).toBe(true);
    expect(isDestroyed(b)).toBe(false);
    expect(pool.idleCount).toBe(2);
  });

  it('device loss destroys idle buffers and those checked in later', () => {
    const h = host();
    const pool = new OpScratchPool(h);
    const a = pool.checkOut(10);
    const b = pool.checkOut(10);
    pool.checkIn([a]);
    h.lose();
    expect(isDestroyed(a)).toBe(true);
    pool.checkIn([b]);
    expect(isDestroyed(b)).toBe(true);
    expect(pool.idleCount).toBe(0);
  });
});
