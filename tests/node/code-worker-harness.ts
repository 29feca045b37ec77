/**
 * The real code worker in Node: src/notebook/code/code-worker.ts bundled by rolldown (as Vite
 * bundles it for the browser), run in a worker_threads thread behind a `self` shim, wrapped as the
 * WorkerLike that CodeHost drives. terminate() really stops the thread, so runaway loops are real.
 */
import { Worker } from 'node:worker_threads';
import { resolve } from 'node:path';
import { rolldown } from 'rolldown';
import type { WorkerLike } from '../../src/notebook/code/host';
import type { FromWorker, ToWorker } from '../../src/notebook/code/protocol';

let bundled: Promise<string> | null = null;

export function workerSource(): Promise<string> {
  bundled ??= (async () => {
    const b = await rolldown({ input: resolve(import.meta.dirname, '../../src/notebook/code/code-worker.ts'), logLevel: 'silent' });
    const { output } = await b.generate({ format: 'iife' });
    await b.close();
    return output[0].code;
  })();
  return bundled;
}

const SHIM = `
const { parentPort } = require('node:worker_threads');
globalThis.self = globalThis;
globalThis.postMessage = (m) => parentPort.postMessage(m);
parentPort.on('message', (m) => globalThis.onmessage && globalThis.onmessage({ data: m }));
`;

export async function nodeWorkerFactory(): Promise<{ make: () => WorkerLike; live: () => number }> {
  const src = SHIM + (await workerSource());
  let live = 0;
  const make = (): WorkerLike => {
    const w = new Worker(src, { eval: true });
    live++;
    const like: WorkerLike = {
      onmessage: null,
      onerror: null,
      postMessage: (m: ToWorker) => w.postMessage(m),
      terminate: () => {
        live--;
        void w.terminate();
      },
    };
    w.on('message', (m: FromWorker) => like.onmessage?.({ data: m }));
    w.on('error', (e: Error) => like.onerror?.({ message: e.message }));
    return like;
  };
  return { make, live: () => live };
}
