import { glaDims, type GlaConfig } from './spec';

/**
 * MACs as the fixtures count them (matmul/linear/conv only): depthwise 3×3, qkv_proj, the two
 * low-rank gate Linears, g_proj and o_proj. The recurrence itself is elementwise and not counted.
 */
export function glaMacs(c: GlaConfig): number {
  const { L, C, K, V } = glaDims(c);
  const r = c.lowRank;
  return L * C * 9 + L * C * (2 * K + V) + L * C * r + L * r * 2 * K + L * C * V + L * V * C;
}
