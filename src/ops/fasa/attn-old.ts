/**
 * FASA's gated attention kernel that kernels/fasa_attn_gated.wgsl replaces, kept for issue 14's
 * A/B on the H100 (`attnChoice` in src/ops/common/attn.ts; see src/ops/common/attn-old.ts).
 */
import type { GpuContext } from '../../gpu/context';
import { expandWgsl } from '../../gpu/wgsl';
import fasaAttnWgsl from '../../../kernels/fasa_attn.wgsl?raw';

/** Largest key tile (power of two ≤ 64) whose K and V tiles of one head fit 16 KiB of workgroup memory. */
function fasaKeyTile(hd: number): number {
  let kt = 64;
  while (kt > 1 && 2 * kt * hd * 4 > 16384) kt >>= 1;
  if (2 * kt * hd * 4 > 16384) throw new Error(`fasa: head size ${hd} too large for the GPU path`);
  return kt;
}

/** FASA's gated attention on kernels/fasa_attn.wgsl (kernels/fasa_attn_gated.wgsl's buffers and uniforms). */
export function oldFasaLaunch(ctx: GpuContext, hd: number, N: number, heads: number, batch: number) {
  const kt = fasaKeyTile(hd);
  return { pipeline: ctx.pipeline(expandWgsl(fasaAttnWgsl, { HD: hd, KT: kt, KT_HD: kt * hd })), workgroups: [Math.ceil(N / 64), heads, batch] as [number, number, number] };
}
