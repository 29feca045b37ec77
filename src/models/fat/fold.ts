/**
 * Load-time BatchNorm folding for FAT (eval): a BN whose input is a conv's output becomes part of
 * that conv (stem conv{1..4}, downsample.0, and ffn.dwconv in stride-2 blocks); ffn.bn of a
 * stride-1 block sees x + dwconv(x), so it is folded forward into the 1×1 fc2 instead. The FASA
 * pool BNs stay: the FASA op reference (src/ops/fasa) reads them as BN parameters.
 * Returns new weights; the forward treats a removed BN as the identity (nn-cpu bnByPrefix).
 * Idempotent: a BN already folded away (no running_mean left) is skipped, so the GPU forward can
 * fold whatever weights it is given.
 */
import type { Params } from '../../ops/types';
import { foldInto, foldIntoNext } from '../nn-cpu';
import { fatBlock, fatStem, type FatConfig } from './config';

export function foldBatchNorms(weights: Params, c: FatConfig): Params {
  const w: Params = { ...weights };
  const present = (bn: string) => `${bn}.running_mean` in w;
  const into = (conv: string, bn: string) => {
    if (present(bn)) foldInto(w, conv, bn);
  };
  fatStem(c).forEach((_, n) => into(`patch_embed.conv${n + 1}.conv.0`, `patch_embed.conv${n + 1}.conv.1`));
  for (let i = 0; i < c.depths.length; i++) {
    for (let j = 0; j < c.depths[i]; j++) {
      const b = `layers.${i}.blocks.${j}.`;
      if (fatBlock(c, i, j).stride === 2) {
        into(`${b}downsample.0`, `${b}downsample.1`);
        into(`${b}ffn.dwconv`, `${b}ffn.bn`);
      } else if (present(`${b}ffn.bn`)) {
        foldIntoNext(w, `${b}ffn.bn`, `${b}ffn.fc2`);
      }
    }
  }
  return w;
}
