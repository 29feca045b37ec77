/// <reference lib="webworker" />
/**
 * The code-cell worker (started by host.ts). Before any cell runs it takes away what a notebook's
 * code has no business with: the network (fetch, XHR, WebSocket, EventSource, WebTransport),
 * storage shared with the page's origin (IndexedDB, the Cache API holding downloaded checkpoints),
 * nested workers and importScripts. Its own response header CSP (vite.config.ts, public/_headers)
 * additionally forbids every connection and foreign script, dynamic import() included.
 */
import { createSandbox } from './sandbox';
import type { ToWorker } from './protocol';

const scope = self as unknown as DedicatedWorkerGlobalScope & Record<string, unknown>;
const post = scope.postMessage.bind(scope);
const sandbox = createSandbox((m) => post(m));

const REMOVED = ['fetch', 'XMLHttpRequest', 'WebSocket', 'EventSource', 'WebTransport', 'indexedDB', 'caches', 'importScripts', 'Worker', 'SharedWorker', 'BroadcastChannel', 'FileSystemHandle', 'navigator'];
for (const name of REMOVED) {
  try {
    Object.defineProperty(scope, name, { value: undefined, writable: false, configurable: false });
  } catch {
    // a non-configurable global stays; the CSP header still blocks the network
  }
}

scope.onmessage = (e: MessageEvent<ToWorker>) => sandbox.onMessage(e.data);
post({ type: 'ready' });
