/**
 * Downloading checkpoint files in the browser: a streamed fetch with progress, resumed with HTTP
 * Range requests when the connection drops (the bytes already received are kept; a server that
 * ignores Range simply starts over), and kept in the Cache API under one namespace so a file is
 * downloaded once. A download that fails part-way is parked in the cache too, so the next attempt
 * (even after a reload) continues from where it stopped.
 *
 * Every failure is a WeightFetchError whose `kind` and message say what happened in plain words:
 * offline / unreachable host, a host that forbids reading its files from a web page (CORS), an HTTP
 * error, a file too large for this page's memory, a full disk.
 *
 * fetch and the CacheStorage are injectable so Node tests can run the same code against a local
 * server and an in-memory cache.
 */

export type FetchErrorKind = 'network' | 'cors' | 'http' | 'too-large' | 'incomplete' | 'aborted';

export class WeightFetchError extends Error {
  constructor(
    readonly kind: FetchErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'WeightFetchError';
  }
}

export interface FetchProgress {
  received: number;
  /** null when the server sends no size and none was given */
  total: number | null;
  phase: 'cache' | 'download';
  /** bytes that were already there when this attempt started (resumed download) */
  resumedFrom: number;
  attempt: number;
}

export interface FetchWeightsOptions {
  onProgress?(p: FetchProgress): void;
  signal?: AbortSignal;
  /** largest file accepted (default: maxWeightBytes()) */
  maxBytes?: number;
  /** retries after a dropped connection or a 5xx (default 4) */
  retries?: number;
  retryDelayMs?: number;
  /** size published in the zoo, used for progress when the server sends none */
  expectedBytes?: number;
  /** Cache API namespace (default WEIGHTS_CACHE) */
  namespace?: string;
  /** false: neither read nor write the cache */
  useCache?: boolean;
  fetchImpl?: typeof fetch;
  /** null: no Cache API (the file is still downloaded, just not kept) */
  caches?: CacheStorage | null;
  storage?: Pick<StorageManager, 'estimate'> | null;
}

export interface FetchWeightsResult {
  bytes: Uint8Array;
  fromCache: boolean;
  /** whether the file is now in the cache */
  cached: boolean;
  /** something the user should know (resumed, not cached because the disk is full…) */
  notes: string[];
}

export const WEIGHTS_CACHE = 'attn-weights-v1';
/** Cache keys of partial downloads and their metadata live on a host that cannot exist. */
const PARTIAL_PREFIX = 'https://partial.attn-weights.invalid/?url=';

const MB = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/**
 * The largest checkpoint this page accepts. The bytes and the float64 weights made from them are
 * in memory together (≈ 3× the file for float32 files), and one ArrayBuffer is capped near 2 GB.
 */
export function maxWeightBytes(): number {
  const hard = 1.5e9;
  const gb = (globalThis.navigator as (Navigator & { deviceMemory?: number }) | undefined)?.deviceMemory;
  return typeof gb === 'number' && gb > 0 ? Math.min(hard, (gb * 1e9) / 3) : hard;
}

function cachesOf(opts: FetchWeightsOptions): CacheStorage | null {
  if (opts.useCache === false) return null;
  if (opts.caches !== undefined) return opts.caches;
  return typeof globalThis.caches !== 'undefined' ? globalThis.caches : null;
}

async function openCache(opts: FetchWeightsOptions): Promise<Cache | null> {
  const cs = cachesOf(opts);
  if (!cs) return null;
  try {
    return await cs.open(opts.namespace ?? WEIGHTS_CACHE);
  } catch {
    return null; // e.g. storage disabled in a private window: work without the cache
  }
}

const partialKey = (url: string) => PARTIAL_PREFIX + encodeURIComponent(url);

function checkAbort(signal?: AbortSignal): void {
  if (signal?.aborted) throw new WeightFetchError('aborted', 'The download was cancelled.');
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(new WeightFetchError('aborted', 'The download was cancelled.'));
    });
  });

/** Reads a whole Response body with progress (used for cache hits, which can be large too). */
async function readBody(res: Response, onChunk: (n: number) => void, signal?: AbortSignal): Promise<Uint8Array> {
  if (!res.body) return new Uint8Array(await res.arrayBuffer());
  const chunks: Uint8Array[] = [];
  let n = 0;
  const reader = res.body.getReader();
  for (;;) {
    checkAbort(signal);
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    n += value.length;
    onChunk(n);
  }
  return concat(chunks, n);
}

