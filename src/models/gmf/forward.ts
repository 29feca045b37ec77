/**
 * Float64 CPU forward of GroupMixFormer.forward (eval): ConvStem (2 × conv3×3 s2 → BN →
 * Hardswish); per stage PatchEmbedLayer (SepConv 3×3, stride 1 then 2 → BN → Hardswish) and
 * GMA_Blocks (x + DW3×3(x); + GMA(LN1 x); + Mlp(LN2 x), LN eps 1e-6); norm4 (BN) on the last map →
 * mean → head. Stage i = output of groupmixformer_backbone.i, tokens [B, N, C].
 */
import { gelu, hardswish, layerNorm } from '../../tensor/ops';
import type { Tensor } from '../../tensor/tensor';
import type { Params } from '../../ops/types';
import { gmaReference } from '../../ops/gma/reference';
import type { ModelForwardOutput } from '../types';
import { addInPlace, applyInPlace, bnByPrefix, convFast, depthwiseFast, imageToTokens, linearFast, meanSpatial, need, pointwiseConv, sample, stack, subParams, tokensToImage } from '../nn-cpu';
import { gmfAttnConfig, gmfGrids, type GmfConfig } from './config';
import { gmaNoMaps } from './attention';
import type { GmaConfig } from '../../ops/gma/spec';

export interface GmfForwardOptions {
  /** 'fast' (default): map-free mirror; 'op': gmaReference itself (builds [8, N, N] maps: small grids only). */
  attention?: 'fast' | 'op';
  /** op configs by site at a knob setting (src/models/knob-apply.ts); null/absent = official */
  sites?: GmaConfig[] | null;
}

const LN_EPS = 1e-6;

function gmaBlock(x: Tensor, w: Params, prefix: string, c: GmfConfig, i: number, H: number, W: number, opts: GmfForwardOptions, site: number): Tensor {
  const [B, N, C] = x.shape;
  // cpe: x + DW3×3(x) into a fresh tensor (the residual lives inside ConvPosEnc).
  const t = addInPlace(imageToTokens(depthwiseFast(tokensToImage(x, H, W), need(w, `${prefix}cpe.proj.weight`), w[`${prefix}cpe.proj.bias`], { padding: 1 })), x);
  const u = layerNorm(t, w[`${prefix}norm1.weight`], w[`${prefix}norm1.bias`], LN_EPS);
  const ap = subParams(w, `${prefix}att.`);
  const acfg = opts.sites?.[site] ?? gmfAttnConfig(c, i, H, W);
  const parts: Tensor[] = [];
  for (let b = 0; b < B; b++) {
    const ub = sample(u, b);
    parts.push(opts.attention === 'op' ? gmaReference(ub, ap, acfg).y : gmaNoMaps(ub, ap, acfg));
  }
  addInPlace(t, stack(parts));
  const h = applyInPlace(linearFast(layerNorm(t, w[`${prefix}norm2.weight`], w[`${prefix}norm2.bias`], LN_EPS), need(w, `${prefix}mlp.fc1.weight`), w[`${prefix}mlp.fc1.bias`]), gelu);
  addInPlace(t, linearFast(h, need(w, `${prefix}mlp.fc2.weight`), w[`${prefix}mlp.fc2.bias`]));
  if (t.shape[2] !== C || t.shape[1] !== N) throw new Error('gmf: block changed the token shape');
  return t;
}

export function gmfForward(x: Tensor, w: Params, c: GmfConfig, opts: GmfForwardOptions = {}): ModelForwardOutput {
  if (x.shape.length !== 4 || x.shape[1] !== c.inDim) throw new Error(`groupmixformer: input [${x.shape}] is not [B, ${c.inDim}, H, W]`);
  const grids = gmfGrids(x.shape[2], x.shape[3]);
  let img = x;
  for (const n of [1, 2]) {
    const y = convFast(img, need(w, `conv_stem.proj${n}.weight`), w[`conv_stem.proj${n}.bias`], { stride: 2, padding: 1 });
    img = applyInPlace(bnByPrefix(y, w, `conv_stem.norm${n}`), hardswish);
  }
  const stages: Tensor[] = [];
  let site = 0;
  for (let i = 0; i < 4; i++) {
    const p = `patch_embed_layers.${i}`;
    const dw = depthwiseFast(img, need(w, `${p}.proj.conv1.weight`), w[`${p}.proj.conv1.bias`], { stride: i === 0 ? 1 : 2, padding: 1 });
    const pe = applyInPlace(bnByPrefix(pointwiseConv(dw, need(w, `${p}.proj.pointwise_conv.weight`), w[`${p}.proj.pointwise_conv.bias`]), w, `${p}.norm`), hardswish);
    const [H, W] = grids[i];
    if (pe.shape[2] !== H || pe.shape[3] !== W) throw new Error(`groupmixformer: stage ${i} grid ${pe.shape[2]}×${pe.shape[3]} vs ${H}×${W}`);
    let t = imageToTokens(pe);
    for (let b = 0; b < c.serialDepths[i]; b++) t = gmaBlock(t, w, `groupmixformer_backbone.${i}.gma_stage.${b}.`, c, i, H, W, opts, site++);
    stages.push(t);
    img = tokensToImage(t, H, W);
  }
  const logits = linearFast(meanSpatial(bnByPrefix(img, w, 'norm4')), need(w, 'head.weight'), w['head.bias']);
  return { logits, stages };
}
