/**
 * The attention kernels that kernels/lib/flash_attn.wgsl replaces, kept for issue 14's A/B on the
 * H100 (`attnChoice`, bench-node --attn=old): mhsa's key-split kernel (small grids) and
 * one-thread-per-query kernel (kernels/attn_flash.wgsl, also HiLo's Lo-Fi); FASA's is in
 * src/ops/fasa/attn-old.ts. Each takes the same buffers and uniforms as its replacement, except
 * mhsa's split kernel. Delete both files, the three kernels and the `attnChoice` branches once the
 * new core has won.
 */
import type { Dispatch, GpuContext } from '../../gpu/context';
import { expandWgsl } from '../../gpu/wgsl';
import flashWgsl from '../../../kernels/attn_flash.wgsl?raw';
import flashSplitWgsl from '../../../kernels/mhsa_flash_split.wgsl?raw';

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

/** mhsa's attention dispatch with the old kernels: qkv [N, 3C] → o [N, C]. */
export function oldMhsaAttn(ctx: GpuContext, N: number, heads: number, hd: number, qkv: GPUBuffer, o: GPUBuffer): Dispatch {
  const flash = mhsaFlashPlan(N, heads, hd);
  return { pipeline: ctx.pipeline(expandWgsl(flash.source, flash.defines)), ...flash.bind(qkv, o), workgroups: flash.workgroups };
}

/** HiLo's Lo-Fi attention on kernels/attn_flash.wgsl (kernels/attn.wgsl's buffers and uniforms). */
export function oldLofiLaunch(ctx: GpuContext, hd: number, N: number, heads: number, batch: number) {
  const tkey = Math.max(1, Math.min(64, Math.floor(2048 / hd)));
  return { pipeline: ctx.pipeline(expandWgsl(flashWgsl, { HD: hd, TKEY: tkey })), workgroups: [Math.ceil(N / 64), heads, batch] as [number, number, number] };
}