function concat(chunks: Uint8Array[], n: number): Uint8Array {
  if (chunks.length === 1 && chunks[0].length === n) return chunks[0];
  const out = new Uint8Array(n);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/**
 * Why did fetch() reject without a response? A page cannot see a CORS refusal directly; an opaque
 * `no-cors` request to the same URL tells the two apart: if that one gets through, the host is
 * reachable and only forbids reading (CORS); if it fails too, the network is the problem.
 */
async function diagnose(url: string, fetchImpl: typeof fetch, err: unknown): Promise<WeightFetchError> {
  const host = (() => {
    try {
      return new URL(url).host;
    } catch {
      return url;
    }
  })();
  if (typeof navigator !== 'undefined' && navigator.onLine === false) {
    return new WeightFetchError('network', `You are offline: ${host} cannot be reached. Connect and try again.`);
  }
  let reachable = false;
  try {
    // HEAD: an opaque GET would download the whole file just to learn that it exists
    await fetchImpl(url, { method: 'HEAD', mode: 'no-cors', credentials: 'omit', cache: 'no-store' });
    reachable = typeof window !== 'undefined'; // outside a page there is no CORS to blame
  } catch {
    reachable = false;
  }
  if (reachable) {
    return new WeightFetchError(
      'cors',
      `${host} answered but does not let web pages read this file (no CORS permission). Download it with your browser instead (open the link), then drop the file here or use "choose a file".`,
    );
  }
  const why = err instanceof Error && err.message ? ` (${err.message})` : '';
  return new WeightFetchError('network', `Could not reach ${host}${why}: the network is down, the address is wrong, or something blocks it.`);
}

function httpError(status: number, statusText: string, url: string): WeightFetchError {
  const what =
    status === 404 ? 'the file is not there (404): the link may have moved'
    : status === 401 || status === 403 ? `access denied (${status}): the file may be private, gated or need a login`
    : status === 429 ? 'too many requests (429): wait a minute and try again'
    : status >= 500 ? `the server failed (${status} ${statusText}); try again later`
    : `HTTP ${status} ${statusText}`;
  return new WeightFetchError('http', `Download of ${url} failed: ${what}.`, status);
}

/** Content-Range: bytes start-end/total → {start, total|null}. */
function parseContentRange(v: string | null): { start: number; total: number | null } | null {
  const m = v ? /bytes\s+(\d+)-(\d+)\/(\d+|\*)/i.exec(v) : null;
  if (!m) return null;
  return { start: Number(m[1]), total: m[3] === '*' ? null : Number(m[3]) };
}

interface Partial {
  bytes: Uint8Array;
  validator: string | null;
  total: number | null;
}

async function readPartial(cache: Cache | null, url: string): Promise<Partial | null> {
  if (!cache) return null;
  try {
    const r = await cache.match(partialKey(url));
    if (!r) return null;
    const total = Number(r.headers.get('x-attn-total')) || null;
    return { bytes: new Uint8Array(await r.arrayBuffer()), validator: r.headers.get('x-attn-validator') || null, total };
  } catch {
    return null;
  }
}

async function writePartial(cache: Cache | null, url: string, p: Partial): Promise<boolean> {
  if (!cache || p.bytes.length === 0) return false;
  try {
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream', 'x-attn-url': url, 'x-attn-saved': new Date().toISOString() };
    if (p.validator) headers['x-attn-validator'] = p.validator;
    if (p.total) headers['x-attn-total'] = String(p.total);
    await cache.put(partialKey(url), new Response(p.bytes as Uint8Array<ArrayBuffer>, { headers }));
    return true;
  } catch {
    return false;
  }
}

/**
 * The weights at `url`: from the cache when present, else downloaded (resuming a parked partial
 * download), then cached. Throws WeightFetchError.
 */
export async function fetchWeights(url: string, opts: FetchWeightsOptions = {}): Promise<FetchWeightsResult> {
  const fetchImpl = opts.fetchImpl ?? globalThis.fetch.bind(globalThis);
  const maxBytes = opts.maxBytes ?? maxWeightBytes();
  const retries = opts.retries ?? 4;
  const delay = opts.retryDelayMs ?? 800;
  const notes: string[] = [];
  const cache = await openCache(opts);
  checkAbort(opts.signal);

  if (cache) {
    const hit = await cache.match(url).catch(() => undefined);
    if (hit) {
      const total = Number(hit.headers.get('content-length')) || null;
      const bytes = await readBody(hit, (n) => opts.onProgress?.({ received: n, total, phase: 'cache', resumedFrom: 0, attempt: 0 }), opts.signal);
      return { bytes, fromCache: true, cached: true, notes: ['loaded from the browser cache'] };
    }
  }

  const parked = await readPartial(cache, url);
  let chunks: Uint8Array[] = parked ? [parked.bytes] : [];
  let received = parked?.bytes.length ?? 0;
  let validator = parked?.validator ?? null;
  let total: number | null = parked?.total ?? opts.expectedBytes ?? null;
  if (parked) notes.push(`resumed a previous download at ${MB(received)}`);
  let attempt = 0;
  let lastError: WeightFetchError | null = null;

  const park = async () => {
    if (received > 0 && (await writePartial(cache, url, { bytes: concat(chunks, received), validator, total }))) {
      return ` ${MB(received)}${total ? ` of ${MB(total)}` : ''} are kept: try again to continue from there.`;
    }
    return '';
  };

  while (attempt <= retries) {
    checkAbort(opts.signal);
    const headers: Record<string, string> = {};
    if (received > 0) {
      headers.Range = `bytes=${received}-`;
      if (validator) headers['If-Range'] = validator;
    }
    let res: Response;
    try {
      res = await fetchImpl(url, { headers, signal: opts.signal, mode: 'cors', credentials: 'omit', cache: 'no-store' });
    } catch (e) {
      if (opts.signal?.aborted) throw new WeightFetchError('aborted', `The download was cancelled.${await park()}`);
      const err = await diagnose(url, fetchImpl, e);
      // CORS never heals by retrying; a flaky network might.
      if (err.kind === 'cors' || attempt >= retries || received === 0) {
        err.message += err.kind === 'network' ? await park() : '';
        throw err;
      }
      lastError = err;
      attempt++;
      await sleep(delay * attempt, opts.signal);
      continue;
    }

    if (res.status === 416 && received > 0) {
      // Our offset is at or past the end: complete if it matches the size, else start over.
      const cr = parseContentRange(res.headers.get('content-range'));
      if (cr?.total === received) {
        total = received;
        break;
      }
      chunks = [];
      received = 0;
      validator = null;
      continue;
    }
    if (!res.ok) {
      const err = httpError(res.status, res.statusText, url);
      if (res.status >= 500 && attempt < retries) {
        lastError = err;
        attempt++;
        await sleep(delay * attempt, opts.signal);
        continue;
      }
      err.message += await park();
      throw err;
    }

    if (res.status === 206) {
      const cr = parseContentRange(res.headers.get('content-range'));
      if (!cr || cr.start !== received) {
        // A range we did not ask for: drop everything and ask for the whole file.
        chunks = [];
        received = 0;
        validator = null;
        await res.body?.cancel().catch(() => undefined);
        continue;
      }
      if (cr.total) total = cr.total;
    } else {
      // 200: the whole file (the server ignored Range, or the file changed: If-Range)
      if (received > 0) notes.push('the server restarted the download from the beginning (no resume support, or the file changed)');
      chunks = [];
      received = 0;
      const len = Number(res.headers.get('content-length'));
      if (len > 0) total = len;
    }
    validator = res.headers.get('etag') ?? res.headers.get('last-modified') ?? validator;
    if (total !== null && total > maxBytes) {
      await res.body?.cancel().catch(() => undefined);
      throw new WeightFetchError(
        'too-large',
        `The file is ${MB(total)}; this page loads files up to ${MB(maxBytes)} (the weights are held in memory as float64, about twice the file size, next to the file itself).`,
      );
    }

    const startedAt = received;
    const report = () => opts.onProgress?.({ received, total, phase: 'download', resumedFrom: startedAt, attempt });
    report();
    try {
      if (!res.body) throw new TypeError('the response has no body');
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        received += value.length;
        if (received > maxBytes) {
          await reader.cancel().catch(() => undefined);
          throw new WeightFetchError('too-large', `The file is larger than ${MB(maxBytes)}, the most this page loads.`);
        }
        report();
      }
    } catch (e) {
      if (e instanceof WeightFetchError) throw e;
      if (opts.signal?.aborted) throw new WeightFetchError('aborted', `The download was cancelled.${await park()}`);
      // The connection dropped mid-file: keep what arrived and ask for the rest.
      lastError = new WeightFetchError('network', `The connection dropped after ${MB(received)}${total ? ` of ${MB(total)}` : ''}.`);
      attempt++;
      if (attempt > retries) break;
      notes.push(`connection dropped at ${MB(received)}; resumed`);
      await sleep(delay * attempt, opts.signal);
      continue;
    }
    if (total !== null && received < total) {
      lastError = new WeightFetchError('incomplete', `The server ended the file after ${MB(received)} of ${MB(total)}.`);
      attempt++;
      if (attempt > retries) break;
      notes.push(`the server stopped at ${MB(received)}; resumed`);
      continue;
    }
    total = received;
    break;
  }

  if (total === null || received !== total) {
    const err = lastError ?? new WeightFetchError('incomplete', `The download stopped after ${MB(received)}.`);
    err.message += ` Gave up after ${attempt} retries.${await park()}`;
    throw err;
  }

  const bytes = concat(chunks, received);
  chunks = [];
  const cached = await storeInCache(cache, url, bytes, opts, notes);
  if (cache) await cache.delete(partialKey(url)).catch(() => false);
  return { bytes, fromCache: false, cached, notes };
}

