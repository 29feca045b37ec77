/// <reference lib="webworker" />
/**
 * The model worker: checkpoint parsing/validation and the float64 CPU forward run here, off the
 * page's thread, so the page stays responsive while a 100 MB file is decoded or a reference
 * forward takes seconds. Started by worker-client.ts.
 */
import { createModelHost } from './model-host';
import type { WorkerRequest } from './worker-protocol';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const handle = createModelHost((msg, transfer) => scope.postMessage(msg, transfer ?? []));
scope.onmessage = (e: MessageEvent<WorkerRequest>) => void handle(e.data);
