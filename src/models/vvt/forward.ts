/**
 * Float64 CPU forward of VicinityVisionTransformer.forward (eval): per stage OverlapPatchEmbed
 * (conv → tokens → LayerNorm eps 1e-5), Blocks (LN 1e-6 → Vicinity attention, LN 1e-6 → Mlp with
 * depthwise 3×3 and exact GELU), stage LayerNorm (eps 1e-6) = stage output; mean of the last
 * stage's tokens → head. Any batch size and any input size (nothing is size-specific).
 */
import { gelu, layerNorm } from '../../tensor/ops';
import type { Tensor } from '../../tensor/tensor';
import type { Params } from '../../ops/types';
import { vicinityReference } from '../../ops/vicinity/reference';
import type { ModelForwardOutput } from '../types';
import { addInPlace, applyInPlace, convFast, depthwiseFast, imageToTokens, linearFast as linear, meanTokens, need, sample, stack, subParams, tokensToImage } from '../nn-cpu';
import { vvtAttnConfig, vvtPatchConv, type VvtConfig } from './config';
import type { VicinityConfig } from '../../ops/vicinity/spec';
import { vicinityNoMaps } from './attention';

export interface VvtForwardOptions {
  /**
   * 'fast' (default): the map-free mirror of the op reference; 'op': call vicinityReference
   * itself (it also builds N×N maps, so only for small grids — the tests use it on the mini model).
   */
  attention?: 'fast' | 'op';
  /** called with every attention module's input u = LN1(x) [B, N, C], in forward order (site index) */
  onAttentionInput?: (site: number, u: Tensor) => void;
  /** op configs by site at a knob setting (src/models/knob-apply.ts); null/absent = official */
  sites?: VicinityConfig[] | null;
}

const LN_BLOCK_EPS = 1e-6;
const LN_PATCH_EPS = 1e-5;

function block(x: Tensor, w: Params, prefix: string, c: VvtConfig, i: number, H: number, W: number, opts: VvtForwardOptions, site: number): Tensor {
  const [B, N] = x.shape;
  const acfg = opts.sites?.[site] ?? vvtAttnConfig(c, i, H, W);
  const ap = subParams(w, `${prefix}attn.`);
  const u = layerNorm(x, w[`${prefix}norm1.weight`], w[`${prefix}norm1.bias`], LN_BLOCK_EPS);
  opts.onAttentionInput?.(site, u);
  const parts: Tensor[] = [];
  for (let b = 0; b < B; b++) {
    const ub = sample(u, b);
    parts.push(opts.attention === 'op' ? vicinityReference(ub, ap, acfg).y : vicinityNoMaps(ub, ap, acfg));
  }
  addInPlace(x, stack(parts));

  const h = linear(layerNorm(x, w[`${prefix}norm2.weight`], w[`${prefix}norm2.bias`], LN_BLOCK_EPS), need(w, `${prefix}mlp.fc1.weight`), w[`${prefix}mlp.fc1.bias`]);
  const hid = h.shape[2];
  const dw = depthwiseFast(tokensToImage(h, H, W), need(w, `${prefix}mlp.dwconv.dwconv.weight`), w[`${prefix}mlp.dwconv.dwconv.bias`], { padding: 1 });
  const a = applyInPlace(imageToTokens(dw), gelu);
  addInPlace(x, linear({ shape: [B, N, hid], data: a.data }, need(w, `${prefix}mlp.fc2.weight`), w[`${prefix}mlp.fc2.bias`]));
  return x;
}

export function vvtForward(x: Tensor, w: Params, c: VvtConfig, opts: VvtForwardOptions = {}): ModelForwardOutput {
  if (x.shape.length !== 4 || x.shape[1] !== c.inChans) throw new Error(`vvt: input [${x.shape}] is not [B, ${c.inChans}, H, W]`);
  const stages: Tensor[] = [];
  let img = x;
  let tokens: Tensor | null = null;
  let site = 0;
  for (let i = 0; i < 4; i++) {
    const s = i + 1;
    const { s: stride, p } = vvtPatchConv(i);
    const y = convFast(img, need(w, `patch_embed${s}.proj.weight`), w[`patch_embed${s}.proj.bias`], { stride, padding: p });
    const [, , H, W] = y.shape;
    let t = layerNorm(imageToTokens(y), w[`patch_embed${s}.norm.weight`], w[`patch_embed${s}.norm.bias`], LN_PATCH_EPS);
    for (let j = 0; j < c.depths[i]; j++) t = block(t, w, `block${s}.${j}.`, c, i, H, W, opts, site++);
    t = layerNorm(t, w[`norm${s}.weight`], w[`norm${s}.bias`], LN_BLOCK_EPS);
    stages.push(t);
    tokens = t;
    if (i < 3) img = tokensToImage(t, H, W);
  }
  const logits = linear(meanTokens(tokens!), need(w, 'head.weight'), w['head.bias']);
  return { logits, stages };
}
