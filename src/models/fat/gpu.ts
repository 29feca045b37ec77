/**
 * WebGPU forward of FAT (classification, eval) with our kernels, channel-first [B, C, H·W]
 * throughout like the official model (and the fixtures' stage outputs):
 *   stem: 4 × (dense 3×3 conv, BN folded, ReLU) (fat_conv) → 1×1 conv → GroupNorm(1);
 *   block: t = x + cpe(x) (depthwise with the residual, fasa_dwconv) → u = t + FASA(GN1(t))
 *          (src/ops/fasa through fasaDispatches, the residual fused into its mixer conv)
 *          → out = skip + fc2(DW(GELU(fc1(GN2(u))))) (GELU fused into fc1, the stride-1 ConvFFN's
 *          y + DW(y) into the depthwise kernel, the residual into fc2; in a stride-2 block the
 *          ConvFFN's DW 5×5/2 and the downsample's DW 5×5/2 write side by side into one buffer so
 *          fc2 and downsample.2 run as one 1×1 conv over the concatenation);
 *   head: GroupNorm(1) + average pool (one kernel on the GroupNorm statistics) → Linear.
 * GroupNorm(1, C) normalises a whole image: a two-level reduction (fat_gn_stats: chunk means and
 * M2; fat_gn: combine, then normalise). Eval BatchNorms are folded once when the weights are
 * uploaded (fold.ts; the FASA pool BNs by uploadFasaWeights).
 *
 * As the ViG / LITv2 forwards: weights are uploaded once per (GpuContext, weights object); the
 * activation buffers, uniforms and bind groups form a plan cached for the last (batch, H, W,
 * config, capture); a forward is one submit (input write, one compute pass for the stem, one per
 * stage, one for the head, timestamped when the device can, then the read-backs).
 */
import type { GpuContext } from '../../gpu/context';
import type { Params } from '../../ops/types';
import { depthwiseDispatch, depthwiseOutSize, fasaDispatches, pointwiseDispatch, uploadFasaWeights } from '../../ops/fasa/gpu';
import { convOutSize, runBackbonePlan, PlanBuilder, GpuWeightStore, WeightStores, type BackbonePlan, captures, captureSites } from '../../gpu/plan';
import type { GpuForwardOptions, GpuForwardResult, ModelInput } from '../types';
import { subParams } from '../nn-cpu';
import convWgsl from '../../../kernels/fat_conv.wgsl?raw';
import gnStatsWgsl from '../../../kernels/fat_gn_stats.wgsl?raw';
import gnWgsl from '../../../kernels/fat_gn.wgsl?raw';
import { fatAttentionSites, fatAttnConfig, fatBlock, fatStageGrids, fatStem, type FatConfig } from './config';
import type { FasaConfig } from '../../ops/fasa/spec';
import { settingKey } from '../knobs';
import { knobSites } from '../knob-apply';
import { foldBatchNorms } from './fold';

const GN_EPS = 1e-5;

type WeightStore = GpuWeightStore<BackbonePlan>;
const stores = new WeightStores((ctx, w) => new GpuWeightStore<BackbonePlan>(ctx, w, (key) => `fat: missing weight '${key}'`));

/** Drop the GPU copies of `w` (weights and cached activations) now instead of at GC. */
export function releaseFatGpu(ctx: GpuContext, w: Params): void {
  stores.release(ctx, w);
}

/** Chunks of the first GroupNorm level: about 2048 values each, at most 256 per image. */
export function gnSplit(S: number): { P: number; chunk: number } {
  const P = Math.max(1, Math.min(256, Math.ceil(S / 2048)));
  return { P, chunk: Math.ceil(S / P) };
}

function gnStats(pb: PlanBuilder, x: GPUBuffer, B: number, S: number): { part: GPUBuffer; P: number; chunk: number } {
  const { P, chunk } = gnSplit(S);
  const part = pb.scratch('gn.part', B * P * 2);
  pb.add({ pipeline: pb.ctx.pipeline(gnStatsWgsl), buffers: [x, part], params: { S, P, chunk }, workgroups: [P, B] });
  return { part, P, chunk };
}

