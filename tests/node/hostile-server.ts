/**
 * A hostile HTTP file server for the download tests (tests/node/fetch-hostile.test.ts): node `http`
 * on 127.0.0.1 only, serving files that can change version between requests, each request answered
 * by the next behaviour of that file's script — honest, stalled, reset, slow, a web page, JSON, too
 * many or too few bytes, a range it was not asked for, If-Range ignored, 416, 5xx, redirect loops.
 * Bounded: it refuses requests past `maxRequests`, holds a stalled answer at most `holdMs`, and
 * closes itself (every socket destroyed) after `lifetimeMs` or on stop().
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gzipSync } from 'node:zlib';

export const BEHAVIOURS = [
  'ok', 'ok-chunked', 'ok-gzip', 'ok-slow', 'redirect-ok',
  'stall-headers', 'stall-body', 'reset-headers', 'reset-body',
  'html', 'html-octet', 'json', 'json-octet', 'empty',
  'extra-length', 'extra-range', 'extra-chunked',
  'short-length', 'short-chunked',
  'ignore-range', 'ignore-if-range', 'change', 'change-ignore-if-range', 'range-no-validator',
  'range-wrong-start', 'range-wrong-total', 'range-garbage', 'partial-to-whole',
  '416', '500', '503', '404', 'redirect-loop',
] as const;
export type Behaviour = (typeof BEHAVIOURS)[number];

/** How a file's versions identify themselves. */
export type ValidatorMode = 'strong' | 'weak' | 'last-modified' | 'both' | 'none';

export interface HostileFile {
  versions: Uint8Array[];
  /** the version served now (`change` behaviours move it on) */
  current: number;
  validators: ValidatorMode;
  /** answers to the coming requests, in order; then `fallback` */
  script: Behaviour[];
  fallback: Behaviour;
  /** requests seen: their Range and If-Range headers */
  log: Array<{ method: string; range?: string; ifRange?: string; behaviour: Behaviour }>;
}

export const etagOf = (id: string, v: number) => `"${id}-v${v}"`;
export const lastModifiedOf = (v: number) => new Date(Date.UTC(2024, 0, 1) + v * 86_400_000).toUTCString();

export const HTML = new TextEncoder().encode('<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Please sign in to download this file.</body></html>\n');
export const JSON_BODY = new TextEncoder().encode('{"error":"Rate limit reached","retry_after":60}');

export interface HostileServer {
  base: string;
  files: Map<string, HostileFile>;
  /** registers a file at `${base}/f/${id}` */
  add(id: string, f: Omit<HostileFile, 'log' | 'current' | 'fallback'> & Partial<Pick<HostileFile, 'current' | 'fallback'>>): string;
  requests(): number;
  stop(): Promise<void>;
}

