/**
 * Downloads against a hostile server (tests/node/hostile-server.ts): one regression test per class
 * of issue 15 (stalls, resets, slow bodies and abort, pages sent as the file, too many or too few
 * bytes, spliced versions, wrong ranges, 416/5xx/redirect loops, bad cache entries), then a seeded
 * adversarial tier — 1,200 scripted servers in the default run, 12,000 with ATTN_SLOW=1 — asserting
 * that every download settles within 2 s, ends with the exact file or a clear WeightFetchError, and
 * that the cache never holds anything but a whole version as complete, or a true prefix of one
 * version (with its validator) as a parked partial download. ATTN_HOSTILE_N / _SEED / _C override
 * the tier's case count, seed and concurrency (default 4).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchWeights, WeightFetchError, type FetchErrorKind, type FetchWeightsOptions, type FetchWeightsResult } from '../../src/weights/fetch-cache';
import { looksLikePage, parseContentRange, resumeMismatch, SNIFF_BYTES } from '../../src/weights/download-checks';
import { fixtureBytes, fixtureFiles } from './fixtures';
import { BEHAVIOURS, etagOf, lastModifiedOf, startHostileServer, type Behaviour, type HostileServer, type ValidatorMode } from './hostile-server';
import { MemCaches } from './mem-cache';

const SLOW = process.env.ATTN_SLOW === '1';
const KINDS: FetchErrorKind[] = ['network', 'cors', 'http', 'stalled', 'too-large', 'incomplete', 'not-the-file', 'aborted'];
/** the longest any one download may take */
const STEP_MS = 2000;

let srv: HostileServer;
beforeAll(async () => {
  srv = await startHostileServer({ maxRequests: SLOW ? 600_000 : 60_000, lifetimeMs: SLOW ? 1_200_000 : 240_000, holdMs: 2500 });
});
afterAll(() => srv.stop());

/** a seeded PRNG (mulberry32) */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** a file's bytes: random, starting with a pickle's protocol byte like a real checkpoint */
function fileBytes(r: () => number, n: number): Uint8Array {
  const b = Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
  b[0] = 0x80;
  return b;
}

const equal = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

type Settled = { ok: true; value: FetchWeightsResult; ms: number } | { ok: false; error: unknown; ms: number };

/** the download's outcome, or a failure if it has not settled within `limit` ms */
async function settle(p: Promise<FetchWeightsResult>, limit = STEP_MS + 500): Promise<Settled> {
  const t0 = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, rej) => {
    timer = setTimeout(() => rej(new Error(`did not settle within ${limit} ms`)), limit);
  });
  try {
    const value = await Promise.race([p, hang]);
    return { ok: true, value, ms: performance.now() - t0 };
  } catch (error) {
    if (error instanceof Error && /did not settle/.test(error.message)) throw error;
    return { ok: false, error, ms: performance.now() - t0 };
  } finally {
    clearTimeout(timer);
  }
}

function refusal(s: Settled): WeightFetchError {
  if (s.ok) throw new Error('expected a refusal, got a file');
  expect(s.error).toBeInstanceOf(WeightFetchError);
  return s.error as WeightFetchError;
}

/**
 * What the cache holds for `url` must be a whole version (complete entry) or a strict prefix of the
 * version its validator names (parked partial). Returns what it found.
 */
async function cacheInvariant(caches: MemCaches, id: string, url: string, versions: Uint8Array[]): Promise<{ complete?: Uint8Array; partial?: Uint8Array }> {
  const out: { complete?: Uint8Array; partial?: Uint8Array } = {};
  for (const c of caches.caches.values()) {
    for (const [key, e] of c.store) {
      const h = new Headers(e.headers);
      if (h.get('x-attn-url') === url) {
        const etag = h.get('x-attn-etag');
        const lm = h.get('x-attn-last-modified');
        const v = versions.findIndex((_, k) => (etag !== null && (etag === etagOf(id, k) || etag === `W/${etagOf(id, k)}`)) || (etag === null && lm === lastModifiedOf(k)));
        expect(v, `a parked partial names a version (${etag} ${lm})`).toBeGreaterThanOrEqual(0);
        const full = versions[v];
        expect(e.body.length).toBeLessThan(full.length);
        expect(equal(e.body, full.subarray(0, e.body.length)), 'a parked partial is a prefix of its version').toBe(true);
        expect(Number(h.get('x-attn-total'))).toBe(full.length);
        out.partial = e.body;
      } else if (key === url) {
        expect(versions.some((v) => equal(v, e.body)), 'a complete cache entry is one whole version').toBe(true);
        out.complete = e.body;
      }
    }
  }
  return out;
}

