/**
 * The drawn map of softmax attention: the clicked query's softmax row for each head, after the
 * head mean. `attn` is [heads, rows, N] (all rows from the reference, one row from the GPU).
 */
import type { MapPanel } from '../types';
import { headRowPanels } from '../common/maps';
import type { MhsaConfig } from './spec';

export function mhsaQueryMaps(maps: Record<string, ArrayLike<number>>, c: MhsaConfig, _token: number, rowIndex: number): MapPanel[] {
  return maps.attn ? headRowPanels(maps.attn, c.heads, c.H, c.W, rowIndex) : [];
}
