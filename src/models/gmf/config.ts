/**
 * GroupMixFormer (AILab-CVC/GroupMixFormer, models/groupmixformer.py::GroupMixFormer): configs of
 * M/T/S/B/L, the exact state_dict and the MAC count. Spec: gmf.md.
 */
import { cfgBool, cfgNum } from '../../ops/types';
import { gmaMacs } from '../../ops/gma/flops';
import { gmaParamShapes, type GmaConfig } from '../../ops/gma/spec';
import type { Params } from '../../ops/types';
import type { AttentionSite } from '../types';
import type { KnobSetting } from '../knobs';
import { knobSites } from '../knob-apply';
import { bnKeys, cfgInts, convOut, subParams } from '../nn-cpu';

export interface GmfConfig {
  embeddingDims: number[];
  serialDepths: number[];
  /** 8 in every variant (CRPE's 2+3+3 head split requires it) */
  numHeads: number;
  mlpRatios: number[];
  qkvBias: boolean;
  /** null → (C // heads)^-0.5 */
  qkScale: number | null;
  inDim: number;
  numClasses: number;
}

const common = { numHeads: 8, qkvBias: true, qkScale: null, inDim: 3, numClasses: 1000 };

/**
 * configs/*.yaml. The L yaml is marked "# need to adjust" upstream and gives 71.8M parameters,
 * not the README's 70.3M: a released L checkpoint may not load into this config (spec gmf.md §2).
 */
export const GMF_VARIANTS: Record<string, GmfConfig> = {
  'groupmixformer-m': { ...common, embeddingDims: [40, 80, 160, 160], serialDepths: [3, 3, 12, 4], mlpRatios: [4, 4, 4, 4] },
  'groupmixformer-t': { ...common, embeddingDims: [80, 160, 200, 240], serialDepths: [4, 4, 12, 4], mlpRatios: [4, 4, 4, 4] },
  'groupmixformer-s': { ...common, embeddingDims: [80, 160, 320, 320], serialDepths: [2, 4, 12, 4], mlpRatios: [4, 4, 4, 4] },
  'groupmixformer-b': { ...common, embeddingDims: [200, 240, 320, 480], serialDepths: [8, 8, 12, 8], mlpRatios: [2, 2, 4, 4] },
  'groupmixformer-l': { ...common, embeddingDims: [240, 320, 360, 480], serialDepths: [8, 10, 30, 10], mlpRatios: [4, 4, 2, 2] },
};

export function gmfConfigFromFixture(config: Record<string, unknown>): GmfConfig {
  const qs = config.qk_scale;
  return {
    embeddingDims: cfgInts(config, 'embedding_dims'),
    serialDepths: cfgInts(config, 'serial_depths'),
    numHeads: cfgNum(config, 'num_heads', 8),
    mlpRatios: cfgInts(config, 'mlp_ratios', [4, 4, 4, 4]),
    qkvBias: cfgBool(config, 'qkv_bias', true),
    qkScale: typeof qs === 'number' ? qs : null,
    inDim: cfgNum(config, 'in_dim', 3),
    numClasses: cfgNum(config, 'num_classes', 1000),
  };
}

/**
 * Token grids of the four stages. The official PatchEmbedLayer declares H//2 while its stride-2
 * conv yields ceil(H/2), and ConvPosEnc asserts N == H·W, so the model only runs when every
 * stage halves exactly: ceil(H/4) (the stem's output) divisible by 8 — e.g. 224, 256, not 230.
 */
export function gmfGrids(H: number, W: number): Array<[number, number]> {
  let h = convOut(convOut(H, 3, 2, 1), 3, 2, 1);
  let w = convOut(convOut(W, 3, 2, 1), 3, 2, 1);
  const out: Array<[number, number]> = [[h, w]];
  for (let i = 1; i < 4; i++) {
    if (h % 2 || w % 2) throw new Error(`groupmixformer: input ${H}×${W} is not supported by the official model (stage ${i} grid ${h}×${w} does not halve exactly; use multiples of 32)`);
    h /= 2;
    w /= 2;
    out.push([h, w]);
  }
  return out;
}

export function gmfAttnConfig(c: GmfConfig, i: number, H: number, W: number): GmaConfig {
  return { dim: c.embeddingDims[i], heads: c.numHeads, qkvBias: c.qkvBias, qkScale: c.qkScale, aggToken: 1, agg3: 1, agg5: 1, agg7: 1, aggNonAttn: 1, H, W };
}

