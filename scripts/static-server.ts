/**
 * A small static file server for end-to-end tests of the built app as a host would serve it: one
 * folder mounted under a path prefix (e.g. /some/sub/path/), the usual MIME types (application/wasm
 * included), 404 for anything that is not a file under the folder (no index.html fallback, as a
 * plain static host does) and `<dir>/` → `<dir>/index.html`.
 */
import { createServer, type Server } from 'node:http';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, relative, resolve, sep } from 'node:path';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.md': 'text/markdown; charset=utf-8',
};

export interface StaticServer {
  server: Server;
  /** the app's URL: http://127.0.0.1:<port><prefix> */
  url: string;
  /** every path requested, in order */
  requests: string[];
  /** paths asked for while offline (refused) */
  dropped: string[];
  /** while true the server answers nothing (connections are dropped): the network is gone */
  offline: boolean;
  close(): Promise<void>;
}

export async function serveStatic(dir: string, prefix = '/'): Promise<StaticServer> {
  const root = resolve(dir);
  const requests: string[] = [];
  const dropped: string[] = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]);
    if (out.offline) {
      dropped.push(path);
      req.socket.destroy();
      return;
    }
    requests.push(path);
    const notFound = () => {
      res.statusCode = 404;
      res.setHeader('content-type', 'text/plain');
      res.end('not found');
    };
    if (!path.startsWith(prefix)) return notFound();
    let file = resolve(root, path.slice(prefix.length));
    const inside = relative(root, file);
    if (inside.startsWith('..') || inside.includes(`..${sep}`)) return notFound();
    if (existsSync(file) && statSync(file).isDirectory()) file = resolve(file, 'index.html');
    if (!existsSync(file) || !statSync(file).isFile()) return notFound();
    res.setHeader('content-type', MIME[extname(file)] ?? 'application/octet-stream');
    res.setHeader('content-length', String(statSync(file).size));
    res.setHeader('cache-control', 'no-cache');
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const out: StaticServer = {
    server,
    url: `http://127.0.0.1:${port}${prefix}`,
    requests,
    dropped,
    offline: false,
    close: () => new Promise<void>((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    }),
  };
  return out;
}
