/**
 * Plain (isotropic) ViG — `ViG` in hustvl/ViG classification/models/vig.py (spec/vig.md §2–§5):
 * V2 patch embed → + abs pos embed → GLABlocks (RMSNorm, GLA mixer, RMSNorm, SwiGLU) → RMSNorm →
 * token mean → head. Stage i = output of blocks.i as tokens [B, L, C].
 */
import { conv2d, linear, rmsNorm, silu } from '../../tensor/ops';
import type { Tensor } from '../../tensor/tensor';
import type { Params } from '../../ops/types';
import { cfgBool, cfgNum } from '../../ops/types';
import { glaMacs } from '../../ops/gla/flops';
import type { AttentionSite, ModelForwardOutput, ModelImpl } from '../types';
import { addT, blockGlaConfig, glaMixer, imageToTokens, layerNorm2d, swigluHalves } from './common';
import { applyInPlace, convOut, need, subParams } from '../nn-cpu';
import { releaseVigGpu, vigForwardGpu } from './gpu';
import type { KnobSetting } from '../knobs';
import { knobSites } from '../knob-apply';
import { networkKnobs } from '../network-knobs';
import type { GlaConfig } from '../../ops/gla/spec';

export interface VigConfig {
  embedDim: number;
  depth: number;
  heads: number;
  /** img_size / patch_size / stride: size the pos_embed grid ((img − patch)//stride + 1)² */
  imgSize: number;
  patchSize: number;
  stride: number;
  numClasses: number;
  expandK: number;
  expandV: number;
  /** SiLU after the local dwconv / before o_proj: on in ViG-T only (not visible in the state_dict) */
  actInConv: boolean;
  outAct: boolean;
  useBiasInPatch: boolean;
  useActInPatch: boolean;
  absPosEmbed: boolean;
  /** layer scale gamma1/gamma2 (init_values); null in every released variant */
  initValues: number | null;
}

const base = { depth: 12, imgSize: 224, patchSize: 16, stride: 16, numClasses: 1000, expandK: 0.5, expandV: 1, useBiasInPatch: true, useActInPatch: false, absPosEmbed: true, initValues: null };

export const VIG_VARIANTS: Record<string, VigConfig> = {
  'vig-t': { ...base, embedDim: 192, heads: 3, actInConv: true, outAct: true },
  'vig-s': { ...base, embedDim: 384, heads: 6, actInConv: false, outAct: false },
  'vig-b': { ...base, embedDim: 768, heads: 12, actInConv: false, outAct: false },
};

/** GLAMLP hidden size: 256·ceil(int(C·4·2/3)/256). */
export const vigMlpHidden = (C: number): number => 256 * Math.ceil(Math.floor((C * 4 * 2) / 3) / 256);

/** Constructor arguments this port does not implement (official variants never use them). */
const UNSUPPORTED: Array<[string, unknown]> = [
  ['if_cls_token', false], ['use_middle_cls_token', false], ['classification_mode', 'avgpool'], ['if_rc_pe', false],
  ['use_msg', false], ['use_lower_bound', false], ['use_dirpe', false], ['rope_mode', 'none'], ['scan_mode', 'default'],
  ['patch_embed_version', 'v2'], ['use_swiglu', true], ['use_bias_in_dwconv', false],
];

export function vigConfigFromFixture(config: Record<string, unknown>): VigConfig {
  for (const [k, ok] of UNSUPPORTED) {
    if (k in config && config[k] !== ok) throw new Error(`vig: ${k}=${JSON.stringify(config[k])} is not supported (only ${JSON.stringify(ok)})`);
  }
  const iv = config.init_values;
  return {
    embedDim: cfgNum(config, 'embed_dim'),
    depth: cfgNum(config, 'depth', 12),
    heads: cfgNum(config, 'num_heads'),
    imgSize: cfgNum(config, 'img_size', 224),
    patchSize: cfgNum(config, 'patch_size', 16),
    stride: cfgNum(config, 'stride', 16),
    numClasses: cfgNum(config, 'num_classes', 1000),
    expandK: cfgNum(config, 'expand_k', 0.5),
    expandV: cfgNum(config, 'expand_v', 1),
    actInConv: cfgBool(config, 'use_act_in_conv', true),
    outAct: cfgBool(config, 'use_out_act', false),
    useBiasInPatch: cfgBool(config, 'use_bias_in_patch', true),
    useActInPatch: cfgBool(config, 'use_act_in_patch', false),
    absPosEmbed: cfgBool(config, 'if_abs_pos_embed', true),
    initValues: typeof iv === 'number' ? iv : null,
  };
}

