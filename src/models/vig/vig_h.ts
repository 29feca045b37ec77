/**
 * Hierarchical ViG-H — `HierViG` in hustvl/ViG classification/models/vig_h.py (spec/vig.md §6),
 * channel-first throughout: V2 patch embed (conv, LN2d, GELU, conv, LN2d) → 4 stages of VSSBlocks
 * (LN2d, GLA2D, LN2d, gMlp) with a conv+LN2d downsample between them → LN2d → mean → head.
 * Stage i = output of layers.i.blocks (before the downsample), [B, C, H, W].
 * Internally one image's feature map is kept as tokens [L, C]; the math is per pixel either way.
 */
import { conv2d, gelu, layerNorm, linear } from '../../tensor/ops';
import type { Tensor } from '../../tensor/tensor';
import type { Params } from '../../ops/types';
import { cfgBool, cfgNum } from '../../ops/types';
import { glaMacs } from '../../ops/gla/flops';
import type { AttentionSite, ModelForwardOutput, ModelImpl } from '../types';
import { addT, blockGlaConfig, glaMixer, imageToTokens, layerNorm2d, swigluHalves, tokensToImage } from './common';
import { applyInPlace, convOut, need, subParams } from '../nn-cpu';
import { stackBatch } from './vig';
import { releaseVigGpu, vigHForwardGpu } from './gpu';
import type { KnobSetting } from '../knobs';
import { knobSites } from '../knob-apply';
import { networkKnobs } from '../network-knobs';
import type { GlaConfig } from '../../ops/gla/spec';

export interface VigHConfig {
  patchSize: number;
  numClasses: number;
  depths: number[];
  heads: number[];
  dims: number[];
  expandK: number;
  expandV: number;
  actInConv: boolean;
  outAct: boolean;
}

const base = { patchSize: 4, numClasses: 1000, expandK: 0.5, expandV: 1, actInConv: false, outAct: false };
const dimsOf = (d: number): number[] => [d, 2 * d, 4 * d, 8 * d];

export const VIG_H_VARIANTS: Record<string, VigHConfig> = {
  'vig-h-t': { ...base, depths: [2, 2, 5, 2], heads: [3, 6, 12, 24], dims: dimsOf(96) },
  'vig-h-s': { ...base, depths: [2, 2, 17, 2], heads: [3, 6, 12, 24], dims: dimsOf(96) },
  'vig-h-b': { ...base, depths: [2, 2, 17, 2], heads: [4, 8, 16, 32], dims: dimsOf(128) },
};

/** gMlp hidden size: 32·ceil(int(d·4·2/3)/32) (hidden_ratio 4 is fixed; mlp_ratio is unused). */
export const vigHMlpHidden = (d: number): number => 32 * Math.ceil(Math.floor((d * 4 * 2) / 3) / 32);

const REQUIRED: Array<[string, unknown]> = [
  ['norm_layer', 'ln2d'], ['downsample_version', 'v3'], ['patchembed_version', 'v2'], ['gmlp', true], ['patch_norm', true], ['rope_mode', 'none'],
];

export function vigHConfigFromFixture(config: Record<string, unknown>): VigHConfig {
  for (const [k, ok] of REQUIRED) {
    const v = typeof config[k] === 'string' ? (config[k] as string).toLowerCase() : config[k];
    if (k in config && v !== ok) throw new Error(`vig_h: ${k}=${JSON.stringify(config[k])} is not supported (only ${JSON.stringify(ok)})`);
  }
  const arr = (k: string): number[] => {
    const v = config[k];
    if (!Array.isArray(v) || !v.every((n) => typeof n === 'number')) throw new Error(`vig_h: '${k}' must be a list of numbers`);
    return v as number[];
  };
  const depths = arr('depths');
  const d = config.dims;
  const dims = typeof d === 'number' ? depths.map((_, i) => Math.floor(d * 2 ** i)) : arr('dims');
  const heads = arr('num_heads');
  if (dims.length !== depths.length || heads.length !== depths.length) throw new Error('vig_h: depths, dims and num_heads differ in length');
  return {
    patchSize: cfgNum(config, 'patch_size', 4),
    numClasses: cfgNum(config, 'num_classes', 1000),
    depths,
    heads,
    dims,
    expandK: cfgNum(config, 'expand_k', 0.5),
    expandV: cfgNum(config, 'expand_v', 1),
    actInConv: cfgBool(config, 'use_act_in_conv', true),
    outAct: cfgBool(config, 'use_out_act', false),
  };
}

