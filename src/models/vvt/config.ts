/**
 * VVT (OpenNLPLab/Vicinity-Vision-Transformer, classification/vvt.py::VicinityVisionTransformer):
 * configs of the four official variants, the exact state_dict and the MAC count. Spec: vvt.md.
 */
import { cfgNum } from '../../ops/types';
import { vicinityMacs } from '../../ops/vicinity/flops';
import type { VicinityConfig } from '../../ops/vicinity/spec';
import { VICINITY_THETA } from '../../ops/vicinity/spec';
import { cfgInts, convOut, subParams } from '../nn-cpu';
import type { Params } from '../../ops/types';
import type { AttentionSite } from '../types';
import type { KnobSetting } from '../knobs';
import { knobSites } from '../knob-apply';

export interface VvtConfig {
  embedDims: number[];
  numHeads: number[];
  mlpRatios: number[];
  depths: number[];
  /** feature reduction of q/k/v (2 in every variant) */
  frRatios: number[];
  /** SE hidden width = C / seRatio */
  seRatio: number;
  inChans: number;
  numClasses: number;
}

const base = { embedDims: [96, 160, 320, 512], numHeads: [1, 2, 5, 8], frRatios: [2, 2, 2, 2], seRatio: 1, inChans: 3, numClasses: 1000 };

export const VVT_VARIANTS: Record<string, VvtConfig> = {
  'vvt-tiny': { ...base, depths: [2, 2, 2, 2], mlpRatios: [8, 8, 4, 4] },
  'vvt-small': { ...base, depths: [3, 3, 9, 3], mlpRatios: [8, 8, 4, 4] },
  'vvt-medium': { ...base, depths: [3, 3, 27, 3], mlpRatios: [8, 8, 4, 4] },
  'vvt-large': { ...base, depths: [4, 4, 36, 4], mlpRatios: [4, 4, 4, 4] },
};

export function vvtConfigFromFixture(config: Record<string, unknown>): VvtConfig {
  // Only the eval path of the released models: no spatial reduction, no "linear" pooled variant.
  const sr = cfgInts(config, 'sr_ratios', [1, 1, 1, 1]);
  if (sr.some((s) => s !== 1)) throw new Error('vvt: sr_ratios > 1 are not implemented (every VVT variant uses 1)');
  if (config.linear === true) throw new Error('vvt: linear=True is not implemented (VVT variants use False)');
  const embedDims = cfgInts(config, 'embed_dims');
  return {
    embedDims,
    numHeads: cfgInts(config, 'num_heads'),
    mlpRatios: cfgInts(config, 'mlp_ratios'),
    depths: cfgInts(config, 'depths'),
    frRatios: cfgInts(config, 'fr_ratios', [1, 2, 2, 4]),
    seRatio: cfgNum(config, 'se_ratio', 1),
    inChans: cfgNum(config, 'in_chans', 3),
    numClasses: cfgNum(config, 'num_classes', 1000),
  };
}

/** Patch embedding of stage i: Conv k7 s4 p3 for the first stage, k3 s2 p1 after. */
export function vvtPatchConv(i: number): { k: number; s: number; p: number } {
  return i === 0 ? { k: 7, s: 4, p: 3 } : { k: 3, s: 2, p: 1 };
}

/** Token grid of every stage for an H×W input. */
export function vvtGrids(H: number, W: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let h = H;
  let w = W;
  for (let i = 0; i < 4; i++) {
    const { k, s, p } = vvtPatchConv(i);
    h = convOut(h, k, s, p);
    w = convOut(w, k, s, p);
    out.push([h, w]);
  }
  return out;
}

/** The Vicinity op config of a stage's blocks on an H×W grid. */
export function vvtAttnConfig(c: VvtConfig, i: number, H: number, W: number): VicinityConfig {
  return { dim: c.embedDims[i], heads: c.numHeads[i], frRatio: c.frRatios[i], seReduction: c.seRatio, theta: VICINITY_THETA, H, W };
}

