/**
 * The drawn maps of GMA for a clicked query token: the effective attention
 * scale·q'_t·softmax_N(k')ᵀ of each head (the fixtures' attn_eff rows), grouped by the aggregator
 * segment that feeds the head: heads 1–2 token level, 3–4 3×3 group proxies, 5–6 5×5, 7–8 7×7.
 * Panels: mean of all heads, one mean per group, then each head. Values can be negative
 * (Hardswish lets q' dip to −0.375), so the panels are signed.
 * `maps.attn_eff` is [heads, R, N]: R = N from the CPU reference (rowIndex = token), R = 1 from
 * the GPU with opts.rows = [token] (rowIndex = 0).
 */
import type { MapPanel } from '../types';
import { gmaSegmentOn, type GmaConfig } from './spec';

export const GMA_HEAD_GROUPS: ReadonlyArray<{ label: string; heads: [number, number] }> = [
  { label: 'token segment', heads: [0, 1] },
  { label: '3×3 group proxies', heads: [2, 3] },
  { label: '5×5 group proxies', heads: [4, 5] },
  { label: '7×7 group proxies', heads: [6, 7] },
];

export function gmaQueryMaps(maps: Record<string, ArrayLike<number>>, c: GmaConfig, _token: number, rowIndex: number): MapPanel[] {
  const eff = maps.attn_eff;
  if (!eff) return [];
  const N = c.H * c.W;
  const rows = eff.length / (c.heads * N);
  const heads: Float32Array[] = [];
  for (let h = 0; h < c.heads; h++) {
    const off = (h * rows + rowIndex) * N;
    heads.push(Float32Array.from({ length: N }, (_, j) => eff[off + j]));
  }
  const meanOf = (hs: number[]) => {
    const m = new Float32Array(N);
    for (const h of hs) for (let j = 0; j < N; j++) m[j] += heads[h][j] / hs.length;
    return m;
  };
  const panel = (title: string, values: Float32Array): MapPanel => ({ title, values, H: c.H, W: c.W, signed: true });
  const panels: MapPanel[] = [panel('mean of heads', meanOf(heads.map((_, h) => h)))];
  GMA_HEAD_GROUPS.forEach((g, j) => {
    const off = gmaSegmentOn(c, j) ? '' : ' (segment off)';
    panels.push(panel(`${g.label}: heads ${g.heads[0] + 1}–${g.heads[1] + 1}${off}`, meanOf(g.heads)));
  });
  heads.forEach((v, h) => panels.push(panel(`head ${h + 1} (${GMA_HEAD_GROUPS[Math.floor(h / 2)].label})`, v)));
  return panels;
}
