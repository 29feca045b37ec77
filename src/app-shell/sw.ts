/// <reference lib="webworker" />
/**
 * The service worker of the built app (a classic script: the build prepends SHELL_VERSION and
 * SHELL_FILES, see build-plugin.ts). It keeps the app shell — index.html, the bundle, the
 * notebooks bundled in it, the tfjs wasm binaries, zoo.json, the sample photos — in one versioned
 * cache, so after the first visit the app works offline. Paths are relative to the worker's scope,
 * so it works from any sub-path. Page loads go to the network first (a new deploy shows at once)
 * and fall back to the cache; the shell's files come from the cache. Requests for anything else
 * (weights, other origins, range requests) are not touched: weights live in their own cache
 * (src/weights/fetch-cache.ts), which this worker never deletes.
 */
export {}; // a module for the typecheck only: the build strips this line (a service worker here is a classic script)

declare const SHELL_VERSION: string;
declare const SHELL_FILES: string[];

const sw = self as unknown as ServiceWorkerGlobalScope;
const PREFIX = 'attn-shell-';
const CACHE = PREFIX + SHELL_VERSION;
const scope = sw.registration.scope;
const INDEX = new URL('index.html', scope).href;
const SHELL = new Set(SHELL_FILES.map((f) => new URL(f, scope).href));

sw.addEventListener('install', (e) => {
  e.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // 'reload': past the HTTP cache, so a file of another version never lands in this one
      await cache.addAll(SHELL_FILES.map((f) => new Request(new URL(f, scope).href, { cache: 'reload' })));
      await sw.skipWaiting();
    })(),
  );
});

sw.addEventListener('activate', (e) => {
  e.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
      await sw.clients.claim();
    })(),
  );
});

/** whether the last page load came from the cache because the network failed (the page asks, to say it is offline) */
let lastPageFromCache = false;

sw.addEventListener('message', (e) => {
  if ((e.data as { type?: string } | null)?.type === 'shell-status') e.ports[0]?.postMessage({ version: SHELL_VERSION, files: SHELL_FILES.length, fromCache: lastPageFromCache });
});

sw.addEventListener('fetch', (e) => {
  const req = e.request;
  if (req.method !== 'GET' || req.headers.has('range') || !req.url.startsWith(scope)) return;
  if (req.mode === 'navigate') {
    e.respondWith(
      fetch(req).then(
        (r) => ((lastPageFromCache = false), r),
        async () => {
          const hit = await caches.match(INDEX, { cacheName: CACHE });
          lastPageFromCache = Boolean(hit);
          return hit ?? Response.error();
        },
      ),
    );
    return;
  }
  const url = req.url.split('#')[0];
  if (!SHELL.has(url)) return; // not the app's own file: the network, as without a worker
  e.respondWith(caches.match(url, { cacheName: CACHE }).then((hit) => hit ?? fetch(req)));
});
