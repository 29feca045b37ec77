/** Browser entry of the benchmark: the same suite as Node, on the page's WebGPU adapter. */
import { GpuContext } from '../../src/gpu/context';
import { runBench, type BenchOptions, type BenchReport } from '../../src/bench/suite';

declare global {
  interface Window {
    __bench(o: Omit<BenchOptions, 'log'>): Promise<BenchReport>;
  }
}

const log = document.getElementById('log')!;
window.__bench = async (o) => {
  const ctx = await GpuContext.acquire(navigator.gpu);
  try {
    return await runBench(ctx, { ...o, log: (l) => (log.textContent += `\n${l}`) });
  } finally {
    ctx.destroy();
  }
};
log.textContent = 'ready';
