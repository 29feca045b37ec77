/**
 * What every op's one-image GPU entry (the explorer, the notebook views, parity) shares: the
 * run's buffers, one submit, read-back, and cleanup. Weights come from the context's cache
 * (uploaded once per params object and upload-relevant config), scratch (x included) from its
 * pool, uniforms from the context's cache by content: a run creates no GPU buffer once warm. The
 * dispatch builders stay per op
 * (backbones put the same dispatches into their plans); only this wrapper is common.
 */
import type { Dispatch, GpuContext } from '../../gpu/context';
import type { ScratchAlloc } from '../../gpu/gemm';
import type { GpuOpOutput, GpuRunOptions, Params } from '../types';
import { scratchPoolFor } from './scratch-pool';
import { weightCacheFor, type UploadedWeights, type WeightLease } from './weight-cache';

export type { ScratchAlloc };

export interface OpRunIO {
  x: GPUBuffer;
  y: GPUBuffer;
  alloc: ScratchAlloc;
  /**
   * The op's uploaded weights for `p`, from the context's cache (uploaded on a miss). `key` names
   * the op and every config value the upload reads besides `p` (e.g. which branches exist).
   */
  weights<W extends UploadedWeights>(p: Params, key: string, upload: () => W): W;
}

/**
 * Upload x, let `build` take its weights and record its dispatches, run them in one submit (timed
 * unless opts.timed is false), read y [yFloats] (unless opts.skipY) and whatever `maps` reads.
 * Afterwards scratch (x included) goes back to the pool and the weights stay cached; nothing is
 * destroyed here (buffers shared beyond the run, such as the Linear kernel's no-bias placeholder,
 * are bound by later runs).
 */
export async function runOpOnce<R extends { dispatches: Dispatch[] }>(
  ctx: GpuContext,
  x: Float32Array,
  yFloats: number,
  opts: Pick<GpuRunOptions, 'timed' | 'skipY'>,
  build: (io: OpRunIO) => R,
  maps: (r: R) => Promise<Record<string, Float32Array>>,
): Promise<GpuOpOutput> {
  const pool = scratchPoolFor(ctx);
  const cache = weightCacheFor(ctx);
  const scratch = new Set<GPUBuffer>();
  const leases: Array<WeightLease<UploadedWeights>> = [];
  const alloc: ScratchAlloc = (_role, floats) => {
    const b = pool.checkOut(floats);
    scratch.add(b);
    return b;
  };
  try {
    // x into a pooled buffer, stored as the context's kernels read it (no buffer made per run)
    const xb = alloc('x', x.length);
    ctx.write(xb, x);
    const y = alloc('y', yFloats);
    const weights = <W extends UploadedWeights>(p: Params, key: string, upload: () => W): W => {
      const l = cache.acquire(p, key, upload);
      leases.push(l);
      return l.w;
    };
    const r = build({ x: xb, y, alloc, weights });
    const t = await ctx.run(r.dispatches, { timed: opts.timed ?? true });
    const yOut = opts.skipY ? new Float32Array(0) : await ctx.read(y, yFloats);
    return { y: yOut, maps: await maps(r), gpuMs: t.ms };
  } finally {
    pool.checkIn(scratch);
    for (const l of leases) l.release();
  }
}
