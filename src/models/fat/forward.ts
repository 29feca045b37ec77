/**
 * Float64 CPU forward of FAT.forward (eval), channel-first throughout: PatchEmbedding (4 × conv3×3
 * → BN → ReLU, conv1×1, GroupNorm(1, C)), FATlayers of FATBlocks (cpe residual; FASA on
 * GroupNorm(1) via the op reference; downsample + ConvFFN), GroupNorm(1) → mean → head.
 * Stage i = output of layers.i [B, C, H, W]. Any batch size and input size.
 */
import { gelu, groupNorm, relu } from '../../tensor/ops';
import type { Tensor } from '../../tensor/tensor';
import type { Params } from '../../ops/types';
import { fasaReference } from '../../ops/fasa/reference';
import type { ModelForwardOutput } from '../types';
import { addInPlace, applyInPlace, bnByPrefix, convFast, depthwiseFast, linearFast, meanSpatial, need, pointwiseConv, sample, stack, subParams } from '../nn-cpu';
import { fatAttnConfig, fatBlock, fatStem, type FatConfig } from './config';
import type { FasaConfig } from '../../ops/fasa/spec';

const gn = (x: Tensor, w: Params, prefix: string) => groupNorm(x, 1, w[`${prefix}.weight`], w[`${prefix}.bias`], 1e-5);

export function fatBlockForward(x: Tensor, w: Params, c: FatConfig, i: number, j: number, siteCfg?: FasaConfig): Tensor {
  const b = `layers.${i}.blocks.${j}.`;
  const { stride } = fatBlock(c, i, j);
  const [B, , H, W] = x.shape;
  const k = c.kernelSizes[i];
  const mk = c.mlpKernelSizes[i];

  // x + cpe(x) into a fresh tensor: the caller's x (a stage output) must stay untouched.
  x = addInPlace(depthwiseFast(x, need(w, `${b}cpe.weight`), w[`${b}cpe.bias`], { padding: k >> 1 }), x);

  const n1 = gn(x, w, `${b}norm1`);
  const ap = subParams(w, `${b}attn.`);
  const acfg = siteCfg ?? fatAttnConfig(c, i, H, W);
  const parts: Tensor[] = [];
  for (let s = 0; s < B; s++) parts.push(fasaReference(sample(n1, s), ap, acfg).y);
  addInPlace(x, stack(parts));

  const n2 = gn(x, w, `${b}norm2`);
  let skip = x;
  if (stride === 2) {
    const d0 = depthwiseFast(x, need(w, `${b}downsample.0.weight`), w[`${b}downsample.0.bias`], { stride: 2, padding: mk >> 1 });
    skip = pointwiseConv(bnByPrefix(d0, w, `${b}downsample.1`), need(w, `${b}downsample.2.weight`), w[`${b}downsample.2.bias`]);
  }
  let f = applyInPlace(pointwiseConv(n2, need(w, `${b}ffn.fc1.weight`), w[`${b}ffn.fc1.bias`]), gelu);
  const dw = depthwiseFast(f, need(w, `${b}ffn.dwconv.weight`), w[`${b}ffn.dwconv.bias`], { stride, padding: mk >> 1 });
  f = stride === 1 ? addInPlace(f, dw) : dw;
  f = pointwiseConv(bnByPrefix(f, w, `${b}ffn.bn`), need(w, `${b}ffn.fc2.weight`), w[`${b}ffn.fc2.bias`]);
  return addInPlace(f, skip);
}

/** `sites`: FASA configs by site at a knob setting (src/models/knob-apply.ts); null = official. */
export function fatForward(x: Tensor, w: Params, c: FatConfig, sites: FasaConfig[] | null = null): ModelForwardOutput {
  if (x.shape.length !== 4 || x.shape[1] !== c.inChans) throw new Error(`fat: input [${x.shape}] is not [B, ${c.inChans}, H, W]`);
  let h = x;
  fatStem(c).forEach(([, , stride], n) => {
    const p = `patch_embed.conv${n + 1}.conv`;
    h = applyInPlace(bnByPrefix(convFast(h, need(w, `${p}.0.weight`), w[`${p}.0.bias`], { stride, padding: 1 }), w, `${p}.1`), relu);
  });
  h = gn(pointwiseConv(h, need(w, 'patch_embed.conv5.weight'), w['patch_embed.conv5.bias']), w, 'patch_embed.layernorm');
  const stages: Tensor[] = [];
  let site = 0;
  for (let i = 0; i < c.depths.length; i++) {
    for (let j = 0; j < c.depths[i]; j++) h = fatBlockForward(h, w, c, i, j, sites?.[site++]);
    stages.push(h);
  }
  const logits = linearFast(meanSpatial(gn(h, w, 'norm')), need(w, 'head.weight'), w['head.bias']);
  return { logits, stages };
}
