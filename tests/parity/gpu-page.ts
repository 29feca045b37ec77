/** Browser half of the parity suite: fetches a fixture from /@fixtures/ and runs its GPU check. */
import { GpuContext } from '../../src/gpu/context';
import { checkFileGpu } from '../../src/parity/check-file';

declare global {
  interface Window {
    __parity: {
      ready: Promise<string>;
      check(relPath: string): Promise<{ status: string; worst: string; notes: string[] }>;
    };
  }
}

const ctxPromise = GpuContext.acquire(navigator.gpu);

/** Sibling fixture files (a model's input image, key lists) by path relative to the fixture root. */
async function readFixture(relPath: string): Promise<Uint8Array> {
  const res = await fetch(`/@fixtures/${relPath.split('/').map(encodeURIComponent).join('/')}`);
  if (!res.ok) throw new Error(`fetch ${relPath}: ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

window.__parity = {
  ready: ctxPromise.then((c) => JSON.stringify(c.report)),
  async check(relPath) {
    const ctx = await ctxPromise;
    const res = await fetch(`/@fixtures/${relPath.split('/').map(encodeURIComponent).join('/')}`);
    if (!res.ok) return { status: 'FAIL', worst: 'Infinity', notes: [`fetch ${res.status}`] };
    const bytes = new Uint8Array(await res.arrayBuffer());
    const r = await checkFileGpu(relPath, bytes, ctx, readFixture);
    return { status: r.status, worst: String(r.worst), notes: r.notes };
  },
};
document.getElementById('log')!.textContent = 'ready';
