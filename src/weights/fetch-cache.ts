/**
 * Downloading checkpoint files in the browser: a streamed fetch with progress, resumed with HTTP
 * Range requests when the connection drops, and kept in the Cache API under one namespace so a file
 * is downloaded once. A download that fails part-way is parked in the cache too, so the next attempt
 * (even after a reload) continues from where it stopped — when, and only when, the server proves the
 * rest belongs to the same version of the file (src/weights/download-checks.ts).
 *
 * Downloads always settle: every request carries the caller's AbortSignal (required) and a stall
 * timeout (src/weights/download-guard.ts), and the attempts are counted. Nothing but the whole file
 * enters the cache as complete: pages (HTML/JSON), more or fewer bytes than declared, and splices of
 * two versions are refused or started over; a cache entry is checked again when read, and a bad one
 * is removed.
 *
 * Every failure is a WeightFetchError whose `kind` and message say what happened in plain words:
 * offline / unreachable host, a host that forbids reading its files from a web page (CORS), an HTTP
 * error, a stalled server, an answer that is not the file, a file too large for this page's memory,
 * a full disk.
 *
 * fetch and the CacheStorage are injectable so Node tests can run the same code against a local
 * server and an in-memory cache.
 */
import {
  declaredBodyLength, ifRangeOf, looksLikePage, pageContentType, parseContentRange, parseLength, resumeMismatch, SNIFF_BYTES, validatorOf, type Validator,
} from './download-checks';
import { readGuarded, RequestGuard, sleep } from './download-guard';

/**
 * network: unreachable or the connection dropped; cors: the host forbids pages to read it; http: an
 * HTTP error status; stalled: no data for the stall timeout; incomplete: the server ended early or
 * could not continue; not-the-file: a page, an empty body or more bytes than declared; too-large;
 * aborted: cancelled.
 */
export type FetchErrorKind = 'network' | 'cors' | 'http' | 'stalled' | 'too-large' | 'incomplete' | 'not-the-file' | 'aborted';

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
  /** every download can be cancelled: abort() settles it promptly, with the received part parked */
  signal: AbortSignal;
  /** a request that gets no headers or no bytes for this long is dropped as stalled (default 30 s) */
  stallMs?: number;
  /** largest file accepted (default: maxWeightBytes()) */
  maxBytes?: number;
  /** attempts after the first one (dropped connection, stall, 5xx, a resume the server could not honour; default 4) */
  retries?: number;
  retryDelayMs?: number;
  /** size published in the zoo: progress, and the size the body is held to when the server declares none */
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
  /**
   * whether the length was checked against a size the server (Content-Length, Content-Range) or the
   * zoo declared; a file with no declared size cannot be proved whole, so it is never cached
   */
  verified: boolean;
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

type CacheOptions = Pick<FetchWeightsOptions, 'caches' | 'namespace' | 'useCache'>;

function cachesOf(opts: CacheOptions): CacheStorage | null {
  if (opts.useCache === false) return null;
  if (opts.caches !== undefined) return opts.caches;
  return typeof globalThis.caches !== 'undefined' ? globalThis.caches : null;
}

async function openCache(opts: CacheOptions): Promise<Cache | null> {
  const cs = cachesOf(opts);
  if (!cs) return null;
  try {
    return await cs.open(opts.namespace ?? WEIGHTS_CACHE);
  } catch {
    return null; // e.g. storage disabled in a private window: work without the cache
  }
}

const partialKey = (url: string) => PARTIAL_PREFIX + encodeURIComponent(url);

/** The host of `url`, or `url` itself when it does not parse. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

const cancelled = () => new WeightFetchError('aborted', 'The download was cancelled.');

function checkAbort(signal: AbortSignal): void {
  if (signal.aborted) throw cancelled();
}

function concat(chunks: Uint8Array[], n: number): Uint8Array {
  if (chunks.length === 1 && chunks[0].length === n) return chunks[0];
  const out = new Uint8Array(n);
  let o = 0;
  for (const c of chunks) {
    out.set(c.subarray(0, Math.min(c.length, n - o)), o);
    o += c.length;
    if (o >= n) break;
  }
  return out;
}

/**
 * Why did fetch() reject without a response? A page cannot see a CORS refusal directly; an opaque
 * `no-cors` request to the same URL tells the two apart: if that one gets through, the host is
 * reachable and only forbids reading (CORS); if it fails too, the network is the problem. The probe
 * is guarded like the download (cancel and stall timeout).
 */