/** The pos_embed grid and the V2 patch-embed geometry. */
function geometry(c: VigConfig) {
  const s = Math.floor(c.patchSize / 2);
  const g = Math.floor((c.imgSize - c.patchSize) / c.stride) + 1;
  return { k0: s + 1, s0: s, posGrid: g, trainGrid: Math.floor(c.imgSize / c.patchSize) };
}

function blockKeys(c: VigConfig, i: number): Array<[string, number[]]> {
  const C = c.embedDim;
  const K = Math.floor(C * c.expandK);
  const V = Math.floor(C * c.expandV);
  const I = vigMlpHidden(C);
  const b = `blocks.${i}.`;
  const out: Array<[string, number[]]> = [];
  if (c.initValues !== null) out.push([`${b}gamma1`, [C]], [`${b}gamma2`, [C]]);
  out.push(
    [`${b}attn_norm.weight`, [C]],
    [`${b}attn.in_proj.0.weight`, [C, 1, 3, 3]],
    [`${b}attn.qkv_proj.weight`, [2 * K + V, C]],
    [`${b}attn.gk_proj.0.weight`, [16, C]],
    [`${b}attn.gk_proj.1.weight`, [2 * K, 16]],
    [`${b}attn.gk_proj.1.bias`, [2 * K]],
    [`${b}attn.o_proj.weight`, [C, V]],
    [`${b}attn.g_norm.weight`, [V / c.heads]],
    [`${b}attn.l_norm.weight`, [V / c.heads]],
    [`${b}attn.g_proj.weight`, [V, C]],
    [`${b}attn.g_proj.bias`, [V]],
    [`${b}mlp_norm.weight`, [C]],
    [`${b}mlp.gate_proj.weight`, [2 * I, C]],
    [`${b}mlp.down_proj.weight`, [C, I]],
  );
  return out;
}

export function vigExpectedKeys(c: VigConfig): Array<[string, number[]]> {
  const C = c.embedDim;
  const h = C / 2;
  const { k0, posGrid } = geometry(c);
  const keys: Array<[string, number[]]> = [];
  if (c.absPosEmbed) keys.push(['pos_embed', [1, posGrid * posGrid, C]]);
  keys.push(['patch_embed.proj.0.weight', [h, 3, k0, k0]]);
  if (c.useBiasInPatch) keys.push(['patch_embed.proj.0.bias', [h]]);
  keys.push(['patch_embed.proj.1.weight', [h]], ['patch_embed.proj.1.bias', [h]], ['patch_embed.proj.3.weight', [C, h, 3, 3]]);
  if (c.useBiasInPatch) keys.push(['patch_embed.proj.3.bias', [C]]);
  keys.push(['patch_embed.proj.4.weight', [C]], ['patch_embed.proj.4.bias', [C]]);
  keys.push(['head.weight', [c.numClasses, C]], ['head.bias', [c.numClasses]]);
  for (let i = 0; i < c.depth; i++) keys.push(...blockKeys(c, i));
  keys.push(['norm.weight', [C]]);
  return keys;
}

/** Token grid after the V2 patch embed for an H×W input. */
export function vigGrid(c: VigConfig, H: number, W: number): [number, number] {
  const { k0, s0 } = geometry(c);
  return [convOut(convOut(H, k0, s0, 1), 3, 2, 1), convOut(convOut(W, k0, s0, 1), 3, 2, 1)];
}

export function vigMacs(c: VigConfig, H = 224, W = 224, knobs?: KnobSetting): number {
  const C = c.embedDim;
  const { k0, s0 } = geometry(c);
  const h1 = convOut(H, k0, s0, 1);
  const w1 = convOut(W, k0, s0, 1);
  const [gh, gw] = vigGrid(c, H, W);
  const L = gh * gw;
  const I = vigMlpHidden(C);
  const patch = h1 * w1 * (C / 2) * 3 * k0 * k0 + L * C * (C / 2) * 9;
  const gla = blockGla(c, gh, gw);
  const sites = knobSites(vigAttentionSites(c, H, W), knobs) as GlaConfig[] | null;
  const mlp = L * C * 2 * I + L * I * C;
  let blocks = 0;
  for (let i = 0; i < c.depth; i++) blocks += glaMacs(sites?.[i] ?? gla) + mlp;
  return patch + blocks + C * c.numClasses;
}

