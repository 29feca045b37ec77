/** Shared map helpers: the clicked query's row of a [heads, rows, N] map, per head and mean. */
import type { MapPanel } from '../types';

/**
 * Panels for one query row of `attn` [heads, rows, N]: the head mean first, then each head.
 * `headTitle` names a head's panel (1-based index).
 */
export function headRowPanels(
  attn: ArrayLike<number>,
  heads: number,
  H: number,
  W: number,
  rowIndex: number,
  opts: { headTitle?: (h: number) => string; signed?: boolean } = {},
): MapPanel[] {
  const N = H * W;
  const rows = attn.length / (heads * N);
  const mean = new Float32Array(N);
  const perHead: MapPanel[] = [];
  for (let h = 0; h < heads; h++) {
    const off = (h * rows + rowIndex) * N;
    const v = new Float32Array(N);
    for (let j = 0; j < N; j++) {
      v[j] = attn[off + j];
      mean[j] += v[j] / heads;
    }
    perHead.push({ title: opts.headTitle ? opts.headTitle(h + 1) : `head ${h + 1}`, values: v, H, W, signed: opts.signed });
  }
  return [{ title: 'mean of heads', values: mean, H, W, signed: opts.signed }, ...perHead];
}