/** GroupNorm(1, C) `prefix` of x [B, C, N] into y. */
function groupNorm(pb: PlanBuilder, st: WeightStore, prefix: string, x: GPUBuffer, y: GPUBuffer, B: number, C: number, N: number): void {
  const ctx = pb.ctx;
  const S = C * N;
  const { part, P, chunk } = gnStats(pb, x, B, S);
  pb.add({
    pipeline: ctx.pipeline(gnWgsl, 'gn_apply'),
    buffers: [x, part, st.get(`${prefix}.weight`), st.get(`${prefix}.bias`), y], params: { S, P, chunk, N, C, eps: GN_EPS },
    workgroups: [Math.ceil(S / 1024), B],
  });
}

/** fc2 and downsample.2 of a stride-2 block as one 1×1 conv over [ConvFFN hidden | downsampled x]. */
function fusedTail(st: WeightStore, b: string, outDim: number, hidden: number, C: number): { w: GPUBuffer; bias: GPUBuffer } {
  const w = st.derived(`${b}ffn.fc2+downsample.2@weight`, () => {
    const f = st.tensor(`${b}ffn.fc2.weight`).data;
    const d = st.tensor(`${b}downsample.2.weight`).data;
    const out = new Float64Array(outDim * (hidden + C));
    for (let o = 0; o < outDim; o++) {
      out.set(f.subarray(o * hidden, (o + 1) * hidden), o * (hidden + C));
      out.set(d.subarray(o * C, (o + 1) * C), o * (hidden + C) + hidden);
    }
    return out;
  });
  const bias = st.derived(`${b}ffn.fc2+downsample.2@bias`, () => {
    const f = st.tensor(`${b}ffn.fc2.bias`).data;
    const d = st.tensor(`${b}downsample.2.bias`).data;
    return Float64Array.from(f, (v, o) => v + d[o]);
  });
  return { w, bias };
}

/** One FATBlock: x [B, C, H·W] → out [B, outDim, Ho·Wo]; `captureBuf` receives GN1(t) (the FASA input). */
function blockPlan(pb: PlanBuilder, st: WeightStore, c: FatConfig, i: number, j: number, B: number, H: number, W: number, x: GPUBuffer, out: GPUBuffer, captureBuf?: GPUBuffer, siteCfg?: FasaConfig): void {
  const ctx = pb.ctx;
  const none = pb.dm.read;
  const { dim: C, outDim, stride, hidden } = fatBlock(c, i, j);
  const N = H * W;
  const mk = c.mlpKernelSizes[i];
  const b = `layers.${i}.blocks.${j}.`;
  const t = pb.scratch('sT', B * C * N);
  pb.add(depthwiseDispatch(ctx, x, st.get(`${b}cpe.weight`), st.get(`${b}cpe.bias`), t, { C, H, W, k: c.kernelSizes[i], stride: 1, batch: B, residual: true }));
  const n1 = captureBuf ?? pb.scratch('n', B * C * N);
  groupNorm(pb, st, `${b}norm1`, t, n1, B, C, N);
  const acfg = fatAttnConfig(c, i, H, W);
  const aw = st.block(`${b}attn.`, () => uploadFasaWeights(ctx, subParams(st.w, `${b}attn.`), acfg));
  const u = pb.scratch('sU', B * C * N);
  pb.add(...fasaDispatches(ctx, aw, siteCfg ?? acfg, { x: n1, y: u, batch: B, residual: t }, pb.scratch).dispatches);
  const n2 = pb.scratch('n', B * C * N);
  groupNorm(pb, st, `${b}norm2`, u, n2, B, C, N);
  const f = pb.scratch('ffn.h', B * hidden * N);
  pb.add(pointwiseDispatch(ctx, n2, st.get(`${b}ffn.fc1.weight`), st.get(`${b}ffn.fc1.bias`), f, { Co: hidden, Ci: C, P: N, batch: B, act: 'gelu' }, none));
  if (stride === 1) {
    // ffn.bn is folded into fc2 (fold.ts): it follows y + DW(y)
    const f2 = pb.scratch('ffn.h2', B * hidden * N);
    pb.add(depthwiseDispatch(ctx, f, st.get(`${b}ffn.dwconv.weight`), st.get(`${b}ffn.dwconv.bias`), f2, { C: hidden, H, W, k: mk, stride: 1, batch: B, residual: true }));
    pb.add(pointwiseDispatch(ctx, f2, st.get(`${b}ffn.fc2.weight`), st.get(`${b}ffn.fc2.bias`), out, { Co: outDim, Ci: hidden, P: N, batch: B, res: u }, none));
    return;
  }
  const No = depthwiseOutSize(H, mk, 2) * depthwiseOutSize(W, mk, 2);
  const K = hidden + C;
  const cat = pb.scratch('ffn.cat', B * K * No);
  pb.add(depthwiseDispatch(ctx, f, st.get(`${b}ffn.dwconv.weight`), st.get(`${b}ffn.dwconv.bias`), cat, { C: hidden, H, W, k: mk, stride: 2, batch: B, out: { channels: K, offset: 0 } }));
  pb.add(depthwiseDispatch(ctx, u, st.get(`${b}downsample.0.weight`), st.get(`${b}downsample.0.bias`), cat, { C, H, W, k: mk, stride: 2, batch: B, out: { channels: K, offset: hidden } }));
  const tail = fusedTail(st, b, outDim, hidden, C);
  pb.add(pointwiseDispatch(ctx, cat, tail.w, tail.bias, out, { Co: outDim, Ci: K, P: No, batch: B }, none));
}

