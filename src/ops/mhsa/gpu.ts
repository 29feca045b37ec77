/** WebGPU path of mhsa: qkv Linear → fused online-softmax attention → proj Linear (one submit). */
import type { GpuContext } from '../../gpu/context';
import { expandWgsl } from '../../gpu/wgsl';
import flashWgsl from '../../../kernels/attn_flash.wgsl?raw';
import flashSplitWgsl from '../../../kernels/mhsa_flash_split.wgsl?raw';
import rowsWgsl from '../../../kernels/attn_rows.wgsl?raw';
import type { GpuOpOutput, GpuRunOptions, Params } from '../types';
import { linearDispatch } from '../../gpu/gemm';
import { runOpOnce } from '../common/gpu-run';
import { uploadParam } from '../common/params';
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

/**
 * Which flash kernel, and its launch shape. Up to SPLIT_MAX_TOKENS, kernels/mhsa_flash_split.wgsl:
 * 256 threads = TQ queries × S key splits, KS keys per split per staged tile — 8 splits × 32
 * queries, or 16 × 16 when that leaves few workgroups, so a big GPU gets enough threads; KS fills
 * 8 KiB of K+V tiles, at most 16 keys so the scores stay in registers. Past it,
 * kernels/attn_flash.wgsl: one thread per query, which has enough queries to fill the GPU by then
 * and does less work per key. Measured on an H200 at C = 64, 4 heads (BENCHMARKS.md): the split
 * kernel is 2× faster at 14×14 and 28×28, the one-thread kernel 1.25× faster at 56×56 and 2× at 84×84.
 */
export const SPLIT_MAX_TOKENS = 1600;

export function mhsaFlashPlan(N: number, heads: number, hd: number) {
  const C = heads * hd;
  const scale = hd ** -0.5;
  if (N > SPLIT_MAX_TOKENS) {
    const bind = (qkv: GPUBuffer, o: GPUBuffer) => ({
      buffers: [qkv, qkv, o],
      params: { N, M: N, qStride: 3 * C, qOff: 0, kvStride: 3 * C, kOff: C, vOff: 2 * C, oStride: C, oOff: 0, scale },
    });
    return { kernel: 'single' as const, source: flashWgsl, defines: { HD: hd, TKEY: 16 } as Record<string, number>, workgroups: [Math.ceil(N / 64), heads] as [number, number], bind };
  }
  const hd4 = Math.ceil(hd / 4);
  const keysPerSplit = (s: number) => Math.min(16, Math.floor(256 / (s * hd4)));
  let S = Math.ceil(N / 32) * heads < 256 ? 16 : 8;
  // head sizes past 64 leave no room for 16 splits; 8 splits fit up to hd = 128 (validateMhsa)
  if (keysPerSplit(S) < 1) S = 8;
  const TQ = 256 / S;
  const defines: Record<string, number> = { HD: hd, HD4: hd4, TQ, S, KS: keysPerSplit(S) };
  const bind = (qkv: GPUBuffer, o: GPUBuffer) => ({ buffers: [qkv, o], params: { N, C, heads, scale } });
  return { kernel: 'split' as const, source: flashSplitWgsl, defines, workgroups: [Math.ceil(N / TQ), heads] as [number, number], bind };
}

/** The op on one image: one submit, read back. Weights are cached per params object (any heads). */
export function mhsaGpu(ctx: GpuContext, x: Float32Array, p: Params, c: MhsaConfig, opts: GpuRunOptions): Promise<GpuOpOutput> {
  validateMhsa(c);
  const N = c.H * c.W;
  const C = c.dim;
  const hd = C / c.heads;
  const scale = hd ** -0.5;
  const flash = mhsaFlashPlan(N, c.heads, hd);
  const rows = opts.rows ?? (opts.maps ? Array.from({ length: N }, (_, i) => i) : []);
  return runOpOnce(ctx, x, N * C, opts, (io) => {
    const { wq, bq, wp, bp } = io.weights(p, 'mhsa', () => uploadMhsaWeights(ctx, p));
    const qkv = io.alloc('mhsa.qkv', N * 3 * C);
    const o = io.alloc('mhsa.o', N * C);
    const dispatches = [
      linearDispatch(ctx, io.x, wq, bq, qkv, N, 3 * C, C),
      {
        pipeline: ctx.pipeline(expandWgsl(flash.source, flash.defines)),
        ...flash.bind(qkv, o),
        workgroups: flash.workgroups,
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