export async function startHostileServer(o: { maxRequests: number; lifetimeMs: number; holdMs?: number; slowStepMs?: number }): Promise<HostileServer> {
  const files = new Map<string, HostileFile>();
  const sockets = new Set<Socket>();
  const holdMs = o.holdMs ?? 3000;
  const slowStep = o.slowStepMs ?? 2;
  let count = 0;

  const validatorHeaders = (id: string, f: HostileFile, v: number): Record<string, string> => {
    const h: Record<string, string> = {};
    if (f.validators === 'strong' || f.validators === 'both') h.etag = etagOf(id, v);
    if (f.validators === 'weak') h.etag = `W/${etagOf(id, v)}`;
    if (f.validators === 'last-modified' || f.validators === 'both') h['last-modified'] = lastModifiedOf(v);
    return h;
  };
  /** does If-Range name version v? (strong ETag or exact Last-Modified only, as RFC 9110 says) */
  const ifRangeMatches = (id: string, f: HostileFile, v: number, ifRange: string | undefined) => {
    if (ifRange === undefined) return true;
    const h = validatorHeaders(id, f, v);
    return (h.etag !== undefined && !h.etag.startsWith('W/') && ifRange === h.etag) || (h['last-modified'] !== undefined && ifRange === h['last-modified']);
  };
  const hold = (s: Socket) => setTimeout(() => s.destroy(), holdMs).unref();

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const [, kind, id] = url.pathname.split('/');
    if (++count > o.maxRequests) {
      res.writeHead(503, { connection: 'close' }).end('request budget of the hostile server spent');
      return;
    }
    if (kind === 'loop') {
      res.writeHead(302, { location: `/loop/${id}` }).end();
      return;
    }
    const f = files.get(id);
    if (kind !== 'f' || !f) {
      res.writeHead(404).end('no such file');
      return;
    }
    if (req.method === 'HEAD') {
      f.log.push({ method: 'HEAD', behaviour: 'ok' });
      res.writeHead(200, { 'content-length': String(f.versions[f.current].length) }).end();
      return;
    }
    const b = f.script.length ? f.script.shift()! : f.fallback;
    const ifRange = req.headers['if-range'] as string | undefined;
    f.log.push({ method: req.method ?? 'GET', range: req.headers.range, ifRange, behaviour: b });
    if (b === 'change' || b === 'change-ignore-if-range') f.current = Math.min(f.current + 1, f.versions.length - 1);
    const v = f.current;
    const file = f.versions[v];
    const vh = validatorHeaders(id, f, v);
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const asked = m ? Number(m[1]) : null;
    const octet = { 'content-type': 'application/octet-stream' };
    const sock = req.socket;

    switch (b) {
      case 'stall-headers':
        hold(sock);
        return;
      case 'reset-headers':
        sock.destroy();
        return;
      case 'html':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': String(HTML.length) }).end(HTML);
        return;
      case 'html-octet':
        res.writeHead(200, { ...octet, ...vh, 'content-length': String(HTML.length) }).end(HTML);
        return;
      case 'json':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(JSON_BODY.length) }).end(JSON_BODY);
        return;
      case 'json-octet':
        res.writeHead(200, { ...octet, 'content-length': String(JSON_BODY.length) }).end(JSON_BODY);
        return;
      case 'empty':
        res.writeHead(200, { ...octet, ...vh, 'content-length': '0' }).end();
        return;
      case '416':
        res.writeHead(416, { 'content-range': `bytes */${file.length}` }).end();
        return;
      case '500':
      case '503':
        res.writeHead(Number(b)).end('server error');
        return;
      case '404':
        res.writeHead(404).end('not found');
        return;
      case 'redirect-loop':
        res.writeHead(302, { location: `/loop/${id}` }).end();
        return;
      case 'redirect-ok':
        res.writeHead(302, { location: `/f/${id}?again=${count}` }).end();
        return;
      case 'ok-gzip': {
        const gz = gzipSync(file);
        res.writeHead(200, { ...octet, ...vh, 'content-encoding': 'gzip', 'content-length': String(gz.length) }).end(gz);
        return;
      }
      case 'extra-length': {
        // raw bytes past the declared Content-Length (Node's http would refuse to send them)
        const head = `HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: ${file.length}\r\n${Object.entries(vh).map(([k, x]) => `${k}: ${x}\r\n`).join('')}connection: close\r\n\r\n`;
        sock.end(Buffer.concat([Buffer.from(head), file, HTML]));
        return;
      }
      case 'extra-chunked':
        res.writeHead(200, { ...octet, ...vh }); // chunked: no length declared
        res.end(Buffer.concat([file, HTML]));
        return;
      case 'extra-range': {
        const s = asked ?? 0;
        res.writeHead(206, { ...octet, ...vh, 'content-range': `bytes ${s}-${file.length - 1}/${file.length}` });
        res.end(Buffer.concat([file.subarray(Math.min(s, file.length)), HTML]));
        return;
      }
      case 'partial-to-whole': {
        const end = Math.max(0, Math.floor(file.length / 2) - 1);
        res.writeHead(206, { ...octet, ...vh, 'content-range': `bytes 0-${end}/${file.length}`, 'content-length': String(end + 1) }).end(file.subarray(0, end + 1));
        return;
      }
      default:
        break;
    }

    // ranged answers
    const honourRange = asked !== null && b !== 'ignore-range' && (ifRangeMatches(id, f, v, ifRange) || b === 'ignore-if-range' || b === 'change-ignore-if-range' || b === 'range-no-validator');
    let status = 200;
    let body = file;
    const headers: Record<string, string> = { ...octet, ...vh };
    if (honourRange && asked !== null) {
      if (asked >= file.length) {
        res.writeHead(416, { 'content-range': `bytes */${file.length}` }).end();
        return;
      }
      status = 206;
      body = file.subarray(asked);
      let start = asked;
      let total = file.length;
      if (b === 'range-wrong-start') start = Math.max(0, asked - 1 - (count % 7));
      if (b === 'range-wrong-total') total = file.length + 1 + (count % 5);
      headers['content-range'] = b === 'range-garbage' ? `bytes=${asked}-` : `bytes ${start}-${Math.max(start, total - 1)}/${total}`;
      if (b === 'range-wrong-start') body = file.subarray(start);
      if (b === 'range-no-validator') {
        delete headers.etag;
        delete headers['last-modified'];
      }
    }
    if (b !== 'ok-chunked' && b !== 'short-chunked') headers['content-length'] = String(body.length);
    res.writeHead(status, headers);
    if (b === 'stall-body' || b === 'reset-body' || b === 'short-length') {
      const cut = Math.floor(body.length / 2);
      res.write(body.subarray(0, cut), () => {
        if (b === 'stall-body') hold(sock);
        else setTimeout(() => sock.destroy(), 2);
      });
      return;
    }
    if (b === 'short-chunked') {
      res.end(body.subarray(0, Math.floor(body.length / 2)));
      return;
    }
    if (b === 'ok-slow') {
      const step = Math.max(1, Math.ceil(body.length / 8));
      let at = 0;
      const tick = () => {
        if (sock.destroyed) return;
        if (at >= body.length) {
          res.end();
          return;
        }
        res.write(body.subarray(at, at + step));
        at += step;
        setTimeout(tick, slowStep).unref();
      };
      tick();
      return;
    }
    res.end(body);
  }

  const server = createServer(handle);
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let stopped: Promise<void> | null = null;
  const stop = () =>
    (stopped ??= new Promise<void>((r) => {
      clearTimeout(life);
      server.close(() => r());
      for (const s of sockets) s.destroy();
    }));
  const life = setTimeout(() => void stop(), o.lifetimeMs);
  life.unref();
  return {
    base,
    files,
    add(id, f) {
      files.set(id, { current: 0, fallback: 'ok', ...f, script: [...f.script], log: [] });
      return `${base}/f/${id}`;
    },
    requests: () => count,
    stop,
  };
}
