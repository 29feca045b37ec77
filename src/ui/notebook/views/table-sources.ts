/** Named data a table view can show (`source: litv2-alpha-sweep`): tables computed from the app's own code. */
import { litv2AlphaSweep } from '../../../models/litv2/alpha-sweep';

export interface SourceTable {
  columns: string[];
  rows: unknown[][];
  caption?: string;
}

export const TABLE_SOURCES: Record<string, () => SourceTable> = {
  'litv2-alpha-sweep': () => ({
    caption: 'LITv2-S released alpha sweep: published ImageNet-1k top-1, FLOPs computed here',
    columns: ['alpha', 'Lo-Fi heads (of 12)', 'top-1 %', 'model.flops() G', 'MACs G (fvcore)', 'checkpoint'],
    rows: litv2AlphaSweep().map((r) => [r.alpha, r.lofiHeads, r.top1, Number(r.officialGFlops.toFixed(3)), Number(r.macsG.toFixed(3)), r.file]),
  }),
};