function blockGla(c: VigConfig, H: number, W: number) {
  return blockGlaConfig({ layout: 'tokens', dim: c.embedDim, heads: c.heads, expandK: c.expandK, expandV: c.expandV, actInConv: c.actInConv, outAct: c.outAct, mergeDiv: 4, H, W });
}

// PyTorch upsample_bicubic2d (A = −0.75), align_corners=False.
function cubicWeights(t: number): [number, number, number, number] {
  const A = -0.75;
  const c1 = (x: number) => ((A + 2) * x - (A + 3)) * x * x + 1;
  const c2 = (x: number) => ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
  return [c2(t + 1), c1(t), c1(1 - t), c2(2 - t)];
}

/** One axis of bicubic interpolation: for each output index the 4 clamped source indices and weights. */
function cubicAxis(src: number, dst: number): Array<{ idx: number[]; w: number[] }> {
  const scale = src / dst;
  return Array.from({ length: dst }, (_, o) => {
    const real = scale * (o + 0.5) - 0.5;
    const i0 = Math.floor(real);
    const w = cubicWeights(real - i0);
    const idx = [-1, 0, 1, 2].map((d) => Math.min(Math.max(i0 + d, 0), src - 1));
    return { idx, w };
  });
}

/** resize_pos_embed: pos [1, sh·sw, C] → [1, dh·dw, C] by bicubic F.interpolate (identity when equal). */
export function resizePosEmbed(pos: Tensor, sh: number, sw: number, dh: number, dw: number): Tensor {
  const C = pos.shape[2];
  if (sh * sw !== pos.shape[1]) throw new Error(`vig: pos_embed has ${pos.shape[1]} tokens, not ${sh}×${sw}`);
  if (sh === dh && sw === dw) return pos;
  const ay = cubicAxis(sh, dh);
  const ax = cubicAxis(sw, dw);
  const out = new Float64Array(dh * dw * C);
  for (let y = 0; y < dh; y++) {
    for (let x = 0; x < dw; x++) {
      const o = (y * dw + x) * C;
      for (let a = 0; a < 4; a++) {
        for (let b = 0; b < 4; b++) {
          const wt = ay[y].w[a] * ax[x].w[b];
          const s = (ay[y].idx[a] * sw + ax[x].idx[b]) * C;
          for (let ch = 0; ch < C; ch++) out[o + ch] += wt * pos.data[s + ch];
        }
      }
    }
  }
  return { shape: [1, dh * dw, C], data: out };
}

function scaleRows(t: Tensor, g: Tensor): Tensor {
  const C = g.data.length;
  for (let i = 0; i < t.data.length; i++) t.data[i] *= g.data[i % C];
  return t;
}