async function storeInCache(cache: Cache | null, url: string, bytes: Uint8Array, opts: FetchWeightsOptions, notes: string[]): Promise<boolean> {
  if (!cache) {
    if (opts.useCache !== false) notes.push('not kept: this browser offers no Cache API here');
    return false;
  }
  const storage = opts.storage !== undefined ? opts.storage : typeof navigator !== 'undefined' ? navigator.storage : null;
  try {
    const est = await storage?.estimate?.();
    if (est?.quota !== undefined && est.usage !== undefined && est.quota - est.usage < bytes.length * 1.05) {
      notes.push(`not kept in the cache: ${MB(bytes.length)} needed, ${MB(Math.max(0, est.quota - est.usage))} of browser storage left (clear cached weights to make room)`);
      return false;
    }
  } catch {
    /* no estimate: just try */
  }
  try {
    await cache.put(
      url,
      new Response(bytes as Uint8Array<ArrayBuffer>, {
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length), 'x-attn-saved': new Date().toISOString() },
      }),
    );
    return true;
  } catch (e) {
    notes.push(`not kept in the cache: ${(e as Error).name === 'QuotaExceededError' ? 'browser storage is full' : (e as Error).message}`);
    return false;
  }
}

export interface CachedWeights {
  url: string;
  bytes: number;
  saved: string | null;
  /** a parked partial download (its `bytes` so far, of `total` when known) */
  partial: boolean;
  total: number | null;
}