let seq = 0;
function setup(o: { versions: Uint8Array[]; validators?: ValidatorMode; script: Behaviour[]; fallback?: Behaviour }) {
  const id = `r${++seq}`;
  const url = srv.add(id, { versions: o.versions, validators: o.validators ?? 'strong', script: o.script, fallback: o.fallback ?? 'ok' });
  const caches = new MemCaches();
  const opts = (extra: Partial<FetchWeightsOptions> = {}): FetchWeightsOptions => ({
    caches: caches.api, storage: null, retryDelayMs: 1, stallMs: 400, retries: 3, signal: new AbortController().signal, ...extra,
  });
  return { id, url, caches, opts, file: srv.files.get(id)! };
}

const R = rng(15);
const V1 = fileBytes(R, 5000);
/** the next version of V1: same size, other bytes (so only the validator tells them apart) */
const V2 = fileBytes(R, 5000);

describe('download checks', () => {
  it('no checkpoint format looks like a page; pages, JSON and XML do', () => {
    const files = fixtureFiles('checkpoints', /\.(pth|safetensors)$/);
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) expect(looksLikePage(fixtureBytes(f).subarray(0, SNIFF_BYTES)), f).toBeNull();
    const enc = (s: string) => new TextEncoder().encode(s);
    for (const s of ['<!DOCTYPE html><html>', '\ufeff  <html lang="en">', '<?xml version="1.0"?><Error>', '{"error":"nope"}', '[1,2,3]', '\n\n  {\n "détail": "é"'])
      expect(looksLikePage(enc(s)), s).not.toBeNull();
    // a safetensors header whose length byte happens to be "{" is still binary (zeros follow)
    expect(looksLikePage(Uint8Array.from([0x7b, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x22]))).toBeNull();
    expect(looksLikePage(Uint8Array.from([0x3c, 0xff, 0x3c]))).toBeNull();
  });

  it('Content-Range and resume proofs', () => {
    expect(parseContentRange('bytes 10-99/100')).toEqual({ start: 10, end: 99, total: 100 });
    for (const bad of ['bytes 10-99/*', 'bytes 10-100/100', 'bytes 50-10/100', 'bytes=10-', '', 'bytes 1-2/3 junk']) expect(parseContentRange(bad), bad).toBeNull();
    const held = { etag: '"a"', lastModified: null };
    const h = (o: Record<string, string>) => new Headers(o);
    expect(resumeMismatch(h({ 'content-range': 'bytes 10-99/100', etag: '"a"', 'content-length': '90' }), 10, 100, held)).toBeNull();
    expect(resumeMismatch(h({ 'content-range': 'bytes 10-99/100', etag: '"b"' }), 10, 100, held)).toMatch(/same version/);
    expect(resumeMismatch(h({ 'content-range': 'bytes 10-99/100' }), 10, 100, held)).toMatch(/same version/);
    expect(resumeMismatch(h({ 'content-range': 'bytes 9-99/100', etag: '"a"' }), 10, 100, held)).toMatch(/starting at byte 9/);
    expect(resumeMismatch(h({ 'content-range': 'bytes 10-100/101', etag: '"a"' }), 10, 100, held)).toMatch(/101 bytes/);
    expect(resumeMismatch(h({ 'content-range': 'bytes 10-99/100', etag: '"a"', 'content-length': '91' }), 10, 100, held)).toMatch(/Content-Length of 91/);
  });
});