async function diagnose(url: string, fetchImpl: typeof fetch, err: unknown, signal: AbortSignal, stallMs: number): Promise<WeightFetchError> {
  const host = hostOf(url);
  if (typeof navigator !== 'undefined' && navigator.onLine === false) {
    return new WeightFetchError('network', `You are offline: ${host} cannot be reached. Connect and try again.`);
  }
  let reachable = false;
  const g = new RequestGuard(signal, stallMs);
  try {
    // HEAD: an opaque GET would download the whole file just to learn that it exists
    const res = await g.race(fetchImpl(url, { method: 'HEAD', mode: 'no-cors', credentials: 'omit', cache: 'no-store', signal: g.signal }));
    void res.body?.cancel().catch(() => undefined);
    reachable = typeof window !== 'undefined'; // outside a page there is no CORS to blame
  } catch {
    if (g.why === 'cancelled') return cancelled();
    reachable = false;
  } finally {
    g.dispose();
  }
  if (reachable) {
    return new WeightFetchError(
      'cors',
      `${host} answered but does not let web pages read this file (no CORS permission). Download it with your browser instead (open the link), then drop the file here or use "choose a file".`,
    );
  }
  const cause = (err as { cause?: unknown } | null)?.cause;
  const parts = [err instanceof Error ? err.message : '', cause instanceof Error ? cause.message : ''].filter(Boolean);
  const why = parts.length ? ` (${parts.join(': ')})` : '';
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

const notTheFile = (host: string, what: string) =>
  new WeightFetchError('not-the-file', `${host} sent ${what} — not the checkpoint file, so nothing was kept. The link may lead to a web page about the file, a login or an error page; open it in the browser to see.`);

/**
 * The bytes of one version of the file received so far, from byte 0, with the validator and the
 * total its server declared. Only such a prefix with a validator and a total can be continued.
 */
class Held {
  chunks: Uint8Array[] = [];
  length = 0;
  version: Validator | null = null;
  /** the file's size as its server declared it (Content-Length / Content-Range), else null */
  total: number | null = null;

  push(c: Uint8Array): void {
    this.chunks.push(c);
    this.length += c.length;
  }
  reset(): void {
    this.chunks = [];
    this.length = 0;
    this.version = null;
    this.total = null;
  }
  bytes(): Uint8Array {
    const b = concat(this.chunks, this.length);
    this.chunks = [b];
    return b;
  }
  head(n: number): Uint8Array {
    return concat(this.chunks, Math.min(n, this.length));
  }
  /** a strict prefix of a file whose server can prove, when asked to continue, that it is the same version */
  resumable(): boolean {
    return this.length > 0 && this.total !== null && this.length < this.total && ifRangeOf(this.version) !== null;
  }
}

async function readPartial(cache: Cache | null, url: string): Promise<Held | null> {
  if (!cache) return null;
  try {
    const r = await cache.match(partialKey(url));
    if (!r) return null;
    const h = new Held();
    h.push(new Uint8Array(await r.arrayBuffer()));
    h.total = parseLength(r.headers.get('x-attn-total'));
    h.version = { etag: r.headers.get('x-attn-etag'), lastModified: r.headers.get('x-attn-last-modified') };
    if (h.resumable()) return h;
    await cache.delete(partialKey(url)); // unusable (no validator, no total, or not a strict prefix): never spliced onto
    return null;
  } catch {
    return null;
  }
}

async function writePartial(cache: Cache | null, url: string, h: Held): Promise<boolean> {
  if (!cache || !h.resumable()) return false;
  try {
    const headers: Record<string, string> = {
      'content-type': 'application/octet-stream',
      'x-attn-url': url,
      'x-attn-saved': new Date().toISOString(),
      'x-attn-total': String(h.total),
    };
    if (h.version?.etag) headers['x-attn-etag'] = h.version.etag;
    if (h.version?.lastModified) headers['x-attn-last-modified'] = h.version.lastModified;
    await cache.put(partialKey(url), new Response(h.bytes() as Uint8Array<ArrayBuffer>, { headers }));
    return true;
  } catch {
    return false;
  }
}

/** Why a complete cache entry is not a whole file (length against the recorded size, page sniff), or null. */
function cachedEntryProblem(headers: Headers, bytes: Uint8Array): string | null {
  const recorded = parseLength(headers.get('x-attn-total')) ?? parseLength(headers.get('content-length'));
  if (recorded === null) return 'it has no recorded size';
  if (bytes.length !== recorded) return `it holds ${bytes.length} bytes where ${recorded} were recorded`;
  if (bytes.length === 0) return 'it is empty';
  const page = looksLikePage(bytes);
  return page ? `it is ${page}` : null;
}

/** A complete file from the cache, checked; a bad entry is removed (null: download it). */
async function fromCache(cache: Cache, url: string, opts: FetchWeightsOptions, stallMs: number, notes: string[]): Promise<Uint8Array | null> {
  const hit = await cache.match(url).catch(() => undefined);
  if (!hit) return null;
  const total = parseLength(hit.headers.get('x-attn-total')) ?? parseLength(hit.headers.get('content-length'));
  const g = new RequestGuard(opts.signal, stallMs);
  const chunks: Uint8Array[] = [];
  let n = 0;
  let problem: string | null;
  let bytes: Uint8Array | null = null;
  try {
    if (hit.body) {
      await readGuarded(hit.body, g, (c) => {
        chunks.push(c);
        n += c.length;
        if (total !== null && n > total) throw new Error(`it holds more than the ${total} bytes recorded`);
        opts.onProgress?.({ received: n, total, phase: 'cache', resumedFrom: 0, attempt: 0 });
      });
    }
    bytes = concat(chunks, n);
    problem = cachedEntryProblem(hit.headers, bytes);
  } catch (e) {
    if (g.why === 'cancelled') throw cancelled();
    problem = e instanceof Error ? e.message : String(e);
  } finally {
    g.dispose();
  }
  if (!problem && bytes) return bytes;
  await cache.delete(url).catch(() => false);
  notes.push(`the cached copy was not the whole file (${problem}): it was removed and the file downloaded again`);
  return null;
}

type Attempt = { done: true } | { done: false; error: WeightFetchError };

/**
 * The weights at `url`: from the cache when present (and whole), else downloaded (continuing a
 * parked partial download when its server proves it is the same file), checked, then cached.
 * Always settles: cancel (`signal`), a stall timeout per request and a bounded number of attempts.
 * Throws WeightFetchError.
 */
export async function fetchWeights(url: string, opts: FetchWeightsOptions): Promise<FetchWeightsResult> {
  const { signal } = opts;
  const fetchImpl = opts.fetchImpl ?? globalThis.fetch.bind(globalThis);
  const maxBytes = opts.maxBytes ?? maxWeightBytes();
  const retries = opts.retries ?? 4;
  const delay = opts.retryDelayMs ?? 800;
  const stallMs = opts.stallMs ?? 30_000;
  const host = hostOf(url);
  const notes: string[] = [];
  checkAbort(signal);
  const cache = await openCache(opts);
  checkAbort(signal);

  if (cache) {
    const bytes = await fromCache(cache, url, opts, stallMs, notes);
    if (bytes) return { bytes, fromCache: true, cached: true, verified: true, notes: ['loaded from the browser cache'] };
  }

  const held = (await readPartial(cache, url)) ?? new Held();
  if (held.length) notes.push(`resumed a previous download at ${MB(held.length)}`);

  /** the sentence saying what is kept for the next try */
  const park = async (): Promise<string> => {
    if (await writePartial(cache, url, held)) return ` ${MB(held.length)} of ${MB(held.total!)} are kept: try again to continue from there.`;
    if (held.length > 0 && held.total !== null && ifRangeOf(held.version) === null) {
      return ` Nothing was kept: ${host} sends no ETag or Last-Modified, so a continued download could not be proved to be the same file; the next try starts over.`;
    }
    return '';
  };

  /** the last attempt's length was held to a declared size */
  let verified = false;
  /** one request: the file (done), a reason to try again, or a refusal (thrown) */
  const attemptOnce = async (attempt: number): Promise<Attempt> => {
    const from = held.resumable() ? held.length : 0;
    if (from === 0) held.reset();
    const headers: Record<string, string> = from ? { Range: `bytes=${from}-`, 'If-Range': ifRangeOf(held.version)! } : {};
    const g = new RequestGuard(signal, stallMs);
    const stalledAfter = () =>
      new WeightFetchError('stalled', `${host} stopped sending: no data for ${(stallMs / 1000).toFixed(stallMs < 1000 ? 2 : 0)} s after ${MB(held.length)}${held.total ? ` of ${MB(held.total)}` : ''}.`);
    try {
      let res: Response;
      try {
        res = await g.race(fetchImpl(url, { headers, signal: g.signal, mode: 'cors', credentials: 'omit', cache: 'no-store' }));
      } catch (e) {
        if (g.why === 'cancelled' || signal.aborted) throw cancelled();
        if (g.why === 'stalled') return { done: false, error: new WeightFetchError('stalled', `${host} did not answer within ${(stallMs / 1000).toFixed(stallMs < 1000 ? 2 : 0)} s.`) };
        g.dispose();
        const err = await diagnose(url, fetchImpl, e, signal, stallMs);
        if (err.kind === 'aborted' || err.kind === 'cors' || held.length === 0) throw err; // CORS never heals by retrying
        return { done: false, error: err };
      }
      g.alive();
      const drop = () => void res.body?.cancel().catch(() => undefined);

      if (res.status === 416) {
        drop();
        held.reset();
        const what = from > 0 ? `refused to continue the download at byte ${from}` : 'answered a request for the whole file with "range not satisfiable"';
        return { done: false, error: new WeightFetchError('incomplete', `${host} ${what} (416).`, 416) };
      }
      if (!res.ok) {
        drop();
        const err = httpError(res.status, res.statusText, url);
        if (res.status >= 500) return { done: false, error: err };
        throw err;
      }
      const page = pageContentType(res.headers);
      if (page) {
        drop();
        throw notTheFile(host, `${page} (HTTP ${res.status})`);
      }
      if (res.status === 206) {
        const why = from > 0 ? resumeMismatch(res.headers, from, held.total!, held.version!) : wholeFileRangeMismatch(res.headers);
        if (why) {
          drop();
          notes.push(`${host} answered with ${why}; the download started over`);
          held.reset();
          return { done: false, error: new WeightFetchError('incomplete', `${host} answered a range request with ${why}.`, 206) };
        }
        if (from === 0) {
          held.version = validatorOf(res.headers);
          held.total = parseContentRange(res.headers.get('content-range'))!.total;
        }
      } else {
        // the whole file (the server ignored Range, or the file changed: If-Range)
        if (from > 0) notes.push('the server restarted the download from the beginning (no resume support, or the file changed)');
        held.reset();
        held.version = validatorOf(res.headers);
        held.total = declaredBodyLength(res.headers);
      }
      if (held.total === 0) {
        drop();
        throw notTheFile(host, 'an empty file (0 bytes)');
      }
      const limit = held.total ?? opts.expectedBytes ?? null;
      if (limit !== null && limit > maxBytes) {
        drop();
        throw new WeightFetchError(
          'too-large',
          `The file is ${MB(limit)}; this page loads files up to ${MB(maxBytes)} (the weights are held in memory as float64, about twice the file size, next to the file itself).`,
        );
      }

      let sniffed = false;
      const sniff = (force: boolean) => {
        if (sniffed || (!force && held.length < SNIFF_BYTES)) return;
        sniffed = true;
        const p = looksLikePage(held.head(SNIFF_BYTES));
        if (p) throw notTheFile(host, p);
      };
      const startedAt = held.length;
      const report = () => opts.onProgress?.({ received: held.length, total: limit, phase: 'download', resumedFrom: startedAt, attempt });
      report();
      sniff(false);
      try {
        if (res.body) {
          await readGuarded(res.body, g, (c) => {
            if (limit !== null && held.length + c.length > limit) {
              throw notTheFile(host, `more bytes than ${held.total !== null ? 'it declared' : 'the published size'} (over ${limit})`);
            }
            if (held.length + c.length > maxBytes) throw new WeightFetchError('too-large', `The file is larger than ${MB(maxBytes)}, the most this page loads.`);
            held.push(c);
            sniff(false);
            report();
          });
        }
      } catch (e) {
        if (e instanceof WeightFetchError) throw e;
        if (g.why === 'cancelled' || signal.aborted) throw cancelled();
        if (g.why === 'stalled') return { done: false, error: stalledAfter() };
        // the connection dropped mid-file: keep what arrived (when it can be continued) and ask for the rest
        notes.push(`connection dropped at ${MB(held.length)}; ${held.resumable() ? 'resumed' : 'started over'}`);
        return { done: false, error: new WeightFetchError('network', `The connection dropped after ${MB(held.length)}${limit ? ` of ${MB(limit)}` : ''}.`) };
      }
      if (held.length === 0) throw notTheFile(host, 'an empty file (0 bytes)');
      sniff(true);
      if (limit !== null && held.length < limit) {
        notes.push(`the server stopped at ${MB(held.length)}; ${held.resumable() ? 'resumed' : 'started over'}`);
        return { done: false, error: new WeightFetchError('incomplete', `The server ended the file after ${MB(held.length)} of ${MB(limit)}.`) };
      }
      verified = limit !== null;
      held.total = held.length;
      return { done: true };
    } finally {
      g.dispose();
    }
  };

  let lastError: WeightFetchError | null = null;
  try {
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) {
        await sleep(delay * attempt, signal).catch(() => {
          throw cancelled();
        });
      }
      checkAbort(signal);
      const r = await attemptOnce(attempt);
      if (r.done) {
        lastError = null;
        break;
      }
      lastError = r.error;
    }
  } catch (e) {
    const err = e instanceof WeightFetchError ? e : new WeightFetchError('network', e instanceof Error ? e.message : String(e));
    if (err.kind === 'not-the-file') await cache?.delete(partialKey(url)).catch(() => false);
    else if (err.kind !== 'too-large') err.message += await park();
    throw err;
  }
  if (lastError) {
    lastError.message += ` Gave up after ${retries + 1} attempt${retries ? 's' : ''}.${await park()}`;
    throw lastError;
  }

  const bytes = held.bytes();
  let cached = false;
  if (verified) cached = await storeInCache(cache, url, bytes, held.version, opts, notes);
  else if (cache) notes.push(`not kept in the cache: ${host} declared no size, so the download cannot be proved complete`);
  if (cache) await cache.delete(partialKey(url)).catch(() => false);
  return { bytes, fromCache: false, cached, verified, notes };
}

/** A 206 to a request without Range is acceptable only when it is the whole file. */
function wholeFileRangeMismatch(h: Headers): string | null {
  const cr = parseContentRange(h.get('content-range'));
  if (!cr || cr.start !== 0 || cr.end !== cr.total - 1) return `part of the file (${JSON.stringify(h.get('content-range') ?? '')}) when the whole file was asked for`;
  const len = declaredBodyLength(h);
  return len !== null && len !== cr.total ? `a Content-Length of ${len} for ${cr.total} bytes` : null;
}

async function storeInCache(cache: Cache | null, url: string, bytes: Uint8Array, version: Validator | null, opts: FetchWeightsOptions, notes: string[]): Promise<boolean> {
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
    const headers: Record<string, string> = {
      'content-type': 'application/octet-stream',
      'content-length': String(bytes.length),
      'x-attn-total': String(bytes.length),
      'x-attn-saved': new Date().toISOString(),
    };
    if (version?.etag) headers['x-attn-etag'] = version.etag;
    if (version?.lastModified) headers['x-attn-last-modified'] = version.lastModified;
    await cache.put(url, new Response(bytes as Uint8Array<ArrayBuffer>, { headers }));
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
