/** WebGPU path of mhsa: qkv Linear → fused online-softmax attention → proj Linear (one submit). */
import type { GpuContext } from '../../gpu/context';
import { expandWgsl } from '../../gpu/wgsl';
import attnWgsl from '../../../kernels/attn.wgsl?raw';
import rowsWgsl from '../../../kernels/attn_rows.wgsl?raw';
import type { GpuOpOutput, GpuRunOptions, Params } from '../types';
import { linearDispatch } from '../../gpu/gemm';
import { runOpOnce } from '../common/gpu-run';
import { uploadParam } from '../common/params';
import { attnShape } from '../common/attn';
import { validateMhsa, type MhsaConfig } from './spec';

/** The module's weights on the GPU (float32); the config plays no part, a missing bias is null. */
function uploadMhsaWeights(ctx: GpuContext, p: Params) {
  const w = {
    wq: uploadParam(ctx, p, 'qkv.weight'),
    bq: p['qkv.bias'] ? uploadParam(ctx, p, 'qkv.bias') : null,
    wp: uploadParam(ctx, p, 'proj.weight'),
    bp: p['proj.bias'] ? uploadParam(ctx, p, 'proj.bias') : null,
  };
  return { ...w, all: Object.values(w).filter((b): b is GPUBuffer => b !== null) };
}

/** The op on one image: one submit, read back. Weights are cached per params object (any heads). */
export function mhsaGpu(ctx: GpuContext, x: Float32Array, p: Params, c: MhsaConfig, opts: GpuRunOptions): Promise<GpuOpOutput> {
  validateMhsa(c);
  const N = c.H * c.W;
  const C = c.dim;
  const hd = C / c.heads;
  const scale = hd ** -0.5;
  const sh = attnShape(N, N, hd, c.heads);
  const rows = opts.rows ?? (opts.maps ? Array.from({ length: N }, (_, i) => i) : []);
  return runOpOnce(ctx, x, N * C, opts, (io) => {
    const { wq, bq, wp, bp } = io.weights(p, 'mhsa', () => uploadMhsaWeights(ctx, p));
    const qkv = io.alloc('mhsa.qkv', N * 3 * C);
    const o = io.alloc('mhsa.o', N * C);
    const dispatches = [
      linearDispatch(ctx, io.x, wq, bq, qkv, N, 3 * C, C),
      {
        pipeline: ctx.pipeline(expandWgsl(attnWgsl, sh.defines)),
        buffers: [qkv, qkv, o], params: { N, M: N, qStride: 3 * C, qOff: 0, kvStride: 3 * C, kOff: C, vOff: 2 * C, oStride: C, oOff: 0, scale },
        workgroups: [sh.blocks, c.heads] as [number, number],
      },
      linearDispatch(ctx, o, wp, bp, io.y, N, C, C),
    ];
    let attn: GPUBuffer | null = null;
    if (rows.length) {
      const rb = io.alloc('mhsa.rows', rows.length);
      ctx.device.queue.writeBuffer(rb, 0, Uint32Array.from(rows));
      attn = io.alloc('mhsa.attn', c.heads * rows.length * N);
      dispatches.push({
        pipeline: ctx.pipeline(expandWgsl(rowsWgsl, { HD: hd })),
        buffers: [qkv, qkv, rb, attn], params: { M: N, nrows: rows.length, qStride: 3 * C, qOff: 0, kvStride: 3 * C, kOff: C, scale },
        workgroups: [rows.length, c.heads],
      });
    }
    return { dispatches, attn };
  }, async (r): Promise<Record<string, Float32Array>> => (r.attn ? { attn: await ctx.read(r.attn, c.heads * rows.length * N) } : {}));
}