function patchGeom(c: VigHConfig) {
  const s = Math.floor(c.patchSize / 2);
  return { k: s + 1, s };
}

export function vigHExpectedKeys(c: VigHConfig): Array<[string, number[]]> {
  const D = c.dims[0];
  const { k } = patchGeom(c);
  const keys: Array<[string, number[]]> = [
    ['patch_embed.0.weight', [D / 2, 3, k, k]], ['patch_embed.0.bias', [D / 2]],
    ['patch_embed.2.weight', [D / 2]], ['patch_embed.2.bias', [D / 2]],
    ['patch_embed.5.weight', [D, D / 2, k, k]], ['patch_embed.5.bias', [D]],
    ['patch_embed.7.weight', [D]], ['patch_embed.7.bias', [D]],
  ];
  c.depths.forEach((depth, i) => {
    const d = c.dims[i];
    const K = Math.floor(d * c.expandK);
    const V = Math.floor(d * c.expandV);
    const I = vigHMlpHidden(d);
    for (let j = 0; j < depth; j++) {
      const b = `layers.${i}.blocks.${j}.`;
      keys.push(
        [`${b}norm.weight`, [d]], [`${b}norm.bias`, [d]],
        [`${b}op.in_proj.0.weight`, [d, 1, 3, 3]],
        [`${b}op.qkv_proj.weight`, [2 * K + V, d]],
        [`${b}op.gk_proj.0.weight`, [16, d]],
        [`${b}op.gk_proj.1.weight`, [2 * K, 16]], [`${b}op.gk_proj.1.bias`, [2 * K]],
        [`${b}op.o_proj.weight`, [d, V]],
        [`${b}op.g_norm.weight`, [V / c.heads[i]]], [`${b}op.l_norm.weight`, [V / c.heads[i]]],
        [`${b}op.g_proj.weight`, [V, d]], [`${b}op.g_proj.bias`, [V]],
        [`${b}norm2.weight`, [d]], [`${b}norm2.bias`, [d]],
        [`${b}mlp.fc1.weight`, [2 * I, d]], [`${b}mlp.fc2.weight`, [d, I]],
      );
    }
    if (i < c.depths.length - 1) {
      const e = c.dims[i + 1];
      const p = `layers.${i}.downsample.`;
      keys.push([`${p}1.weight`, [e, d, 3, 3]], [`${p}1.bias`, [e]], [`${p}3.weight`, [e]], [`${p}3.bias`, [e]]);
    }
  });
  const F = c.dims[c.dims.length - 1];
  keys.push(['classifier.norm.weight', [F]], ['classifier.norm.bias', [F]], ['classifier.head.weight', [c.numClasses, F]], ['classifier.head.bias', [c.numClasses]]);
  return keys;
}

function blockGla(c: VigHConfig, i: number, H: number, W: number) {
  return blockGlaConfig({ layout: 'channels', dim: c.dims[i], heads: c.heads[i], expandK: c.expandK, expandV: c.expandV, actInConv: c.actInConv, outAct: c.outAct, mergeDiv: 2, H, W });
}

/** Stage grids for an H×W input: after the patch embed, then each stride-2 downsample. */
export function vigHGrids(c: VigHConfig, H: number, W: number): Array<[number, number]> {
  const { k, s } = patchGeom(c);
  let g: [number, number] = [convOut(convOut(H, k, s, 1), k, s, 1), convOut(convOut(W, k, s, 1), k, s, 1)];
  const out: Array<[number, number]> = [];
  for (let i = 0; i < c.depths.length; i++) {
    out.push(g);
    g = [convOut(g[0], 3, 2, 1), convOut(g[1], 3, 2, 1)];
  }
  return out;
}

