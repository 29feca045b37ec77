/**
 * WebGPU forward of GroupMixFormer (classification, eval) with our kernels:
 *   ConvStem: conv 3×3 s2 (conv2d_gemm, BN folded) → Hardswish (gmf_hswish) → conv 3×3 s2 (BN folded;
 *   its Hardswish is applied on load by the next depthwise conv);
 *   per stage PatchEmbedLayer: depthwise 3×3 (gmf_dw, stride 1 then 2) → pointwise Linear with the
 *   folded BN and Hardswish in its epilogue (linear);
 *   per block: cpe + norm1 in one kernel (gmf_cpe_norm: t = x + DW3×3(x), u = LN1(t)) → GMA
 *   (src/ops/gma through gmaDispatches, its proj accumulating into t) → norm2 (add_norm) →
 *   fc1 + GELU (linear) → fc2 accumulating into t;
 *   head: norm4 (BN) folded into the head Linear (BN is affine, so it commutes with the token
 *   mean) → token mean (meanpool) → Linear.
 * Eval BatchNorms are folded once when the weights are first uploaded (fold.ts; the aggregator's
 * by uploadGmaWeights). As the ViG/LITv2 forwards: weights are uploaded once per (GpuContext,
 * weights object); activations live in a scratch pool of a plan cached for the last
 * (batch, H, W, capture); a forward is one submit (input write, one compute pass per stage,
 * timestamped when possible, read-backs). Activations are tokens [B·N, C] throughout, as the
 * fixtures' stage outputs [B, N, C].
 */
import type { GpuContext } from '../../gpu/context';
import type { Params } from '../../ops/types';
import { linearDispatch } from '../../gpu/gemm';
import { gmaDispatches, uploadGmaWeights } from '../../ops/gma/gpu';
import { convOutSize, grid1d, runBackbonePlan, PlanBuilder, GpuWeightStore, WeightStores, type BackbonePlan, captures, captureSites } from '../../gpu/plan';
import type { GpuForwardOptions, GpuForwardResult, ModelInput } from '../types';
import cpeNormWgsl from '../../../kernels/gmf_cpe_norm.wgsl?raw';
import dwWgsl from '../../../kernels/gmf_dw.wgsl?raw';
import hswishWgsl from '../../../kernels/gmf_hswish.wgsl?raw';
import { subParams } from '../nn-cpu';
import { blockPrefix, gmfAttentionSites, gmfAttnConfig, gmfGrids, type GmfConfig } from './config';
import type { GmaConfig } from '../../ops/gma/spec';
import { settingKey } from '../knobs';
import { knobSites } from '../knob-apply';
import { foldBatchNorms } from './fold';

const LN_EPS = 1e-6;
const BN_EPS = 1e-5;

type WeightStore = GpuWeightStore<BackbonePlan>;
const stores = new WeightStores((ctx, w) => new GpuWeightStore<BackbonePlan>(ctx, w, (key) => `groupmixformer: missing weight '${key}'`));

/** Drop the GPU copies of `w` (weights and cached activations) now instead of at GC. */
export function releaseGmfGpu(ctx: GpuContext, w: Params): void {
  stores.release(ctx, w);
}



/** norm4 (eval BN on the last map) folded into the head: W' = W·diag(sc), b' = b + W·sh. */
function foldedHead(st: WeightStore, c: GmfConfig): { w: GPUBuffer; b: GPUBuffer } {
  const E = c.embeddingDims[3];
  const affine = () => {
    const sc = new Float64Array(E).fill(1);
    const sh = new Float64Array(E);
    if (st.w['norm4.running_mean']) {
      const g = st.w['norm4.weight']?.data;
      const b = st.w['norm4.bias']?.data;
      const m = st.tensor('norm4.running_mean').data;
      const v = st.tensor('norm4.running_var').data;
      for (let e = 0; e < E; e++) {
        sc[e] = (g ? g[e] : 1) / Math.sqrt(v[e] + BN_EPS);
        sh[e] = (b ? b[e] : 0) - m[e] * sc[e];
      }
    }
    return { sc, sh };
  };
  const w = st.derived('head.weight@norm4', () => {
    const { sc } = affine();
    return Float64Array.from(st.tensor('head.weight').data, (v, i) => v * sc[i % E]);
  });
  const b = st.derived('head.bias@norm4', () => {
    const { sh } = affine();
    const hw = st.tensor('head.weight').data;
    const hb = st.w['head.bias']?.data;
    return Float64Array.from({ length: c.numClasses }, (_, k) => {
      let a = hb ? hb[k] : 0;
      for (let e = 0; e < E; e++) a += hw[k * E + e] * sh[e];
      return a;
    });
  });
  return { w, b };
}

