import type { MhsaConfig } from './spec';

/** qkv Linear + q·kᵀ + attn·v + proj Linear (softmax not counted, as fvcore / FlopCounterMode). */
export function mhsaMacs(c: MhsaConfig): number {
  const N = c.H * c.W;
  const C = c.dim;
  return N * C * 3 * C + N * N * C + N * N * C + N * C * C;
}
