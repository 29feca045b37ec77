/**
 * Weight downloads (src/weights/fetch-cache.ts) against a local HTTP server that can drop the
 * connection mid-file, ignore Range, fail with 404/500 or be unreachable, and an in-memory Cache
 * API: progress, resume from the received offset, restart when Range is ignored, parking a partial
 * download and continuing it later, caching, size cap, plain error kinds.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  clearCachedWeights, deleteCachedWeights, fetchWeights, isCached, listCachedWeights, WeightFetchError, type FetchProgress,
} from '../../src/weights/fetch-cache';
import { MemCaches } from './mem-cache';

// --- the server -------------------------------------------------------------------------------------
const FILE = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 31 + (i >> 8)) & 255);
let server: Server;
let base = '';
const log: Array<{ path: string; range?: string; ifRange?: string }> = [];
/** per path: how many upcoming requests to cut after `cut` bytes */
const drops = new Map<string, { times: number; cut: number }>();
let fail500 = 0;

function handler(req: IncomingMessage, res: ServerResponse) {
  const path = (req.url ?? '/').split('?')[0];
  log.push({ path, range: req.headers.range, ifRange: req.headers['if-range'] as string | undefined });
  if (path === '/missing.pth') {
    res.writeHead(404, 'Not Found').end('no');
    return;
  }
  if (path === '/flaky.pth' && fail500 > 0) {
    fail500--;
    res.writeHead(503, 'Service Unavailable').end();
    return;
  }
  const honourRange = path !== '/norange.pth';
  let start = 0;
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream', etag: '"v1"' };
  if (m && honourRange) {
    start = Number(m[1]);
    headers['content-range'] = `bytes ${start}-${FILE.length - 1}/${FILE.length}`;
    headers['content-length'] = String(FILE.length - start);
    res.writeHead(206, headers);
  } else {
    headers['content-length'] = String(FILE.length);
    res.writeHead(200, headers);
  }
  const body = FILE.subarray(start);
  const d = drops.get(path);
  if (d && d.times > 0) {
    d.times--;
    res.write(body.subarray(0, d.cut), () => setTimeout(() => res.socket?.destroy(), 20));
    return;
  }
  res.end(body);
}

beforeAll(async () => {
  server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

let caches: MemCaches;
beforeEach(() => {
  caches = new MemCaches();
  log.length = 0;
  drops.clear();
  fail500 = 0;
});
const opts = (extra = {}) => ({ caches: caches as unknown as CacheStorage, storage: null, retryDelayMs: 5, signal: new AbortController().signal, ...extra });
const same = (a: Uint8Array) => a.length === FILE.length && a.every((v, i) => v === FILE[i]);

async function refusal(p: Promise<unknown>): Promise<WeightFetchError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(WeightFetchError);
    return e as WeightFetchError;
  }
  throw new Error('expected a WeightFetchError');
}