function fatPlan(ctx: GpuContext, st: WeightStore, c: FatConfig, B: number, H: number, W: number, capture: number | number[] | undefined, key: string, sites: FasaConfig[] | null): BackbonePlan {
  const pb = new PlanBuilder(ctx);
  const input = pb.pool.fresh('input', B * c.inChans * H * W);
  // stem: conv{1..4} (BN folded) + ReLU, ping-ponging two buffers
  let h = H;
  let w = W;
  let cur = input;
  fatStem(c).forEach(([cin, cout, s], n) => {
    const ho = convOutSize(h, 3, s, 1);
    const wo = convOutSize(w, 3, s, 1);
    const p = `patch_embed.conv${n + 1}.conv.0`;
    const y = pb.scratch(`stem${n % 2}`, B * cout * ho * wo);
    pb.add({
      pipeline: ctx.pipeline(convWgsl),
      buffers: [cur, st.get(`${p}.weight`), st.get(`${p}.bias`), y], params: { Cin: cin, H: h, W: w, Ho: ho, Wo: wo, kh: 3, kw: 3, sh: s, sw: s, ph: 1, pw: 1, channel_first: 1, Cout: cout, relu: 1 },
      workgroups: [Math.ceil((ho * wo) / 64), Math.ceil(cout / 64), B],
    });
    cur = y;
    h = ho;
    w = wo;
  });
  const E = c.embedDims[0];
  const c5 = pb.scratch('stem.c5', B * E * h * w);
  pb.add(pointwiseDispatch(ctx, cur, st.get('patch_embed.conv5.weight'), st.get('patch_embed.conv5.bias'), c5, { Co: E, Ci: E, P: h * w, batch: B }, pb.dm.read));
  let x = pb.scratch('sX', B * E * h * w);
  groupNorm(pb, st, 'patch_embed.layernorm', c5, x, B, E, h * w);
  pb.close('stem');

  const grids = fatStageGrids(c, H, W);
  const stages: BackbonePlan['stages'] = [];
  const stageGroup: number[] = [];
  let site = 0;
  for (let i = 0; i < c.depths.length; i++) {
    if (c.depths[i] < 1) throw new Error('fat gpu: a stage without blocks is not supported');
    [h, w] = grids[i];
    for (let j = 0; j < c.depths[i]; j++) {
      const { dim, outDim, stride } = fatBlock(c, i, j);
      const No = stride === 2 ? depthwiseOutSize(h, c.mlpKernelSizes[i], 2) * depthwiseOutSize(w, c.mlpKernelSizes[i], 2) : h * w;
      const last = j === c.depths[i] - 1;
      // the block's input is read only by its first dispatch, so its output may reuse the buffer
      const out = last ? pb.pool.fresh(`stage${i}`, B * outDim * No) : pb.scratch('sX', B * outDim * No);
      let captureBuf: GPUBuffer | undefined;
      if (captures(capture, site)) {
        captureBuf = pb.pool.fresh(`capture${site}`, B * dim * h * w);
        pb.captures.push({ buf: captureBuf, floats: dim * h * w, site });
      }
      blockPlan(pb, st, c, i, j, B, h, w, x, out, captureBuf, sites?.[site]);
      site++;
      x = out;
      if (last) stages.push({ buf: out, floats: B * outDim * No });
    }
    stageGroup.push(pb.close(`stage ${i}`));
  }
  // head: GroupNorm(1) → mean over pixels (one kernel on the statistics) → Linear
  const Cl = c.embedDims[c.embedDims.length - 1];
  const last = grids[grids.length - 1];
  const N = last[0] * last[1];
  const S = Cl * N;
  const { part, P, chunk } = gnStats(pb, x, B, S);
  const pooled = pb.scratch('pooled', B * Cl);
  pb.add({
    pipeline: ctx.pipeline(gnWgsl, 'gn_pool'),
    buffers: [x, part, st.get('norm.weight'), st.get('norm.bias'), pooled], params: { S, P, chunk, N, C: Cl, eps: GN_EPS },
    workgroups: [Math.ceil(Cl / 256), B],
  });
  const logits = pb.pool.fresh('logits', B * c.numClasses);
  pb.linear(pooled, st.get('head.weight'), st.opt('head.bias'), logits, B, c.numClasses, Cl);
  pb.close('head');
  return { key, pool: pb.pool, input, inputShape: [B, c.inChans, H, W], groups: pb.groups, stageGroup, logits: { buf: logits, floats: B * c.numClasses }, stages, captures: pb.captures };
}

