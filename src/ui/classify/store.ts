/**
 * The classify page's state, kept across page switches: the loaded weights (their description; the
 * float64 weights themselves live in the model worker, and on the page only when the GPU forward
 * needs them), the download in progress, the last result and the last error.
 */
import { create } from 'zustand';
import type { Params } from '../../ops/types';
import type { LoadedInfo } from '../../models/worker-protocol';
import type { ClassScore } from '../../models/classify';

export interface LoadedWeights {
  info: LoadedInfo;
  /** where the bytes came from: a file name or a URL */
  source: string;
  /** float64 weights on the page (GPU forward only) */
  params?: Params;
  /** seeded synthetic weights of the full-size variant (no checkpoint held): WebGPU only, labelled everywhere */
  synthetic?: boolean;
}

export interface Progress {
  label: string;
  received: number;
  total: number | null;
}

export interface ClassifyResult {
  modelId: string;
  photoName: string;
  backend: 'webgpu' | 'cpu-reference';
  top: ClassScore[];
  ms: { preprocess: number; forward: number; total: number; stages?: number[] };
  input: { size: number; crop: boolean; top: number; left: number };
  /** the network's input as pixels (RGBA, size×size): what the model sees */
  preview?: Uint8ClampedArray;
  /** the normalised input tensor [1,3,size,size] (the attention overlay re-runs the forward on it) */
  tensor?: { data: Float32Array; shape: number[] };
  notes: string[];
}

export interface ClassifyState {
  /** '' = detect from the file; else a zoo variant id */
  selected: string;
  loaded: LoadedWeights | null;
  busy: string;
  progress: Progress | null;
  error: string;
  /** the URL of a cached file that failed to load: the page offers to remove it from the cache */
  evictable: string | null;
  notes: string[];
  result: ClassifyResult | null;
  running: boolean;
  /** run the float64 CPU reference even when a WebGPU forward exists (to compare) */
  forceCpu: boolean;
  set(p: Partial<Omit<ClassifyState, 'set'>>): void;
}

export const useClassify = create<ClassifyState>((set) => ({
  selected: '',
  loaded: null,
  busy: '',
  progress: null,
  error: '',
  evictable: null,
  notes: [],
  result: null,
  running: false,
  forceCpu: false,
  set: (p) => set(p),
}));
