/** The app's GPU status store: one GpuContext, re-acquired when the device is lost. */
import { create } from 'zustand';
import { GpuContext, type GpuReport } from '../gpu/context';
import { initTfjs } from '../gpu/tfjs';

export interface GpuState {
  status: 'pending' | 'ready' | 'unavailable';
  ctx: GpuContext | null;
  report: GpuReport | null;
  message: string;
  tfjsBackend: string;
  /** bumps when a lost device was replaced, so views re-run */
  generation: number;
  init(): Promise<void>;
}

export const useGpu = create<GpuState>((set, get) => ({
  status: 'pending',
  ctx: null,
  report: null,
  message: '',
  tfjsBackend: '',
  generation: 0,
  async init() {
    try {
      const ctx = await GpuContext.acquire(typeof navigator !== 'undefined' ? navigator.gpu : undefined);
      ctx.onLost((reason) => {
        set({ status: 'pending', ctx: null, message: `GPU device lost (${reason}); reconnecting…` });
        void get().init().then(() => set((s) => ({ generation: s.generation + 1 })));
      });
      set({ status: 'ready', ctx, report: ctx.report, message: '' });
      let backend = '';
      try {
        backend = await initTfjs(ctx.device);
      } catch (e) {
        backend = `unavailable (${(e as Error).message})`;
      }
      set({ tfjsBackend: backend });
    } catch (e) {
      const backend = await initTfjs(null).catch(() => 'cpu');
      set({
        status: 'unavailable',
        ctx: null,
        report: null,
        tfjsBackend: backend,
        message: `${(e as Error).message} Everything still works on the CPU (float64 reference code and tfjs ${backend}), only slower.`,
      });
    }
  },
}));
