/**
 * The app's GPU status store: one GpuContext, re-acquired when the device is lost (the views that
 * read `ctx`/`generation` re-run on the new one; the notebook, the photo and the loaded weights
 * live in other stores and are untouched). Without WebGPU everything runs on the CPU.
 */
import { create } from 'zustand';
import { GpuContext, type GpuReport } from '../gpu/context';
import { initTfjs } from '../gpu/tfjs';
import { TFJS_WASM_PATHS } from '../app-shell/tfjs-wasm';

export interface GpuState {
  status: 'pending' | 'ready' | 'unavailable';
  ctx: GpuContext | null;
  report: GpuReport | null;
  message: string;
  /** what happened to the GPU lately (a lost device re-acquired), shown until the next loss */
  notice: string;
  tfjsBackend: string;
  /** bumps when a lost device was replaced, so views re-run */
  generation: number;
  /** devices lost in this session */
  losses: number;
  init(): Promise<void>;
}

/** More losses than this within LOSS_WINDOW_MS: stop asking for a GPU that keeps failing. */
const MAX_LOSSES = 3;
const LOSS_WINDOW_MS = 60_000;
const lossTimes: number[] = [];
let initializing: Promise<void> | null = null;

declare global {
  interface Window {
    /** test hook for the end-to-end scripts: the GPU store (device loss and out-of-memory tests) */
    __attnGpu?: typeof useGpu;
  }
}

export const useGpu = create<GpuState>((set, get) => ({
  status: 'pending',
  ctx: null,
  report: null,
  message: '',
  notice: '',
  tfjsBackend: '',
  generation: 0,
  losses: 0,
  init() {
    initializing ??= acquire().finally(() => (initializing = null));
    return initializing;
  },
}));

async function acquire(): Promise<void> {
  const set = useGpu.setState;
  try {
    const ctx = await GpuContext.acquire(typeof navigator !== 'undefined' ? navigator.gpu : undefined);
    ctx.onLost((reason) => void recover(ctx, reason));
    set({ status: 'ready', ctx, report: ctx.report, message: '' });
    let backend = '';
    try {
      backend = await initTfjs(ctx.device);
    } catch (e) {
      backend = `unavailable (${(e as Error).message})`;
    }
    set({ tfjsBackend: backend });
  } catch (e) {
    set({ status: 'unavailable', ctx: null, report: null, message: `${(e as Error).message} ${await cpuFallback()}` });
  }
}

async function cpuFallback(): Promise<string> {
  const backend = await initTfjs(null, { wasmPaths: TFJS_WASM_PATHS }).catch(() => 'cpu');
  useGpu.setState({ tfjsBackend: backend });
  return `Everything still works on the CPU (float64 reference code and tfjs ${backend}), only slower.`;
}

/** A lost device: say so, get a new one, and bump `generation` so the open views re-run on it. */
async function recover(lost: GpuContext, reason: string): Promise<void> {
  const s = useGpu.getState();
  if (s.ctx !== lost) return;
  const now = Date.now();
  lossTimes.push(now);
  while (lossTimes.length && lossTimes[0] < now - LOSS_WINDOW_MS) lossTimes.shift();
  useGpu.setState({ status: 'pending', ctx: null, losses: s.losses + 1, message: `The GPU device was lost (${reason}); getting a new one…` });
  if (lossTimes.length > MAX_LOSSES) {
    useGpu.setState({
      status: 'unavailable',
      report: null,
      notice: '',
      message: `The GPU device was lost ${lossTimes.length} times within a minute (last: ${reason}), so this page stopped using it. ${await cpuFallback()} Reload the page to try the GPU again.`,
    });
    useGpu.setState((x) => ({ generation: x.generation + 1 }));
    return;
  }
  await useGpu.getState().init();
  const after = useGpu.getState();
  useGpu.setState({
    generation: after.generation + 1,
    notice: after.status === 'ready'
      ? `The GPU device was lost (${reason}) and a new one was acquired: the open views ran again. Your notebook, photo and loaded weights are kept.`
      : '',
  });
}

if (typeof window !== 'undefined') window.__attnGpu = useGpu;
