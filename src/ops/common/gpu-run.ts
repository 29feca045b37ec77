/**
 * What every op's one-image GPU entry (the explorer, the notebook views, parity) shares: buffers
 * of its own for the run, one submit, read-back, and cleanup. The dispatch builders stay per op
 * (backbones put the same dispatches into their plans); only this wrapper is common.
 */
import { BU, type Dispatch, type GpuContext } from '../../gpu/context';
import type { GpuOpOutput } from '../types';

/** Scratch allocation by role (a backbone plan reuses buffers by role; a single run makes new ones). */
export type ScratchAlloc = (role: string, floats: number) => GPUBuffer;

export interface OpRunIO {
  x: GPUBuffer;
  y: GPUBuffer;
  alloc: ScratchAlloc;
  /** hand over buffers made outside `alloc` (uploaded weights) to be destroyed after the run */
  own(bufs: Iterable<GPUBuffer>): void;
}

/**
 * Upload x, let `build` upload weights and record its dispatches, run them in one submit (timed
 * when asked), read y [yFloats] and whatever `maps` reads. Every buffer of the run is destroyed
 * afterwards, with the uniforms the builders made — but never a buffer shared beyond the run, such
 * as the Linear kernel's no-bias placeholder (later bias-free Linears bind it).
 */
export async function runOpOnce<R extends { dispatches: Dispatch[] }>(
  ctx: GpuContext,
  x: Float32Array,
  yFloats: number,
  timed: boolean,
  build: (io: OpRunIO) => R,
  maps: (r: R) => Promise<Record<string, Float32Array>>,
): Promise<GpuOpOutput> {
  const bufs = new Set<GPUBuffer>();
  const alloc: ScratchAlloc = (_role, floats) => {
    const b = ctx.scratch(floats);
    bufs.add(b);
    return b;
  };
  try {
    const xb = ctx.upload(x);
    bufs.add(xb);
    const y = alloc('y', yFloats);
    const r = build({ x: xb, y, alloc, own: (bs) => { for (const b of bs) bufs.add(b); } });
    for (const d of r.dispatches) for (const b of d.buffers) if (b.usage & BU.UNIFORM) bufs.add(b);
    const t = await ctx.run(r.dispatches, { timed });
    return { y: await ctx.read(y, yFloats), maps: await maps(r), gpuMs: t.ms };
  } finally {
    for (const b of bufs) b.destroy();
  }
}