export function gmfExpectedKeys(c: GmfConfig): Array<[string, number[]]> {
  const E = c.embeddingDims;
  const mid = Math.floor(E[0] / 2);
  const keys: Array<[string, number[]]> = [
    ['conv_stem.proj1.weight', [mid, c.inDim, 3, 3]], ['conv_stem.proj1.bias', [mid]], ...bnKeys('conv_stem.norm1', mid),
    ['conv_stem.proj2.weight', [E[0], mid, 3, 3]], ['conv_stem.proj2.bias', [E[0]]], ...bnKeys('conv_stem.norm2', E[0]),
  ];
  for (let i = 0; i < 4; i++) {
    const cin = i === 0 ? E[0] : E[i - 1];
    const p = `patch_embed_layers.${i}`;
    keys.push([`${p}.proj.conv1.weight`, [cin, 1, 3, 3]], [`${p}.proj.pointwise_conv.weight`, [E[i], cin, 1, 1]], ...bnKeys(`${p}.norm`, E[i]));
  }
  for (let i = 0; i < 4; i++) {
    const C = E[i];
    const hid = Math.floor(C * c.mlpRatios[i]);
    for (let b = 0; b < c.serialDepths[i]; b++) {
      const p = `groupmixformer_backbone.${i}.gma_stage.${b}.`;
      keys.push([`${p}cpe.proj.weight`, [C, 1, 3, 3]], [`${p}cpe.proj.bias`, [C]]);
      keys.push([`${p}norm1.weight`, [C]], [`${p}norm1.bias`, [C]]);
      for (const [n, s] of gmaParamShapes(gmfAttnConfig(c, i, 1, 1))) {
        keys.push([`${p}att.${n}`, s]);
        // the op leaves out BN's int64 counter; the state_dict has it right after running_var
        if (n.endsWith('.running_var')) keys.push([`${p}att.${n.replace(/running_var$/, 'num_batches_tracked')}`, []]);
      }
      keys.push([`${p}norm2.weight`, [C]], [`${p}norm2.bias`, [C]]);
      keys.push([`${p}mlp.fc1.weight`, [hid, C]], [`${p}mlp.fc1.bias`, [hid]], [`${p}mlp.fc2.weight`, [C, hid]], [`${p}mlp.fc2.bias`, [C]]);
    }
  }
  keys.push(...bnKeys('norm4', E[3]), ['head.weight', [c.numClasses, E[3]]], ['head.bias', [c.numClasses]]);
  return keys;
}

/** Conv/linear/matmul MACs (FlopCounterMode/2) at H×W, batch 1. */
export function gmfMacs(c: GmfConfig, H = 224, W = 224, knobs?: KnobSetting): number {
  const sites = knobSites(gmfAttentionSites(c, H, W), knobs) as GmaConfig[] | null;
  let site = 0;
  const E = c.embeddingDims;
  const mid = Math.floor(E[0] / 2);
  const h1 = convOut(H, 3, 2, 1);
  const w1 = convOut(W, 3, 2, 1);
  const grids = gmfGrids(H, W);
  let macs = h1 * w1 * mid * c.inDim * 9 + grids[0][0] * grids[0][1] * E[0] * mid * 9;
  for (let i = 0; i < 4; i++) {
    const [h, w] = grids[i];
    const N = h * w;
    const C = E[i];
    const cin = i === 0 ? E[0] : E[i - 1];
    const hid = Math.floor(C * c.mlpRatios[i]);
    macs += N * cin * 9 + N * cin * C;
    const acfg = gmfAttnConfig(c, i, h, w);
    for (let b = 0; b < c.serialDepths[i]; b++) macs += N * C * 9 + gmaMacs(sites?.[site++] ?? acfg) + 2 * N * C * hid;
  }
  return macs + E[3] * c.numClasses;
}

export const blockPrefix = (i: number, b: number): string => `groupmixformer_backbone.${i}.gma_stage.${b}.`;

/** One GMA module per block, in forward order, with the op config of its stage grid. */
export function gmfAttentionSites(c: GmfConfig, H: number, W: number): AttentionSite[] {
  const grids = gmfGrids(H, W);
  return c.serialDepths.flatMap((depth, i) => {
    const opConfig = gmfAttnConfig(c, i, grids[i][0], grids[i][1]);
    return Array.from({ length: depth }, (_, b) => ({
      label: `stage ${i} · block ${b}`, stage: i, block: b, op: 'gma', opConfig,
      params: (w: Params) => subParams(w, `${blockPrefix(i, b)}att.`),
    }));
  });
}