/** x [B, inChans, H, W] normalised, any batch and size (the stem needs H, W ≥ 1). */
export async function fatForwardGpu(ctx: GpuContext, x: ModelInput, shape: number[], w: Params, c: FatConfig, o: GpuForwardOptions = {}): Promise<GpuForwardResult> {
  const [B, Cin, H, W] = shape.length === 3 ? [1, ...shape] : shape;
  if ((shape.length !== 3 && shape.length !== 4) || Cin !== c.inChans || B < 1 || H < 1 || W < 1 || x.length !== B * Cin * H * W) {
    throw new Error(`fat gpu: input [${shape}] with ${x.length} values; expected [B, ${c.inChans}, H, W]`);
  }
  if (o.capture !== undefined) {
    const n = fatAttentionSites(c, H, W).length;
    const bad = captureSites(o.capture).find((s) => !Number.isInteger(s) || s < 0 || s >= n);
    if (bad !== undefined) throw new Error(`fat gpu: capture ${bad} is not an attention module index (0…${n - 1})`);
  }
  // BatchNorms folded once per weights object; the store keeps the folded view
  const st = stores.get(ctx, w, (v) => foldBatchNorms(v, c));
  return st.locked(async () => {
    const key = `${B}|${H}x${W}|${o.capture ?? '-'}|${JSON.stringify(c)}|${settingKey(o.knobs)}`;
    return runBackbonePlan(st, key, () => fatPlan(ctx, st, c, B, H, W, o.capture, key, knobSites(fatAttentionSites(c, H, W), o.knobs) as FasaConfig[] | null), x, o);
  });
}
