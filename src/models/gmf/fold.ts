/**
 * Load-time BatchNorm folding for GroupMixFormer (eval): every BN directly after a conv becomes
 * part of it — conv_stem.norm{1,2} (into proj{1,2}), patch_embed_layers.i.norm and the
 * aggregator's norm{1,2,3} (into the separable conv's bias-free 1×1, which gains a bias). Not
 * foldable: aggregator.norm0 (no conv before it) and norm4 (after the last block), as spec gmf.md
 * says. Folded weights run through the default (map-free) attention; the GMA op reference itself
 * expects the unfolded aggregator BNs. A BN already gone (weights folded before) is skipped, so
 * folding twice is harmless.
 */
import type { Params } from '../../ops/types';
import { foldInto } from '../nn-cpu';
import type { GmfConfig } from './config';

export function foldBatchNorms(weights: Params, c: GmfConfig): Params {
  const w: Params = { ...weights };
  const fold = (conv: string, bn: string) => {
    if (w[`${bn}.running_mean`]) foldInto(w, conv, bn);
  };
  for (const n of [1, 2]) fold(`conv_stem.proj${n}`, `conv_stem.norm${n}`);
  for (let i = 0; i < 4; i++) {
    fold(`patch_embed_layers.${i}.proj.pointwise_conv`, `patch_embed_layers.${i}.norm`);
    for (let b = 0; b < c.serialDepths[i]; b++) {
      const a = `groupmixformer_backbone.${i}.gma_stage.${b}.att.aggregator.`;
      for (const j of [1, 2, 3]) fold(`${a}agg${j}.pointwise_conv`, `${a}norm${j}`);
    }
  }
  return w;
}
