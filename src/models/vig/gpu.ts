/**
 * WebGPU forwards of ViG and ViG-H with our own kernels (kernels/vig_*.wgsl, the GLA op's kernels
 * through glaDispatches, the shared Linear kernel). Weights are uploaded once per (GpuContext,
 * weights object) and kept in a WeakMap; the activation buffers, uniforms and bind groups of a
 * forward form a plan cached for the last (batch, H, W). A forward is one submit: input write,
 * one compute pass per stage (timestamped when the device can), read-back copies.
 * Activations are tokens [B·L, C] throughout; ViG-H's channel-first stage outputs are transposed
 * on the CPU after read-back.
 */
import type { GpuContext } from '../../gpu/context';
import type { Params } from '../../ops/types';
import type { Tensor } from '../../tensor/tensor';
import { glaDispatches, uploadGlaWeights } from '../../ops/gla/gpu';
import type { GpuForwardOptions, GpuForwardResult, ModelInput } from '../types';
import { blockGlaConfig } from './common';
import { subParams } from '../nn-cpu';
import { resizePosEmbed, vigAttentionSites, vigMlpHidden, type VigConfig } from './vig';
import { renameLegacyVigHKeys, vigHAttentionSites, vigHMlpHidden, type VigHConfig } from './vig_h';
import type { GlaConfig } from '../../ops/gla/spec';
import { settingKey } from '../knobs';
import { knobSites } from '../knob-apply';
import type { AttentionSite } from '../types';
import { captures, convOutSize, runBackbonePlan, swigluDispatch, PlanBuilder, GpuWeightStore, WeightStores, type BackbonePlan, type PlanSlot } from '../../gpu/plan';

/**
 * stages: ViG tokens [B, L, C] per block, ViG-H [B, C, H, W] per stage (as the fixtures);
 * stageMs: stage 0 excludes the patch embed, ViG-H stage i > 0 includes its downsample;
 * capture: attention site i = ViG block i, ViG-H (stage, block) in order; tokens [1, L, C].
 */
export type VigGpuOptions = GpuForwardOptions;
export type VigGpuResult = GpuForwardResult;

interface Plan extends BackbonePlan {
  stages: Array<PlanSlot & { C: number; L: number }>;
  /** ViG-H: stages are channel-first in the fixtures */
  channelFirst: boolean;
}

type WeightStore = GpuWeightStore<Plan>;
const stores = new WeightStores((ctx, w) => new GpuWeightStore<Plan>(ctx, w));

/** Drop the GPU copies of `w` (weights and cached activations) now instead of at GC. */
export function releaseVigGpu(ctx: GpuContext, w: Params): void {
  stores.release(ctx, w);
}

/** Shared tail of a block: r = t + a (· γ1), n = norm2(r); MLP; sum = r + m (· γ2), n = next norm. */
function mlpTail(pb: PlanBuilder, st: WeightStore, o: {
  t: GPUBuffer; a: GPUBuffer; BL: number; C: number; I: number; n: GPUBuffer;
  norm2: { mode: 'rms' | 'ln'; w: string; b?: string; eps: number }; fc1: string; fc2: string;
  gamma1?: GPUBuffer; gamma2?: GPUBuffer; sum: GPUBuffer; next: { mode: 'rms' | 'ln' | 'none'; w?: string; b?: string; eps: number };
}): void {
  const { BL, C, I } = o;
  const r = pb.scratch('r', BL * C);
  pb.norm({ rows: BL, C, x: o.t, delta: { buf: o.a, rows: BL, scale: o.gamma1 }, sum: r, mode: o.norm2.mode, weight: st.get(o.norm2.w), bias: o.norm2.b ? st.get(o.norm2.b) : undefined, eps: o.norm2.eps, out: o.n });
  const h = pb.scratch('h', BL * 2 * I);
  const hm = pb.scratch('hmid', BL * I);
  pb.linear(o.n, st.get(o.fc1), null, h, BL, 2 * I, C);
  pb.add(swigluDispatch(pb.ctx, h, hm, BL, I));
  const nx = o.next;
  pb.linearNorm(hm, st.get(o.fc2), null, BL, C, I, {
    x: r, scale: o.gamma2, sum: o.sum, mode: nx.mode,
    weight: nx.w ? st.get(nx.w) : undefined, bias: nx.b ? st.get(nx.b) : undefined, eps: nx.eps, out: nx.mode === 'none' ? undefined : o.n,
  });
}