function gmfPlan(ctx: GpuContext, st: WeightStore, c: GmfConfig, B: number, H: number, W: number, capture: number | number[] | undefined, key: string, sites: GmaConfig[] | null): BackbonePlan {
  const grids = gmfGrids(H, W);
  const pb = new PlanBuilder(ctx);
  const E = c.embeddingDims;
  const mid = Math.floor(E[0] / 2);
  const input = pb.pool.fresh('input', B * c.inDim * H * W);

  // ConvStem (BNs folded into the convs)
  const h1 = convOutSize(H, 3, 2, 1);
  const w1 = convOutSize(W, 3, 2, 1);
  const e1 = pb.scratch('stem1', B * h1 * w1 * mid);
  pb.conv(input, st.get('conv_stem.proj1.weight'), st.opt('conv_stem.proj1.bias'), e1,
    { B, Cin: c.inDim, H, W, Cout: mid, k: 3, stride: 2, pad: 1, channelFirst: true });
  const n1 = B * h1 * w1 * mid;
  pb.add({ pipeline: ctx.pipeline(hswishWgsl), buffers: [e1], params: { n: n1 }, workgroups: grid1d(Math.ceil(n1 / 256)) });
  let [ph, pw] = grids[0];
  let prev = pb.scratch('stem2', B * ph * pw * E[0]);
  pb.conv(e1, st.get('conv_stem.proj2.weight'), st.opt('conv_stem.proj2.bias'), prev,
    { B, Cin: mid, H: h1, W: w1, Cout: E[0], k: 3, stride: 2, pad: 1, channelFirst: false });
  pb.close('conv stem');

  const stages: BackbonePlan['stages'] = [];
  const stageGroup: number[] = [];
  let site = 0;
  let prevC = E[0];
  for (let i = 0; i < 4; i++) {
    const [h, w] = grids[i];
    const N = h * w;
    const BN = B * N;
    const C = E[i];
    const hid = Math.floor(C * c.mlpRatios[i]);
    const depth = c.serialDepths[i];
    const out = pb.pool.fresh(`stage${i}`, BN * C);

    // PatchEmbedLayer: DW 3×3 (stride 1 for stage 0, else 2) → 1×1 + folded BN → Hardswish
    const pe = `patch_embed_layers.${i}`;
    const dwOut = pb.scratch('pe.dw', BN * prevC);
    const dwBias = st.opt(`${pe}.proj.conv1.bias`);
    pb.add({
      pipeline: ctx.pipeline(dwWgsl),
      buffers: [prev, st.get(`${pe}.proj.conv1.weight`), dwBias ?? pb.dm.read, dwOut], params: { Hin: ph, Win: pw, Ho: h, Wo: w, C: prevC, K: 3, stride: i === 0 ? 1 : 2, pad: 1, has_bias: dwBias ? 1 : 0, in_act: i === 0 ? 1 : 0 },
      workgroups: [...grid1d(Math.ceil((N * prevC) / 256)), B],
    });
    const sA = pb.scratch('sA', BN * C);
    const sB = pb.scratch('sB', BN * C);
    let cur = depth ? sA : out;
    pb.add(linearDispatch(ctx, dwOut, st.get(`${pe}.proj.pointwise_conv.weight`), st.opt(`${pe}.proj.pointwise_conv.bias`), cur, BN, C, prevC, { act: 'hswish' }));

    const acfg = gmfAttnConfig(c, i, h, w);
    for (let b = 0; b < depth; b++) {
      const p = blockPrefix(i, b);
      // the stream alternates sA ↔ sB; the stage's last block writes the stage buffer
      const t = b === depth - 1 ? out : cur === sA ? sB : sA;
      let u = pb.scratch('u', BN * C);
      if (captures(capture, site)) {
        u = pb.pool.fresh(`capture${site}`, BN * C);
        pb.captures.push({ buf: u, floats: N * C, site });
      }
      site++;
      pb.add({
        pipeline: ctx.pipeline(cpeNormWgsl),
        buffers: [cur, st.get(`${p}cpe.proj.weight`), st.get(`${p}cpe.proj.bias`), st.get(`${p}norm1.weight`), st.get(`${p}norm1.bias`), t, u], params: { rows: BN, N, H: h, W: w, C, eps: LN_EPS },
        workgroups: grid1d(BN),
      });
      const gw = st.block(`${p}att.`, () => uploadGmaWeights(ctx, subParams(st.w, `${p}att.`), acfg));
      // (site was advanced above: this block is site − 1)
      pb.add(...gmaDispatches(ctx, gw, sites?.[site - 1] ?? acfg, { x: u, y: t, batch: B, accumulate: true }, pb.scratch).dispatches);
      const n = pb.scratch('n', BN * C);
      pb.norm({ rows: BN, C, x: t, mode: 'ln', weight: st.get(`${p}norm2.weight`), bias: st.get(`${p}norm2.bias`), eps: LN_EPS, out: n });
      const hb = pb.scratch('mlp.h', BN * hid);
      pb.add(
        linearDispatch(ctx, n, st.get(`${p}mlp.fc1.weight`), st.opt(`${p}mlp.fc1.bias`), hb, BN, hid, C, { act: 'gelu' }),
        linearDispatch(ctx, hb, st.get(`${p}mlp.fc2.weight`), st.opt(`${p}mlp.fc2.bias`), t, BN, C, hid, { accumulate: true }),
      );
      cur = t;
    }
    stages.push({ buf: out, floats: BN * C });
    stageGroup.push(pb.close(`stage ${i}`));
    prev = out;
    prevC = C;
    [ph, pw] = [h, w];
  }
  const missing = captureSites(capture).filter((s) => !pb.captures.some((c) => c.site === s));
  if (missing.length) throw new Error(`groupmixformer: no attention module ${missing.join(', ')} (the model has ${site})`);

  // head: mean over tokens → Linear with norm4 folded in
  const head = foldedHead(st, c);
  const logits = pb.head(prev, B, ph * pw, prevC, head.w, head.b, c.numClasses);
  return { key, pool: pb.pool, input, inputShape: [B, c.inDim, H, W], groups: pb.groups, stageGroup, logits, stages, captures: pb.captures };
}

/** x [B, inDim, H, W] normalised; H and W multiples of 32 (as the official model requires). */
export async function gmfForwardGpu(ctx: GpuContext, x: ModelInput, shape: number[], w: Params, c: GmfConfig, o: GpuForwardOptions = {}): Promise<GpuForwardResult> {
  const [B, Cin, H, W] = shape.length === 3 ? [1, ...shape] : shape;
  if (Cin !== c.inDim || x.length !== B * Cin * H * W) {
    throw new Error(`groupmixformer gpu: input [${shape}] with ${x.length} values; expected [B, ${c.inDim}, H, W]`);
  }
  gmfGrids(H, W); // the official model's size rule, before anything is built
  // BNs folded once, when this weights object is first seen on this context
  const st = stores.get(ctx, w, (v) => foldBatchNorms(v, c));
  return st.locked(async () => {
    const key = `${B}x${H}x${W}|${o.capture ?? ''}|${JSON.stringify(c)}|${settingKey(o.knobs)}`;
    return runBackbonePlan(st, key, () => gmfPlan(ctx, st, c, B, H, W, o.capture, key, knobSites(gmfAttentionSites(c, H, W), o.knobs) as GmaConfig[] | null), x, o);
  });
}