export function vigHMacs(c: VigHConfig, H = 224, W = 224, knobs?: KnobSetting): number {
  const sites = knobSites(vigHAttentionSites(c, H, W), knobs) as GlaConfig[] | null;
  let site = 0;
  const { k, s } = patchGeom(c);
  const D = c.dims[0];
  const h1 = convOut(H, k, s, 1);
  const w1 = convOut(W, k, s, 1);
  const grids = vigHGrids(c, H, W);
  let macs = h1 * w1 * (D / 2) * 3 * k * k + grids[0][0] * grids[0][1] * D * (D / 2) * k * k;
  c.depths.forEach((depth, i) => {
    const d = c.dims[i];
    const [gh, gw] = grids[i];
    const L = gh * gw;
    const I = vigHMlpHidden(d);
    const gla = blockGla(c, i, gh, gw);
    for (let j = 0; j < depth; j++) macs += glaMacs(sites?.[site++] ?? gla) + L * d * 2 * I + L * I * d;
    if (i < c.depths.length - 1) {
      const [nh, nw] = [convOut(gh, 3, 2, 1), convOut(gw, 3, 2, 1)];
      macs += nh * nw * c.dims[i + 1] * d * 9;
    }
  });
  return macs + c.dims[c.dims.length - 1] * c.numClasses;
}

/** HierViG._load_from_state_dict's legacy renames (older training code's key names). */
const LEGACY_VIG_H_RULES: Array<[RegExp, string]> = [
  [/^patch_embed\.proj/, 'patch_embed.0'],
  [/^patch_embed\.norm/, 'patch_embed.2'],
  [/^(layers\.\d+\.blocks\.\d+\.)ln_1/, '$1norm'],
  [/^(layers\.\d+\.blocks\.\d+\.)self_attention/, '$1op'],
  [/^norm/, 'classifier.norm'],
  [/^head/, 'classifier.head'],
];

/**
 * `HierViG._load_from_state_dict`'s renames on key names: new name → file name, or null when the
 * keys already use the current names (or renaming would merge two keys).
 */
export function legacyVigHKeyMap(keys: Iterable<string>): Map<string, string> | null {
  const all = [...keys];
  const has = new Set(all);
  if (has.has('classifier.head.weight') && has.has('patch_embed.0.weight')) return null;
  const map = new Map<string, string>();
  let changed = false;
  for (const k of all) {
    let nk = k;
    for (const [re, to] of LEGACY_VIG_H_RULES) nk = nk.replace(re, to);
    if (map.has(nk)) return null; // two file keys would become one: leave them for strict validation to report
    map.set(nk, k);
    if (nk !== k) changed = true;
  }
  return changed ? map : null;
}

export function renameLegacyVigHKeys(w: Params): Params {
  const map = legacyVigHKeyMap(Object.keys(w));
  if (!map) return w;
  const out: Params = {};
  for (const [nk, k] of map) out[nk] = w[k];
  return out;
}

/** One image [1,3,H,W] → logits and the stage maps as tokens [L, C_i]. */
function forwardOne(x: Tensor, w: Params, c: VigHConfig, sites: GlaConfig[] | null): { logits: Float64Array; stages: Tensor[]; grids: Array<[number, number]> } {
  const { s } = patchGeom(c);
  let y = conv2d(x, need(w, 'patch_embed.0.weight'), need(w, 'patch_embed.0.bias'), { stride: s, padding: 1 });
  y = applyInPlace(layerNorm2d(y, need(w, 'patch_embed.2.weight'), need(w, 'patch_embed.2.bias'), 1e-5), gelu);
  y = conv2d(y, need(w, 'patch_embed.5.weight'), need(w, 'patch_embed.5.bias'), { stride: s, padding: 1 });
  y = layerNorm2d(y, need(w, 'patch_embed.7.weight'), need(w, 'patch_embed.7.bias'), 1e-5);
  let [gh, gw] = [y.shape[2], y.shape[3]];
  let t = imageToTokens(y); // LayerNorm2d on the map = LayerNorm over the last axis of its tokens
  const stages: Tensor[] = [];
  const grids: Array<[number, number]> = [];
  let site = 0;
  c.depths.forEach((depth, i) => {
    const gla = blockGla(c, i, gh, gw);
    for (let j = 0; j < depth; j++) {
      const b = `layers.${i}.blocks.${j}.`;
      const a = glaMixer(layerNorm(t, need(w, `${b}norm.weight`), need(w, `${b}norm.bias`), 1e-5), subParams(w, `${b}op.`), sites?.[site++] ?? gla);
      const r = addT(t, a);
      const hmid = swigluHalves(linear(layerNorm(r, need(w, `${b}norm2.weight`), need(w, `${b}norm2.bias`), 1e-5), need(w, `${b}mlp.fc1.weight`)));
      t = addT(r, linear(hmid, need(w, `${b}mlp.fc2.weight`)));
    }
    stages.push(t);
    grids.push([gh, gw]);
    if (i < c.depths.length - 1) {
      const p = `layers.${i}.downsample.`;
      const d = conv2d(tokensToImage(t, gh, gw), need(w, `${p}1.weight`), need(w, `${p}1.bias`), { stride: 2, padding: 1 });
      [gh, gw] = [d.shape[2], d.shape[3]];
      t = layerNorm(imageToTokens(d), need(w, `${p}3.weight`), need(w, `${p}3.bias`), 1e-5);
    }
  });
  const n = layerNorm(t, need(w, 'classifier.norm.weight'), need(w, 'classifier.norm.bias'), 1e-5);
  const L = gh * gw;
  const F = c.dims[c.dims.length - 1];
  const pooled = new Float64Array(F);
  for (let l = 0; l < L; l++) for (let ch = 0; ch < F; ch++) pooled[ch] += n.data[l * F + ch] / L;
  const logits = linear({ shape: [1, F], data: pooled }, need(w, 'classifier.head.weight'), need(w, 'classifier.head.bias')).data;
  return { logits, stages, grids };
}