/** Everything kept under the namespace (complete files and parked partial downloads). */
export async function listCachedWeights(opts: Pick<FetchWeightsOptions, 'caches' | 'namespace'> = {}): Promise<CachedWeights[]> {
  const cache = await openCache(opts);
  if (!cache) return [];
  const out: CachedWeights[] = [];
  for (const req of await cache.keys()) {
    const r = await cache.match(req);
    if (!r) continue;
    const partial = req.url.startsWith(PARTIAL_PREFIX);
    const url = partial ? (r.headers.get('x-attn-url') ?? decodeURIComponent(req.url.slice(PARTIAL_PREFIX.length))) : req.url;
    let bytes = Number(r.headers.get('content-length'));
    if (!bytes) bytes = (await r.clone().arrayBuffer()).byteLength;
    out.push({ url, bytes, saved: r.headers.get('x-attn-saved'), partial, total: partial ? Number(r.headers.get('x-attn-total')) || null : bytes });
  }
  return out.sort((a, b) => a.url.localeCompare(b.url));
}

export async function isCached(url: string, opts: Pick<FetchWeightsOptions, 'caches' | 'namespace'> = {}): Promise<boolean> {
  const cache = await openCache(opts);
  return Boolean(cache && (await cache.match(url)));
}

/** Removes one file (and its parked partial download). */
export async function deleteCachedWeights(url: string, opts: Pick<FetchWeightsOptions, 'caches' | 'namespace'> = {}): Promise<void> {
  const cache = await openCache(opts);
  if (!cache) return;
  await cache.delete(url);
  await cache.delete(partialKey(url));
}

export async function clearCachedWeights(opts: Pick<FetchWeightsOptions, 'caches' | 'namespace'> = {}): Promise<void> {
  const cs = cachesOf(opts);
  await cs?.delete(opts.namespace ?? WEIGHTS_CACHE);
}

/**
 * Asks the browser not to evict our storage under pressure (weights are large and slow to fetch).
 * true/false as granted; null when the browser has no such API.
 */
export async function requestPersistentStorage(): Promise<boolean | null> {
  const s = typeof navigator !== 'undefined' ? navigator.storage : undefined;
  if (!s?.persist) return null;
  try {
    return (await s.persisted?.()) || (await s.persist());
  } catch {
    return false;
  }
}

export async function storageEstimate(): Promise<{ usage: number; quota: number } | null> {
  const s = typeof navigator !== 'undefined' ? navigator.storage : undefined;
  try {
    const e = await s?.estimate?.();
    return e && e.usage !== undefined && e.quota !== undefined ? { usage: e.usage, quota: e.quota } : null;
  } catch {
    return null;
  }
}
