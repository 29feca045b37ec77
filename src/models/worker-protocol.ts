/** Messages between the page and the model worker (src/models/worker.ts). Plain, clonable data. */
import type { Params } from '../ops/types';
import type { LoadTarget } from './load';

export interface LoadedInfo {
  family: string;
  id: string;
  kind: 'official' | 'test';
  label: string;
  notes: string[];
  format: string;
  paramCount: number;
  tensorCount: number;
  /** milliseconds: reading the source, parsing + validating + converting */
  ms: { read: number; parse: number };
}

export type WorkerRequest =
  | { type: 'load'; id: number; source: Blob | ArrayBuffer; name: string; target: LoadTarget; paramsFor: string[] }
  | { type: 'forward'; id: number; x: Float32Array; shape: number[] }
  | { type: 'unload'; id: number };

export type WorkerErrorKind = 'format' | 'mismatch' | 'no-model' | 'other';

export type WorkerResponse =
  | { type: 'progress'; id: number; stage: string }
  | { type: 'loaded'; id: number; info: LoadedInfo; params?: Params }
  | { type: 'forwarded'; id: number; logits: Float64Array; ms: number }
  | { type: 'unloaded'; id: number }
  | { type: 'error'; id: number; kind: WorkerErrorKind; message: string; closest?: { id: string; label: string; score: number } | null };
