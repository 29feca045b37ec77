import { vicinityDims, type VicinityConfig } from './spec';

/**
 * MACs as FlopCounterMode counts them: q/k/v/out Linears, the two SE Linears (on the pooled
 * vector), φ(K)ᵀV and φ(Q)·KV per head (4d×d each per token). The z denominator is mul+sum,
 * which is not counted.
 */
export function vicinityMacs(c: VicinityConfig): number {
  const { N, r, d, seHidden } = vicinityDims(c);
  const C = c.dim;
  const proj = 3 * N * C * r + N * r * C;
  const se = C * seHidden + seHidden * C;
  const attn = 2 * c.heads * N * 4 * d * d;
  return proj + se + attn;
}