export function vvtExpectedKeys(c: VvtConfig): Array<[string, number[]]> {
  const keys: Array<[string, number[]]> = [];
  for (let i = 0; i < 4; i++) {
    const s = i + 1;
    const C = c.embedDims[i];
    const Cin = i === 0 ? c.inChans : c.embedDims[i - 1];
    const { k } = vvtPatchConv(i);
    const r = Math.floor(C / c.frRatios[i]);
    const se = Math.floor(C / c.seRatio);
    const hid = Math.floor(C * c.mlpRatios[i]);
    keys.push([`patch_embed${s}.proj.weight`, [C, Cin, k, k]], [`patch_embed${s}.proj.bias`, [C]]);
    keys.push([`patch_embed${s}.norm.weight`, [C]], [`patch_embed${s}.norm.bias`, [C]]);
    for (let j = 0; j < c.depths[i]; j++) {
      const b = `block${s}.${j}.`;
      keys.push([`${b}norm1.weight`, [C]], [`${b}norm1.bias`, [C]]);
      for (const n of ['k', 'v', 'q']) keys.push([`${b}attn.${n}_proj.weight`, [r, C]], [`${b}attn.${n}_proj.bias`, [r]]);
      keys.push([`${b}attn.out_proj.weight`, [C, r]], [`${b}attn.out_proj.bias`, [C]]);
      keys.push([`${b}attn.se_fc.0.weight`, [se, C]], [`${b}attn.se_fc.2.weight`, [C, se]]);
      keys.push([`${b}norm2.weight`, [C]], [`${b}norm2.bias`, [C]]);
      keys.push([`${b}mlp.fc1.weight`, [hid, C]], [`${b}mlp.fc1.bias`, [hid]]);
      keys.push([`${b}mlp.dwconv.dwconv.weight`, [hid, 1, 3, 3]], [`${b}mlp.dwconv.dwconv.bias`, [hid]]);
      keys.push([`${b}mlp.fc2.weight`, [C, hid]], [`${b}mlp.fc2.bias`, [C]]);
    }
    keys.push([`norm${s}.weight`, [C]], [`norm${s}.bias`, [C]]);
  }
  keys.push(['head.weight', [c.numClasses, c.embedDims[3]]], ['head.bias', [c.numClasses]]);
  return keys;
}

/** Conv/linear/matmul MACs (FlopCounterMode/2) at H×W, batch 1. */
export function vvtMacs(c: VvtConfig, H = 224, W = 224, knobs?: KnobSetting): number {
  const grids = vvtGrids(H, W);
  const sites = knobSites(vvtAttentionSites(c, H, W), knobs) as VicinityConfig[] | null;
  let site = 0;
  let macs = 0;
  for (let i = 0; i < 4; i++) {
    const [h, w] = grids[i];
    const N = h * w;
    const C = c.embedDims[i];
    const Cin = i === 0 ? c.inChans : c.embedDims[i - 1];
    const { k } = vvtPatchConv(i);
    const hid = Math.floor(C * c.mlpRatios[i]);
    macs += N * C * Cin * k * k;
    const acfg = vvtAttnConfig(c, i, h, w);
    for (let j = 0; j < c.depths[i]; j++) macs += vicinityMacs(sites?.[site++] ?? acfg) + N * C * hid + N * hid * 9 + N * hid * C;
  }
  return macs + c.embedDims[3] * c.numClasses;
}

/** One Vicinity module per block, in forward order, for an H×W input. */
export function vvtAttentionSites(c: VvtConfig, H: number, W: number): AttentionSite[] {
  const grids = vvtGrids(H, W);
  return c.depths.flatMap((depth, i) => {
    const [h, w] = grids[i];
    const opConfig = vvtAttnConfig(c, i, h, w);
    return Array.from({ length: depth }, (_, j) => ({
      label: `stage ${i} · block ${j}`, stage: i, block: j, op: 'vicinity', opConfig,
      params: (p: Params) => subParams(p, `block${i + 1}.${j}.attn.`),
    }));
  });
}
