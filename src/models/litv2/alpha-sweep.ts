/**
 * LITv2-S's released alpha sweep (spec/litv2.md §6; issue "HiLo alpha splits"): the published
 * ImageNet top-1 of each alpha next to the FLOPs we compute for the same network — the model's own
 * flops() formula and our fvcore-style MAC count.
 */
import { litv2 } from './index';
import { litv2OfficialFlops } from './flops';

/** Published ImageNet-1k top-1 (%) of LITv2-S trained at each alpha (LITv2 README / paper). */
export const LITV2_ALPHA_TOP1: ReadonlyArray<[alpha: number, top1: number]> = [
  [0.0, 81.16], [0.2, 81.89], [0.4, 81.81], [0.5, 81.88], [0.7, 81.94], [0.9, 82.03], [1.0, 81.89],
];

export interface AlphaSweepRow {
  alpha: number;
  /** Lo-Fi heads of the 12-head stage-3 blocks (stage index 2) */
  lofiHeads: number;
  top1: number;
  /** LITv2's own model.flops() (the papers' "FLOPs", G) */
  officialGFlops: number;
  /** our matmul/linear/conv MAC count (fvcore convention, G) */
  macsG: number;
  /** the release file */
  file: string;
}

export function litv2AlphaSweep(): AlphaSweepRow[] {
  return LITV2_ALPHA_TOP1.map(([alpha, top1]) => {
    const variant = `litv2-s-alpha${alpha === 0 ? '0' : alpha === 1 ? '1' : String(alpha)}`;
    const cfg = litv2.variants[variant];
    if (!cfg) throw new Error(`no LITv2 variant ${variant}`);
    return {
      alpha,
      lofiHeads: Math.trunc(12 * alpha),
      top1,
      officialGFlops: litv2OfficialFlops(cfg) / 1e9,
      macsG: litv2.macs(cfg) / 1e9,
      file: `alpha_${alpha === 0 ? '0' : alpha === 1 ? '1' : alpha}.pth`,
    };
  });
}
