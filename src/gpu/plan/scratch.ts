/** Scratch buffers of a plan: activation buffers by role, and the 1-D workgroup grid helper. */
import type { GpuContext } from '../context';

/** Workgroup grid for `n` workgroups of a 1-D problem: x ≤ 65535 (the per-dimension limit), y rows. */
export function grid1d(n: number): [number, number] {
  const x = Math.max(1, Math.min(n, 65535));
  return [x, Math.ceil(n / x)];
}

/**
 * Activation buffers by role, shared by every block of one forward; a request larger than the
 * role's buffer makes a new one (earlier dispatches keep the old). `owned` lists them, and whatever
 * else the plan made (uniforms, upload and read-back buffers, query sets), for destroy.
 */
export class ScratchPool {
  private byRole = new Map<string, { buf: GPUBuffer; floats: number }>();
  readonly owned: Array<{ destroy(): void }> = [];
  constructor(private ctx: GpuContext) {}

  get(role: string, floats: number): GPUBuffer {
    const have = this.byRole.get(role);
    if (have && have.floats >= floats) return have.buf;
    return this.fresh(role, floats);
  }

  /** A buffer nobody else gets (stage outputs, the input). */
  fresh(role: string, floats: number): GPUBuffer {
    const buf = this.ctx.scratch(Math.max(4, floats));
    this.owned.push(buf);
    this.byRole.set(role, { buf, floats });
    return buf;
  }

  private inFlight = 0;
  private destroyLater = false;

  /** `p` is a forward on these buffers: a destroy() before it settles waits for it (a mapAsync on a destroyed buffer fails). */
  hold<T>(p: Promise<T>): Promise<T> {
    this.inFlight++;
    return p.finally(() => {
      if (--this.inFlight === 0 && this.destroyLater) this.destroy();
    });
  }

  destroy(): void {
    this.destroyLater = this.inFlight > 0;
    if (this.destroyLater) return;
    for (const b of this.owned) b.destroy();
    this.owned.length = 0;
    this.byRole.clear();
  }
}