describe('fetchWeights', () => {
  it('downloads with progress, caches, and serves the second call from the cache', async () => {
    const seen: FetchProgress[] = [];
    const r = await fetchWeights(`${base}/a.pth`, opts({ onProgress: (p: FetchProgress) => seen.push(p) }));
    expect(same(r.bytes)).toBe(true);
    expect(r.fromCache).toBe(false);
    expect(r.cached).toBe(true);
    expect(seen.at(-1)).toMatchObject({ received: FILE.length, total: FILE.length, phase: 'download' });
    expect(seen.every((p, i) => i === 0 || p.received >= seen[i - 1].received)).toBe(true);
    const again = await fetchWeights(`${base}/a.pth`, opts());
    expect(again.fromCache).toBe(true);
    expect(same(again.bytes)).toBe(true);
    expect(log.filter((l) => l.path === '/a.pth')).toHaveLength(1);
    expect(await isCached(`${base}/a.pth`, opts())).toBe(true);
  });

  it('resumes a dropped connection with a Range request from the received offset', async () => {
    drops.set('/drop.pth', { times: 2, cut: 100_000 });
    const r = await fetchWeights(`${base}/drop.pth`, opts());
    expect(same(r.bytes)).toBe(true);
    const reqs = log.filter((l) => l.path === '/drop.pth');
    expect(reqs[0].range).toBeUndefined();
    expect(reqs[1].range).toBe('bytes=100000-');
    expect(reqs[1].ifRange).toBe('"v1"');
    expect(reqs[2].range).toBe('bytes=200000-');
    expect(r.notes.join(' ')).toMatch(/resumed/);
  });

  it('starts over when the server ignores Range', async () => {
    drops.set('/norange.pth', { times: 1, cut: 50_000 });
    const r = await fetchWeights(`${base}/norange.pth`, opts());
    expect(same(r.bytes)).toBe(true);
    expect(r.notes.join(' ')).toMatch(/restarted the download from the beginning/);
  });

  it('parks a partial download after the retries and continues it on the next call', async () => {
    drops.set('/park.pth', { times: 3, cut: 60_000 });
    const e = await refusal(fetchWeights(`${base}/park.pth`, opts({ retries: 0 })));
    expect(e.kind).toBe('network');
    expect(e.message).toMatch(/connection dropped after 0\.1 MB of 0\.3 MB.*are kept: try again to continue/);
    const listed = await listCachedWeights(opts());
    expect(listed).toEqual([expect.objectContaining({ url: `${base}/park.pth`, partial: true, bytes: 60_000, total: FILE.length })]);
    log.length = 0;
    drops.clear();
    const r = await fetchWeights(`${base}/park.pth`, opts());
    expect(same(r.bytes)).toBe(true);
    expect(log[0].range).toBe('bytes=60000-');
    expect(r.notes[0]).toMatch(/resumed a previous download at 0\.1 MB/);
    expect((await listCachedWeights(opts())).map((c) => c.partial)).toEqual([false]);
  });

  it('retries a 5xx, then succeeds', async () => {
    fail500 = 2;
    const r = await fetchWeights(`${base}/flaky.pth`, opts());
    expect(same(r.bytes)).toBe(true);
  });

  it('HTTP errors say what happened', async () => {
    const e = await refusal(fetchWeights(`${base}/missing.pth`, opts()));
    expect(e.kind).toBe('http');
    expect(e.status).toBe(404);
    expect(e.message).toMatch(/not there \(404\)/);
    fail500 = 10;
    const e5 = await refusal(fetchWeights(`${base}/flaky.pth`, opts({ retries: 1 })));
    expect(e5.message).toMatch(/server failed \(503/);
  });

  it('refuses a file larger than the cap before reading it', async () => {
    const e = await refusal(fetchWeights(`${base}/big.pth`, opts({ maxBytes: 1000 })));
    expect(e.kind).toBe('too-large');
    expect(e.message).toMatch(/The file is 0\.3 MB; this page loads files up to 0\.0 MB/);
  });

  it('an unreachable host is a network error', async () => {
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((r) => dead.close(() => r()));
    const e = await refusal(fetchWeights(`http://127.0.0.1:${port}/x.pth`, opts()));
    expect(e.kind).toBe('network');
    expect(e.message).toMatch(/Could not reach 127\.0\.0\.1:\d+/);
  });

  it('works without a Cache API, and the cache can be listed and cleared', async () => {
    const r = await fetchWeights(`${base}/nocache.pth`, { caches: null, storage: null, signal: new AbortController().signal });
    expect(r.cached).toBe(false);
    expect(r.notes.join(' ')).toMatch(/no Cache API/);
    await fetchWeights(`${base}/one.pth`, opts());
    await fetchWeights(`${base}/two.pth`, opts());
    expect((await listCachedWeights(opts())).map((c) => [c.url.replace(base, ''), c.bytes])).toEqual([['/one.pth', FILE.length], ['/two.pth', FILE.length]]);
    await deleteCachedWeights(`${base}/one.pth`, opts());
    expect((await listCachedWeights(opts())).map((c) => c.url.replace(base, ''))).toEqual(['/two.pth']);
    await clearCachedWeights(opts());
    expect(await listCachedWeights(opts())).toEqual([]);
  });

  it('does not cache when storage is nearly full, and says so', async () => {
    const r = await fetchWeights(`${base}/full.pth`, opts({ storage: { estimate: async () => ({ usage: 990_000, quota: 1_000_000 }) } }));
    expect(same(r.bytes)).toBe(true);
    expect(r.cached).toBe(false);
    expect(r.notes.join(' ')).toMatch(/not kept in the cache: 0\.3 MB needed, 0\.0 MB of browser storage left/);
  });
});