export function vigHForward(x: Tensor, weights: Params, c: VigHConfig, knobs?: KnobSetting): ModelForwardOutput {
  const [B, Cin, H, W] = x.shape;
  if (Cin !== 3) throw new Error(`vig_h: expected 3 input channels, got ${Cin}`);
  const w = renameLegacyVigHKeys(weights);
  const sites = knobSites(vigHAttentionSites(c, H, W), knobs) as GlaConfig[] | null;
  const per = Array.from({ length: B }, (_, i) => forwardOne({ shape: [1, 3, H, W], data: x.data.subarray(i * 3 * H * W, (i + 1) * 3 * H * W) }, w, c, sites));
  const grids = per[0].grids;
  return {
    logits: stackBatch(per.map((r) => r.logits), [c.numClasses]),
    // stages are channel-first [B, C, H, W], as the official modules emit them
    stages: grids.map(([gh, gw], s) => stackBatch(per.map((r) => tokensToImage(r.stages[s], gh, gw).data), [c.dims[s], gh, gw])),
  };
}

/** One GLA2D mixer per block of every stage (run as the tokens-layout op on the captured tokens). */
export function vigHAttentionSites(c: VigHConfig, H: number, W: number): AttentionSite[] {
  const grids = vigHGrids(c, H, W);
  return c.depths.flatMap((depth, i) => {
    const [gh, gw] = grids[i];
    const opConfig = blockGlaConfig({ layout: 'tokens', dim: c.dims[i], heads: c.heads[i], expandK: c.expandK, expandV: c.expandV, actInConv: c.actInConv, outAct: c.outAct, mergeDiv: 2, H: gh, W: gw });
    return Array.from({ length: depth }, (_, j) => ({
      label: `stage ${i} · block ${j}`, stage: i, block: j, op: 'gla', opConfig,
      params: (w: Params) => subParams(renameLegacyVigHKeys(w), `layers.${i}.blocks.${j}.op.`),
    }));
  });
}

export const vigH: ModelImpl<VigHConfig> = {
  family: 'vig_h',
  title: 'ViG-H (hierarchical, channel-first GLA2D)',
  variants: VIG_H_VARIANTS,
  fixtureModels: ['vig_h'],
  configFromFixture: vigHConfigFromFixture,
  expectedKeys: vigHExpectedKeys,
  macs: vigHMacs,
  forwardReference: vigHForward,
  inputSize: () => ({ size: 224, crop: true }),
  // late-bound: gpu.ts imports this module's helpers
  forwardGpu: (ctx, x, shape, w, cfg, opts) => vigHForwardGpu(ctx, x, shape, w, cfg, opts),
  releaseGpu: (ctx, w) => releaseVigGpu(ctx, w),
  attentionSites: vigHAttentionSites,
  knobs: (cfg) => networkKnobs(vigHAttentionSites(cfg, 224, 224)),
};