describe('downloads against a hostile server: one test per class', () => {
  it('stalled headers: refused as stalled after the bounded attempts, not a hang', async () => {
    const t = setup({ versions: [V1], script: [], fallback: 'stall-headers' });
    const s = await settle(fetchWeights(t.url, t.opts({ stallMs: 300, retries: 2 })));
    const e = refusal(s);
    expect(e.kind).toBe('stalled');
    expect(e.message).toMatch(/did not answer within 0\.30 s.*Gave up after 3 attempts/);
    expect(t.file.log.filter((l) => l.method === 'GET')).toHaveLength(3);
    expect(s.ms).toBeLessThan(STEP_MS);
  });

  it('stalled body: the received part is parked (strong ETag) and the next call continues it', async () => {
    const t = setup({ versions: [V1], script: ['stall-body'], fallback: 'stall-headers' });
    const e = refusal(await settle(fetchWeights(t.url, t.opts({ stallMs: 300, retries: 0 }))));
    expect(e.kind).toBe('stalled');
    expect(e.message).toMatch(/stopped sending: no data for 0\.30 s after .* are kept/);
    expect((await cacheInvariant(t.caches, t.id, t.url, [V1])).partial?.length).toBe(2500);
    t.file.fallback = 'ok';
    const s = await settle(fetchWeights(t.url, t.opts()));
    expect(s.ok && equal(s.value.bytes, V1)).toBe(true);
    expect(t.file.log.at(-1)).toMatchObject({ range: 'bytes=2500-', ifRange: etagOf(t.id, 0) });
    expect((await cacheInvariant(t.caches, t.id, t.url, [V1])).partial).toBeUndefined();
  });

  it('reset mid-body: resumed from the received offset, exact file', async () => {
    const t = setup({ versions: [V1], script: ['reset-body', 'reset-body'] });
    const s = await settle(fetchWeights(t.url, t.opts()));
    expect(s.ok && equal(s.value.bytes, V1)).toBe(true);
    expect(t.file.log.map((l) => l.range)).toEqual([undefined, 'bytes=2500-', 'bytes=3750-']);
  });

  it('slow body + abort(): settles promptly as cancelled, the part received is kept', async () => {
    const slow = await startHostileServer({ maxRequests: 10, lifetimeMs: 20_000, slowStepMs: 60 });
    try {
      const big = fileBytes(R, 8000);
      const url = slow.add('s', { versions: [big], validators: 'strong', script: ['ok-slow'] });
      const caches = new MemCaches();
      const ac = new AbortController();
      const p = fetchWeights(url, { caches: caches.api, storage: null, signal: ac.signal, stallMs: 5000 });
      await new Promise((r) => setTimeout(r, 150));
      const t0 = performance.now();
      ac.abort();
      const e = refusal(await settle(p));
      expect(performance.now() - t0).toBeLessThan(500);
      expect(e.kind).toBe('aborted');
      expect(e.message).toMatch(/cancelled\. .* are kept/);
    } finally {
      await slow.stop();
    }
  });

  it('a fetch that ignores its signal still settles on abort() and on stall', async () => {
    const never: typeof fetch = () => new Promise<Response>(() => undefined);
    const ac = new AbortController();
    const p = fetchWeights('https://weights.invalid/x.pth', { caches: null, storage: null, signal: ac.signal, fetchImpl: never });
    setTimeout(() => ac.abort(), 30);
    const e = refusal(await settle(p, 500));
    expect(e.kind).toBe('aborted');
    const stalled = refusal(await settle(fetchWeights('https://weights.invalid/x.pth', { caches: null, storage: null, signal: new AbortController().signal, fetchImpl: never, stallMs: 50, retries: 1, retryDelayMs: 1 }), 1000));
    expect(stalled.kind).toBe('stalled');
  });

  it('the diagnostic request after a failed fetch is guarded too (stall and abort)', async () => {
    let heads = 0;
    const hostile: typeof fetch = (_u, init) => {
      if (init?.method === 'HEAD') {
        heads++;
        return new Promise<Response>(() => undefined); // hangs and ignores its signal
      }
      return Promise.reject(new TypeError('fetch failed'));
    };
    const e = refusal(await settle(fetchWeights('https://weights.invalid/x.pth', { caches: null, storage: null, signal: new AbortController().signal, fetchImpl: hostile, stallMs: 60 }), 1000));
    expect(e.kind).toBe('network');
    expect(heads).toBe(1);
    const ac = new AbortController();
    const p = fetchWeights('https://weights.invalid/x.pth', { caches: null, storage: null, signal: ac.signal, fetchImpl: hostile, stallMs: 60_000 });
    setTimeout(() => ac.abort(), 30);
    expect(refusal(await settle(p, 500)).kind).toBe('aborted');
  });

  it.each([
    ['html', /text\/html \(HTTP 200\)/],
    ['html-octet', /a web page \(HTML\), starting "<!DOCTYPE html>/],
    ['json', /application\/json \(HTTP 200\)/],
    ['json-octet', /a JSON document, starting "\{"error":"Rate limit/],
    ['empty', /an empty file \(0 bytes\)/],
  ] as const)('%s sent with status 200 is refused and nothing is cached', async (b, msg) => {
    const t = setup({ versions: [V1], script: [b] });
    const e = refusal(await settle(fetchWeights(t.url, t.opts())));
    expect(e.kind).toBe('not-the-file');
    expect(e.message).toMatch(msg);
    expect(e.message).toMatch(/not the checkpoint file, so nothing was kept/);
    expect(t.caches.caches.get('attn-weights-v1')?.store.size ?? 0).toBe(0);
  });

  it('a page arriving on a resumed download is refused and the parked part dropped', async () => {
    const t = setup({ versions: [V1], script: ['reset-body', 'html-octet'] });
    const e = refusal(await settle(fetchWeights(t.url, t.opts())));
    expect(e.kind).toBe('not-the-file');
    expect(t.caches.caches.get('attn-weights-v1')?.store.size ?? 0).toBe(0);
  });

  it('extra bytes past the declared length (Content-Range total, published size) are refused', async () => {
    const r1 = setup({ versions: [V1], script: ['reset-body', 'extra-range'] });
    const e1 = refusal(await settle(fetchWeights(r1.url, r1.opts())));
    expect(e1.kind).toBe('not-the-file');
    expect(e1.message).toMatch(/more bytes than it declared \(over 5000\)/);
    const r2 = setup({ versions: [V1], script: ['extra-chunked'] });
    const e2 = refusal(await settle(fetchWeights(r2.url, r2.opts({ expectedBytes: V1.length }))));
    expect(e2.message).toMatch(/more bytes than the published size/);
    for (const t of [r1, r2]) expect(await cacheInvariant(t.caches, t.id, t.url, [V1])).toEqual({});
    // past Content-Length: HTTP framing stops at the declared length — the exact file, never the extra
    const r3 = setup({ versions: [V1], script: ['extra-length'] });
    const s3 = await settle(fetchWeights(r3.url, r3.opts()));
    expect(s3.ok && equal(s3.value.bytes, V1)).toBe(true);
  });

  it('too few bytes: resumed when the server can prove the version, started over when it cannot', async () => {
    const t = setup({ versions: [V1], script: ['short-length', 'short-chunked'] });
    const s = await settle(fetchWeights(t.url, t.opts()));
    expect(s.ok && equal(s.value.bytes, V1)).toBe(true);
    expect(t.file.log.map((l) => l.range)).toEqual([undefined, 'bytes=2500-', 'bytes=3750-']);
    const n = setup({ versions: [V1], validators: 'none', script: ['short-length', 'reset-body'] });
    const sn = await settle(fetchWeights(n.url, n.opts()));
    expect(sn.ok && equal(sn.value.bytes, V1)).toBe(true);
    expect(n.file.log.map((l) => l.range)).toEqual([undefined, undefined, undefined]);
  });

  it('no validator (or only a weak ETag): never resumed, never parked, and says why', async () => {
    for (const validators of ['none', 'weak'] as const) {
      const t = setup({ versions: [V1], validators, script: ['reset-body'], fallback: 'reset-body' });
      const e = refusal(await settle(fetchWeights(t.url, t.opts({ retries: 2 }))));
      expect(e.kind).toBe('network');
      expect(e.message).toMatch(/Nothing was kept: .* sends no ETag or Last-Modified/);
      expect(t.file.log.every((l) => l.range === undefined)).toBe(true);
      expect(await cacheInvariant(t.caches, t.id, t.url, [V1])).toEqual({});
    }
  });

  it('the file changed and the server ignores If-Range: the 206 of the new version is not spliced on', async () => {
    for (const validators of ['strong', 'last-modified', 'both'] as const) {
      const t = setup({ versions: [V1, V2], validators, script: ['reset-body', 'change-ignore-if-range'] });
      const s = await settle(fetchWeights(t.url, t.opts()));
      expect(s.ok && equal(s.value.bytes, V2), validators).toBe(true);
      expect(s.ok && s.value.notes.join(' ')).toMatch(/same version .*started over/);
      expect(t.file.log.map((l) => l.range)).toEqual([undefined, 'bytes=2500-', undefined]);
      expect((await cacheInvariant(t.caches, t.id, t.url, [V1, V2])).complete).toEqual(V2);
    }
  });

  it('a 206 without its validator is not trusted either', async () => {
    const t = setup({ versions: [V1], script: ['reset-body', 'range-no-validator'] });
    const s = await settle(fetchWeights(t.url, t.opts()));
    expect(s.ok && equal(s.value.bytes, V1)).toBe(true);
    expect(t.file.log.map((l) => l.range)).toEqual([undefined, 'bytes=2500-', undefined]);
  });

  it('the file changed between two calls: the parked part of the old version is not continued', async () => {
    const t = setup({ versions: [V1, V2], script: ['reset-body'], fallback: 'reset-headers' });
    refusal(await settle(fetchWeights(t.url, t.opts({ retries: 0 }))));
    expect((await cacheInvariant(t.caches, t.id, t.url, [V1, V2])).partial?.length).toBe(2500);
    t.file.script.push('change'); // honest server, new version: If-Range fails, whole new file
    t.file.fallback = 'ok';
    const s = await settle(fetchWeights(t.url, t.opts()));
    expect(s.ok && equal(s.value.bytes, V2)).toBe(true);
    expect(s.ok && s.value.notes.join(' ')).toMatch(/restarted the download from the beginning/);
  });

  it.each(['range-wrong-start', 'range-wrong-total', 'range-garbage', 'partial-to-whole'] as const)('%s: a range that was not asked for restarts from zero', async (b) => {
    const script: Behaviour[] = b === 'partial-to-whole' ? [b] : ['reset-body', b];
    const t = setup({ versions: [V1], script });
    const s = await settle(fetchWeights(t.url, t.opts()));
    expect(s.ok && equal(s.value.bytes, V1)).toBe(true);
    expect(t.file.log.at(-1)?.range).toBeUndefined();
  });

  it.each([
    ['416', 'incomplete', /whole file with "range not satisfiable" \(416\)/],
    ['500', 'http', /server failed \(500/],
    ['503', 'http', /server failed \(503/],
  ] as const)('%s forever: a bounded number of requests, then a clear refusal', async (b, kind, msg) => {
    const t = setup({ versions: [V1], script: ['reset-body'], fallback: b });
    const s = await settle(fetchWeights(t.url, t.opts({ retries: 3 })));
    const e = refusal(s);
    expect(e.kind).toBe(kind);
    expect(e.message).toMatch(msg);
    expect(t.file.log.filter((l) => l.method === 'GET')).toHaveLength(4);
    expect(s.ms).toBeLessThan(STEP_MS);
  });

  it('a redirect loop is refused with the reason', async () => {
    const t = setup({ versions: [V1], script: ['redirect-loop'] });
    const e = refusal(await settle(fetchWeights(t.url, t.opts())));
    expect(e.kind).toBe('network');
    expect(e.message).toMatch(/redirect/);
  });

  it('gzip on the wire (Content-Length is the compressed size): the exact file, cached only against the published size', async () => {
    const t = setup({ versions: [V1], script: ['ok-gzip', 'ok-gzip'] });
    const s = await settle(fetchWeights(t.url, t.opts()));
    expect(s.ok && equal(s.value.bytes, V1) && !s.value.verified && !s.value.cached).toBe(true);
    expect(s.ok && s.value.notes.join(' ')).toMatch(/not kept in the cache: .* declared no size/);
    const z = await settle(fetchWeights(t.url, t.opts({ expectedBytes: V1.length })));
    expect(z.ok && equal(z.value.bytes, V1) && z.value.verified && z.value.cached).toBe(true);
  });

  it('a body that ends early with no size declared anywhere is handed over unverified and never cached', async () => {
    const t = setup({ versions: [V1], script: ['short-chunked'] });
    const s = await settle(fetchWeights(t.url, t.opts()));
    expect(s.ok && s.value.bytes.length === 2500 && !s.value.verified && !s.value.cached).toBe(true);
    expect(await cacheInvariant(t.caches, t.id, t.url, [V1])).toEqual({});
    // with the zoo's published size it is incomplete, and is fetched again whole
    const z = setup({ versions: [V1], script: ['short-chunked'] });
    const sz = await settle(fetchWeights(z.url, z.opts({ expectedBytes: V1.length })));
    expect(sz.ok && equal(sz.value.bytes, V1) && sz.value.cached).toBe(true);
  });

  it('a bad complete cache entry (short, or a page cached by an older version) is removed on read and fetched again', async () => {
    const t = setup({ versions: [V1], script: [] });
    const first = await settle(fetchWeights(t.url, t.opts()));
    expect(first.ok && first.value.cached).toBe(true);
    const store = t.caches.caches.get('attn-weights-v1')!.store;
    const entry = store.get(t.url)!;
    store.set(t.url, { ...entry, body: entry.body.subarray(0, 4000) });
    const again = await settle(fetchWeights(t.url, t.opts()));
    expect(again.ok && !again.value.fromCache && equal(again.value.bytes, V1)).toBe(true);
    expect(again.ok && again.value.notes[0]).toMatch(/cached copy was not the whole file \(it holds 4000 bytes where 5000 were recorded\)/);
    store.set(t.url, { body: new TextEncoder().encode('<html><body>login</body></html>'), headers: [['content-length', '31']] });
    const third = await settle(fetchWeights(t.url, t.opts()));
    expect(third.ok && equal(third.value.bytes, V1)).toBe(true);
    expect(third.ok && third.value.notes[0]).toMatch(/it is a web page/);
    expect((await cacheInvariant(t.caches, t.id, t.url, [V1])).complete).toEqual(V1);
  });
});

const WEIGHTS: Array<[Behaviour, number]> = BEHAVIOURS.map((b) => [b, b === 'ok' ? 8 : b.startsWith('stall') ? 1 : b === 'redirect-loop' ? 0.5 : 2]);
const pick = (r: () => number): Behaviour => {
  const sum = WEIGHTS.reduce((a, [, w]) => a + w, 0);
  let x = r() * sum;
  for (const [b, w] of WEIGHTS) if ((x -= w) < 0) return b;
  return 'ok';
};
const MODES: ValidatorMode[] = ['strong', 'strong', 'both', 'last-modified', 'weak', 'none'];

interface Case {
  versions: Uint8Array[];
  validators: ValidatorMode;
  script: Behaviour[];
  fallback: Behaviour;
  calls: number;
  retries: number;
  expectedBytes?: number;
  abortAfterMs?: number;
}

function makeCase(r: () => number): Case {
  const nv = 1 + Math.floor(r() * 3);
  const size = () => (r() < 0.15 ? 1 + Math.floor(r() * 80) : 80 + Math.floor(r() * 3000));
  const versions = Array.from({ length: nv }, () => fileBytes(r, size()));
  const script = Array.from({ length: Math.floor(r() * 7) }, () => pick(r));
  const e = r();
  return {
    versions,
    validators: MODES[Math.floor(r() * MODES.length)],
    script,
    fallback: r() < 0.8 ? 'ok' : pick(r),
    calls: r() < 0.5 ? 2 : 1,
    retries: Math.floor(r() * 5),
    expectedBytes: e < 0.3 ? versions[0].length : e < 0.4 ? versions[0].length + Math.floor(r() * 9) - 4 : undefined,
    abortAfterMs: r() < 0.12 ? Math.floor(r() * 60) : undefined,
  };
}

async function runCase(c: Case, n: number): Promise<string[]> {
  const t = setup({ versions: c.versions, validators: c.validators, script: c.script, fallback: c.fallback });
  const outcomes: string[] = [];
  for (let call = 0; call < c.calls; call++) {
    const ac = new AbortController();
    let abortedAt: number | null = null;
    const timer = c.abortAfterMs !== undefined && call === 0 ? setTimeout(() => ((abortedAt = performance.now()), ac.abort()), c.abortAfterMs) : undefined;
    const s = await settle(fetchWeights(t.url, t.opts({ signal: ac.signal, stallMs: 60, retries: c.retries, expectedBytes: c.expectedBytes })));
    clearTimeout(timer);
    const where = `case ${n} call ${call}: ${JSON.stringify({ ...c, versions: c.versions.map((v) => v.length) })}`;
    expect(s.ms, where).toBeLessThan(STEP_MS);
    if (s.ok && s.value.verified) {
      expect(c.versions.some((v) => equal(v, s.value.bytes)), `${where}: the exact bytes of a version`).toBe(true);
      outcomes.push(s.value.fromCache ? 'cache' : 'file');
    } else if (s.ok) {
      // no size declared anywhere: handed to the loader (which checks the format) but never cached
      expect(s.value.cached, where).toBe(false);
      outcomes.push('unverified');
    } else {
      expect(s.error, where).toBeInstanceOf(WeightFetchError);
      const e = s.error as WeightFetchError;
      expect(KINDS, where).toContain(e.kind);
      expect(e.message.length, where).toBeGreaterThan(20);
      if (abortedAt !== null) {
        expect(e.kind, where).toBe('aborted');
        expect(performance.now() - abortedAt, `${where}: settles promptly after abort()`).toBeLessThan(500);
      }
      outcomes.push(e.kind);
    }
    await cacheInvariant(t.caches, t.id, t.url, c.versions);
  }
  return outcomes;
}

describe('seeded adversarial downloads', () => {
  it(`${SLOW ? '12,000' : '1,200'} scripted hostile servers: every download settles with the exact file or a clear refusal, the cache stays true`, async () => {
    const n = Number(process.env.ATTN_HOSTILE_N ?? (SLOW ? 12_000 : 1200));
    const r = rng(Number(process.env.ATTN_HOSTILE_SEED ?? (SLOW ? 20261205 : 1515)));
    const cases = Array.from({ length: n }, () => makeCase(r));
    const tally = new Map<string, number>();
    const t0 = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const i = next++;
        for (const o of await runCase(cases[i], i)) tally.set(o, (tally.get(o) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: Number(process.env.ATTN_HOSTILE_C ?? 4) }, worker));
    const ms = performance.now() - t0;
    console.log(`hostile downloads: ${n} cases, ${srv.requests()} requests in ${(ms / 1000).toFixed(1)} s;`, Object.fromEntries([...tally].sort()));
    // the tier must exercise both ends: files delivered, and each kind of refusal it can provoke
    for (const k of ['file', 'cache', 'not-the-file', 'stalled', 'incomplete', 'http', 'aborted', 'network']) expect(tally.get(k) ?? 0, k).toBeGreaterThan(0);
  });
});
