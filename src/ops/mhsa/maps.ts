/**
 * The drawn map of softmax attention: the clicked query's softmax row for each head, then the
 * head mean. `attn` is [heads, rows, N] (all rows from the reference, one row from the GPU).
 */
import type { MapPanel } from '../types';
import type { MhsaConfig } from './spec';

export function mhsaQueryMaps(maps: Record<string, ArrayLike<number>>, c: MhsaConfig, _token: number, rowIndex: number): MapPanel[] {
  const attn = maps.attn;
  if (!attn) return [];
  const N = c.H * c.W;
  const rows = attn.length / (c.heads * N);
  const mean = new Float32Array(N);
  const panels: MapPanel[] = [];
  for (let h = 0; h < c.heads; h++) {
    const off = (h * rows + rowIndex) * N;
    const v = new Float32Array(N);
    for (let j = 0; j < N; j++) {
      v[j] = attn[off + j];
      mean[j] += v[j] / c.heads;
    }
    panels.push({ title: `head ${h + 1}`, values: v, H: c.H, W: c.W });
  }
  panels.unshift({ title: 'mean of heads', values: mean, H: c.H, W: c.W });
  return panels;
}