function vigPlan(ctx: GpuContext, st: WeightStore, c: VigConfig, B: number, H: number, W: number, key: string, sites: GlaConfig[] | null, captureAt?: number | number[]): Plan {
  const pb = new PlanBuilder(ctx);
  const s0 = Math.floor(c.patchSize / 2);
  const k0 = s0 + 1;
  const trainGrid = Math.floor(c.imgSize / c.patchSize);
  const h1 = convOutSize(H, k0, s0, 1);
  const w1 = convOutSize(W, k0, s0, 1);
  const gh = convOutSize(h1, 3, 2, 1);
  const gw = convOutSize(w1, 3, 2, 1);
  const C = c.embedDim;
  const Ch = C / 2;
  const L = gh * gw;
  const BL = B * L;
  const I = vigMlpHidden(C);
  const input = pb.pool.fresh('input', B * 3 * H * W);
  const bias = (k: string) => (c.useBiasInPatch ? st.get(k) : null);
  // patch embed V2: conv → LN2d → SiLU → conv(3×3, s2) → LN2d (→ SiLU); + pos embed; block 0's norm
  const e1 = pb.scratch('e1', B * h1 * w1 * Ch);
  const e1n = pb.scratch('e1n', B * h1 * w1 * Ch);
  const e2 = pb.scratch('e2', BL * C);
  const e2n = pb.scratch('e2n', BL * C);
  pb.conv(input, st.get('patch_embed.proj.0.weight'), bias('patch_embed.proj.0.bias'), e1, { B, Cin: 3, H, W, Cout: Ch, k: k0, stride: s0, pad: 1, channelFirst: true });
  pb.norm({ rows: B * h1 * w1, C: Ch, x: e1, mode: 'ln', weight: st.get('patch_embed.proj.1.weight'), bias: st.get('patch_embed.proj.1.bias'), eps: 1e-5, act: 'silu', out: e1n });
  pb.conv(e1n, st.get('patch_embed.proj.3.weight'), bias('patch_embed.proj.3.bias'), e2, { B, Cin: Ch, H: h1, W: w1, Cout: C, k: 3, stride: 2, pad: 1, channelFirst: false });
  pb.norm({ rows: BL, C, x: e2, mode: 'ln', weight: st.get('patch_embed.proj.4.weight'), bias: st.get('patch_embed.proj.4.bias'), eps: 1e-5, act: c.useActInPatch ? 'silu' : 'none', out: e2n });
  const n = pb.scratch('n', BL * C);
  let t = e2n;
  const attnNorm = (i: number) => (i < c.depth ? `blocks.${i}.attn_norm.weight` : 'norm.weight');
  if (c.absPosEmbed) {
    const pos = st.derived(`pos_embed@${gh}x${gw}`, () => resizePosEmbed(st.w.pos_embed as Tensor, trainGrid, trainGrid, gh, gw).data);
    t = pb.pool.fresh('t0', BL * C);
    pb.norm({ rows: BL, C, x: e2n, delta: { buf: pos, rows: L }, sum: t, mode: 'rms', weight: st.get(attnNorm(0)), eps: 1e-6, out: n });
  } else {
    pb.norm({ rows: BL, C, x: e2n, mode: 'rms', weight: st.get(attnNorm(0)), eps: 1e-6, out: n });
  }
  pb.close('patch embed');
  const gla = blockGlaConfig({ layout: 'tokens', dim: C, heads: c.heads, expandK: c.expandK, expandV: c.expandV, actInConv: c.actInConv, outAct: c.outAct, mergeDiv: 4, H: gh, W: gw });
  const stages: Plan['stages'] = [];
  const stageGroup: number[] = [];
  for (let i = 0; i < c.depth; i++) {
    const b = `blocks.${i}.`;
    const a = pb.scratch('a', BL * C);
    if (captures(captureAt, i)) pb.capture(n, L * C, i);
    pb.add(...glaDispatches(ctx, st.block(`${b}attn.`, () => uploadGlaWeights(ctx, subParams(st.w, `${b}attn.`), gla)), sites?.[i] ?? gla, { x: n, y: a, batch: B }, pb.scratch).dispatches);
    const out = pb.pool.fresh(`stage${i}`, BL * C);
    const gam = c.initValues !== null;
    mlpTail(pb, st, {
      t, a, BL, C, I, n, norm2: { mode: 'rms', w: `${b}mlp_norm.weight`, eps: 1e-6 }, fc1: `${b}mlp.gate_proj.weight`, fc2: `${b}mlp.down_proj.weight`,
      gamma1: gam ? st.get(`${b}gamma1`) : undefined, gamma2: gam ? st.get(`${b}gamma2`) : undefined,
      sum: out, next: { mode: 'rms', w: attnNorm(i + 1), eps: 1e-6 },
    });
    stages.push({ buf: out, floats: BL * C, C, L });
    stageGroup.push(pb.close(`block ${i}`));
    t = out;
  }
  // head: n = norm(last block output) (written by the last block's tail) → token mean → Linear
  const logits = pb.head(n, B, L, C, st.get('head.weight'), st.get('head.bias'), c.numClasses);
  return { key, pool: pb.pool, input, inputShape: [B, 3, H, W], groups: pb.groups, stageGroup, logits, stages, channelFirst: false, captures: pb.captures };
}

