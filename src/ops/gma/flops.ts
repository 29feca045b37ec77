import { GMA_CRPE_SPLIT, GMA_SEG_KERNEL, gmaDims, gmaSegmentOn, type GmaConfig } from './spec';

/**
 * MACs as FlopCounterMode counts them (matmul/linear/conv): qkv and proj Linears; per enabled
 * aggregator segment its separable conv on all three of q, k, v; the Agg_0 separable conv
 * (3s → s); the two einsums of the factorised attention; CRPE's depthwise convs. BN, LayerNorm,
 * softmax and Hardswish are not counted.
 */
export function gmaMacs(c: GmaConfig): number {
  const { N, s, Ch } = gmaDims(c);
  const C = c.dim;
  let macs = N * C * 3 * C + N * C * C;
  for (let j = 1; j <= 3; j++) {
    const k = GMA_SEG_KERNEL[j];
    if (gmaSegmentOn(c, j)) macs += 3 * (N * s * k * k + N * s * s);
  }
  if (gmaSegmentOn(c, 4)) macs += N * 3 * s * 9 + N * 3 * s * s;
  macs += 2 * c.heads * N * Ch * Ch;
  for (const [k, nh] of GMA_CRPE_SPLIT) macs += N * nh * Ch * k * k;
  return macs;
}
