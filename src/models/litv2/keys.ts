/** state_dict of LITv2 in the official registration order (spec/litv2.md §5). */
import { hiloParamShapes } from '../../ops/hilo/spec';
import { stageGeom, stageHilo, type Litv2Config } from './config';

type Keys = Array<[string, number[]]>;

function mlpKeys(p: string, C: number, hidden: number): Keys {
  return [
    [`${p}.fc1.weight`, [hidden, C]],
    [`${p}.fc1.bias`, [hidden]],
    [`${p}.dwconv.dwconv.weight`, [hidden, 1, 3, 3]],
    [`${p}.dwconv.dwconv.bias`, [hidden]],
    [`${p}.fc2.weight`, [C, hidden]],
    [`${p}.fc2.bias`, [C]],
  ];
}

/** DTM: DeformConv2dPack (own weight/bias before its conv_offset child) → BatchNorm2d. */
function dtmKeys(p: string, C: number): Keys {
  const k: Keys = [
    [`${p}.dconv.weight`, [2 * C, C, 2, 2]],
    [`${p}.dconv.bias`, [2 * C]],
    [`${p}.dconv.conv_offset.weight`, [8, C, 2, 2]],
    [`${p}.dconv.conv_offset.bias`, [8]],
  ];
  for (const n of ['weight', 'bias', 'running_mean', 'running_var']) k.push([`${p}.norm_layer.${n}`, [2 * C]]);
  k.push([`${p}.norm_layer.num_batches_tracked`, []]);
  return k;
}

export function litv2ExpectedKeys(c: Litv2Config): Keys {
  const E = c.embedDim;
  const keys: Keys = [
    ['patch_embed.proj.weight', [E, c.inChans, c.patchSize, c.patchSize]],
    ['patch_embed.proj.bias', [E]],
  ];
  if (c.patchNorm) keys.push(['patch_embed.norm.weight', [E]], ['patch_embed.norm.bias', [E]]);
  const n = c.depths.length;
  for (let i = 0; i < n; i++) {
    const { C, H, W, hidden } = stageGeom(c, i);
    for (let b = 0; b < c.depths[i]; b++) {
      const p = `layers.${i}.blocks.${b}`;
      if (c.hasMsa[i]) {
        keys.push([`${p}.norm1.weight`, [C]], [`${p}.norm1.bias`, [C]]);
        for (const [k, s] of hiloParamShapes(stageHilo(c, i, H, W))) keys.push([`${p}.attn.${k}`, s]);
      }
      keys.push([`${p}.norm2.weight`, [C]], [`${p}.norm2.bias`, [C]], ...mlpKeys(`${p}.mlp`, C, hidden));
    }
    if (i < n - 1) keys.push(...dtmKeys(`layers.${i}.downsample`, C));
  }
  const F = E * 2 ** (n - 1);
  keys.push(['norm.weight', [F]], ['norm.bias', [F]]);
  if (c.numClasses > 0) keys.push(['head.weight', [c.numClasses, F]], ['head.bias', [c.numClasses]]);
  return keys;
}

/** Trainable parameters (buffers excluded), as the README's #params. */
export function litv2Params(c: Litv2Config): number {
  let n = 0;
  for (const [k, s] of litv2ExpectedKeys(c)) {
    if (/running_(mean|var)$|num_batches_tracked$/.test(k)) continue;
    n += s.reduce((a, b) => a * b, 1);
  }
  return n;
}