function vigHPlan(ctx: GpuContext, st: WeightStore, c: VigHConfig, B: number, H: number, W: number, key: string, sites: GlaConfig[] | null, captureAt?: number | number[]): Plan {
  const pb = new PlanBuilder(ctx);
  const s = Math.floor(c.patchSize / 2);
  const k = s + 1;
  const D = c.dims[0];
  const h1 = convOutSize(H, k, s, 1);
  const w1 = convOutSize(W, k, s, 1);
  let gh = convOutSize(h1, k, s, 1);
  let gw = convOutSize(w1, k, s, 1);
  const input = pb.pool.fresh('input', B * 3 * H * W);
  // patch embed V2: conv → LN2d → GELU → conv → LN2d
  const p1 = pb.scratch('e1', B * h1 * w1 * (D / 2));
  const p1n = pb.scratch('e1n', B * h1 * w1 * (D / 2));
  const p2 = pb.scratch('e2', B * gh * gw * D);
  pb.conv(input, st.get('patch_embed.0.weight'), st.get('patch_embed.0.bias'), p1, { B, Cin: 3, H, W, Cout: D / 2, k, stride: s, pad: 1, channelFirst: true });
  pb.norm({ rows: B * h1 * w1, C: D / 2, x: p1, mode: 'ln', weight: st.get('patch_embed.2.weight'), bias: st.get('patch_embed.2.bias'), eps: 1e-5, act: 'gelu', out: p1n });
  pb.conv(p1n, st.get('patch_embed.5.weight'), st.get('patch_embed.5.bias'), p2, { B, Cin: D / 2, H: h1, W: w1, Cout: D, k, stride: s, pad: 1, channelFirst: false });
  let t = pb.scratch('t', B * gh * gw * D);
  pb.norm({ rows: B * gh * gw, C: D, x: p2, mode: 'ln', weight: st.get('patch_embed.7.weight'), bias: st.get('patch_embed.7.bias'), eps: 1e-5, out: t });
  pb.close('patch embed');
  const stages: Plan['stages'] = [];
  const stageGroup: number[] = [];
  const nS = c.depths.length;
  let n = pb.scratch('n', 1);
  let site = 0;
  c.depths.forEach((depth, i) => {
    if (depth < 1) throw new Error('vig_h: a stage without blocks is not supported on the GPU path');
    const d = c.dims[i];
    if (i > 0) {
      // downsample (v3): conv 3×3 s2 (+bias) on the previous stage output → LN2d
      const prev = stages[i - 1];
      const [ph, pw] = [gh, gw];
      gh = convOutSize(ph, 3, 2, 1);
      gw = convOutSize(pw, 3, 2, 1);
      const ds = pb.scratch('ds', B * gh * gw * d);
      const p = `layers.${i - 1}.downsample.`;
      pb.conv(prev.buf, st.get(`${p}1.weight`), st.get(`${p}1.bias`), ds, { B, Cin: c.dims[i - 1], H: ph, W: pw, Cout: d, k: 3, stride: 2, pad: 1, channelFirst: false });
      t = pb.scratch('t', B * gh * gw * d);
      pb.norm({ rows: B * gh * gw, C: d, x: ds, mode: 'ln', weight: st.get(`${p}3.weight`), bias: st.get(`${p}3.bias`), eps: 1e-5, out: t });
    }
    const L = gh * gw;
    const BL = B * L;
    const I = vigHMlpHidden(d);
    const gla = blockGlaConfig({ layout: 'tokens', dim: d, heads: c.heads[i], expandK: c.expandK, expandV: c.expandV, actInConv: c.actInConv, outAct: c.outAct, mergeDiv: 2, H: gh, W: gw });
    n = pb.scratch('n', BL * d);
    const blk = (j: number) => `layers.${i}.blocks.${j}.`;
    pb.norm({ rows: BL, C: d, x: t, mode: 'ln', weight: st.get(`${blk(0)}norm.weight`), bias: st.get(`${blk(0)}norm.bias`), eps: 1e-5, out: n });
    const out = pb.pool.fresh(`stage${i}`, BL * d);
    for (let j = 0; j < depth; j++) {
      const b = blk(j);
      const a = pb.scratch('a', BL * d);
      if (captures(captureAt, site)) pb.capture(n, L * d, site);
      pb.add(...glaDispatches(ctx, st.block(`${b}op.`, () => uploadGlaWeights(ctx, subParams(st.w, `${b}op.`), gla)), sites?.[site] ?? gla, { x: n, y: a, batch: B }, pb.scratch).dispatches);
      site++;
      const last = j === depth - 1;
      const next = !last
        ? { mode: 'ln' as const, w: `${blk(j + 1)}norm.weight`, b: `${blk(j + 1)}norm.bias`, eps: 1e-5 }
        : i === nS - 1
          ? { mode: 'ln' as const, w: 'classifier.norm.weight', b: 'classifier.norm.bias', eps: 1e-5 }
          : { mode: 'none' as const, eps: 1e-5 };
      // the residual stream alternates t → (r) → t; the stage's last block writes the stage buffer
      mlpTail(pb, st, {
        t, a, BL, C: d, I, n, norm2: { mode: 'ln', w: `${b}norm2.weight`, b: `${b}norm2.bias`, eps: 1e-5 }, fc1: `${b}mlp.fc1.weight`, fc2: `${b}mlp.fc2.weight`,
        sum: last ? out : t, next,
      });
    }
    stages.push({ buf: out, floats: BL * d, C: d, L });
    stageGroup.push(pb.close(i ? `downsample + stage ${i}` : 'stage 0'));
  });
  const F = c.dims[nS - 1];
  const logits = pb.head(n, B, gh * gw, F, st.get('classifier.head.weight'), st.get('classifier.head.bias'), c.numClasses);
  return { key, pool: pb.pool, input, inputShape: [B, 3, H, W], groups: pb.groups, stageGroup, logits, stages, channelFirst: true, captures: pb.captures };
}