/** One image [1,3,H,W] → logits [numClasses] and the block outputs [L,C]. */
function forwardOne(x: Tensor, w: Params, c: VigConfig, sites: GlaConfig[] | null): { logits: Float64Array; stages: Tensor[]; grid: [number, number] } {
  const { s0, trainGrid } = geometry(c);
  const opt = (k: string) => (c.useBiasInPatch ? need(w, k) : undefined);
  let y = conv2d(x, need(w, 'patch_embed.proj.0.weight'), opt('patch_embed.proj.0.bias'), { stride: s0, padding: 1 });
  y = applyInPlace(layerNorm2d(y, need(w, 'patch_embed.proj.1.weight'), need(w, 'patch_embed.proj.1.bias'), 1e-5), silu);
  y = conv2d(y, need(w, 'patch_embed.proj.3.weight'), opt('patch_embed.proj.3.bias'), { stride: 2, padding: 1 });
  y = layerNorm2d(y, need(w, 'patch_embed.proj.4.weight'), need(w, 'patch_embed.proj.4.bias'), 1e-5);
  if (c.useActInPatch) applyInPlace(y, silu);
  const [gh, gw] = [y.shape[2], y.shape[3]];
  let t = imageToTokens(y); // [L, C]
  if (c.absPosEmbed) t = addT(t, resizePosEmbed(need(w, 'pos_embed'), trainGrid, trainGrid, gh, gw));
  const gla = blockGla(c, gh, gw);
  const stages: Tensor[] = [];
  for (let i = 0; i < c.depth; i++) {
    const b = `blocks.${i}.`;
    let a = glaMixer(rmsNorm(t, need(w, `${b}attn_norm.weight`), 1e-6), subParams(w, `${b}attn.`), sites?.[i] ?? gla);
    if (c.initValues !== null) a = scaleRows(a, need(w, `${b}gamma1`));
    const r = addT(t, a);
    const hmid = swigluHalves(linear(rmsNorm(r, need(w, `${b}mlp_norm.weight`), 1e-6), need(w, `${b}mlp.gate_proj.weight`)));
    let m = linear(hmid, need(w, `${b}mlp.down_proj.weight`));
    if (c.initValues !== null) m = scaleRows(m, need(w, `${b}gamma2`));
    t = addT(r, m);
    stages.push(t);
  }
  const n = rmsNorm(t, need(w, 'norm.weight'), 1e-6);
  const L = gh * gw;
  const C = c.embedDim;
  const pooled = new Float64Array(C);
  for (let l = 0; l < L; l++) for (let ch = 0; ch < C; ch++) pooled[ch] += n.data[l * C + ch] / L;
  const logits = linear({ shape: [1, C], data: pooled }, need(w, 'head.weight'), need(w, 'head.bias')).data;
  return { logits, stages, grid: [gh, gw] };
}

/** Concatenate per-image results along a new batch axis. */
export function stackBatch(parts: Float64Array[], shape: number[]): Tensor {
  const n = parts[0].length;
  const data = new Float64Array(parts.length * n);
  parts.forEach((p, i) => data.set(p, i * n));
  return { shape: [parts.length, ...shape], data };
}

export function vigForward(x: Tensor, w: Params, c: VigConfig, knobs?: KnobSetting): ModelForwardOutput {
  const [B, Cin, H, W] = x.shape;
  if (Cin !== 3) throw new Error(`vig: expected 3 input channels, got ${Cin}`);
  const sites = knobSites(vigAttentionSites(c, H, W), knobs) as GlaConfig[] | null;
  const per = Array.from({ length: B }, (_, i) => forwardOne({ shape: [1, 3, H, W], data: x.data.subarray(i * 3 * H * W, (i + 1) * 3 * H * W) }, w, c, sites));
  const [gh, gw] = per[0].grid;
  return {
    logits: stackBatch(per.map((r) => r.logits), [c.numClasses]),
    stages: per[0].stages.map((_, s) => stackBatch(per.map((r) => r.stages[s].data), [gh * gw, c.embedDim])),
  };
}

/** One GLA token mixer per block, all on the same grid. */
export function vigAttentionSites(c: VigConfig, H: number, W: number): AttentionSite[] {
  const [gh, gw] = vigGrid(c, H, W);
  const opConfig = blockGlaConfig({ layout: 'tokens', dim: c.embedDim, heads: c.heads, expandK: c.expandK, expandV: c.expandV, actInConv: c.actInConv, outAct: c.outAct, mergeDiv: 4, H: gh, W: gw });
  return Array.from({ length: c.depth }, (_, i) => ({
    label: `block ${i}`, stage: 0, block: i, op: 'gla', opConfig, params: (w: Params) => subParams(w, `blocks.${i}.attn.`),
  }));
}

export const vig: ModelImpl<VigConfig> = {
  family: 'vig',
  title: 'ViG (isotropic, bidirectional gated linear attention)',
  variants: VIG_VARIANTS,
  fixtureModels: ['vig'],
  configFromFixture: vigConfigFromFixture,
  expectedKeys: vigExpectedKeys,
  macs: vigMacs,
  forwardReference: vigForward,
  inputSize: () => ({ size: 224, crop: true }),
  // late-bound: gpu.ts imports this module's helpers
  forwardGpu: (ctx, x, shape, w, cfg, opts) => vigForwardGpu(ctx, x, shape, w, cfg, opts),
  releaseGpu: (ctx, w) => releaseVigGpu(ctx, w),
  attentionSites: vigAttentionSites,
  knobs: (cfg) => networkKnobs(vigAttentionSites(cfg, 224, 224)),
};