/** [B, L, C] → [B, C, L]. */
function tokensToChannels(x: Float32Array, B: number, L: number, C: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < B; b++) {
    const o = b * L * C;
    for (let l = 0; l < L; l++) for (let ch = 0; ch < C; ch++) out[o + ch * L + l] = x[o + l * C + ch];
  }
  return out;
}

type PlanBuild = (B: number, H: number, W: number, key: string, sites: GlaConfig[] | null, capture?: number | number[]) => Plan;

function runPlanned(st: WeightStore, x: ModelInput, shape: number[], siteList: (H: number, W: number) => AttentionSite[], build: PlanBuild, o: VigGpuOptions): Promise<VigGpuResult> {
  const [B, Cin, H, W] = shape;
  if (Cin !== 3 || x.length !== B * 3 * H * W) throw new Error(`vig gpu: input [${shape}] with ${x.length} values; expected [B,3,H,W]`);
  const key = `${B}x${H}x${W}@${o.capture ?? '-'}|${settingKey(o.knobs)}`;
  return runBackbonePlan(st, key, () => build(B, H, W, key, knobSites(siteList(H, W), o.knobs) as GlaConfig[] | null, o.capture), x, o, (d, i, plan) =>
    plan.channelFirst ? tokensToChannels(d, B, plan.stages[i].L, plan.stages[i].C) : d.slice(),
  );
}

export function vigForwardGpu(ctx: GpuContext, x: ModelInput, shape: number[], w: Params, c: VigConfig, o: VigGpuOptions = {}): Promise<VigGpuResult> {
  const st = stores.get(ctx, w);
  return st.locked(() => runPlanned(st, x, shape, (H, W) => vigAttentionSites(c, H, W), (B, H, W, key, sites, cap) => vigPlan(ctx, st, c, B, H, W, key, sites, cap), o));
}

export function vigHForwardGpu(ctx: GpuContext, x: ModelInput, shape: number[], w: Params, c: VigHConfig, o: VigGpuOptions = {}): Promise<VigGpuResult> {
  // legacy key names are renamed once; the store keeps the renamed view for this weights object
  const st = stores.get(ctx, w, renameLegacyVigHKeys);
  return st.locked(() => runPlanned(st, x, shape, (H, W) => vigHAttentionSites(c, H, W), (B, H, W, key, sites, cap) => vigHPlan(ctx, st, c, B, H, W, key, sites, cap), o));
}
