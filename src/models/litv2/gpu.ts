/**
 * WebGPU forward of LITv2 (classification, eval) with our kernels: PatchEmbed (conv2d_gemm + LayerNorm),
 * per block [LayerNorm → HiLo (src/ops/hilo through hiloDispatches) → residual] and
 * LayerNorm → DWMlp (Linear → depthwise 3×3 + GELU (dwconv) → Linear) → residual, DTM between
 * stages (offset conv (conv2d_gemm) → deformable im2col (litv2_deform) → Linear → eval BatchNorm + GELU,
 * fused with the next stage's first LayerNorm (litv2_row_norm)), then LayerNorm → token mean → head.
 * Residual adds are fused into the following LayerNorm (add_norm: sum = x + delta, out = LN(sum); at
 * small batch litv2_row_norm also adds up fc2's split-K partial sums). Linears pick their kernel by
 * shape (./gemm.ts); HiLo runs as its fused dispatch list (6 per stage-2 block).
 *
 * As the ViG forward: weights are uploaded once per (GpuContext, weights object) and kept in a
 * WeakMap; activations live in a scratch pool of a plan cached for the last batch size; a forward
 * is one submit (input write, one compute pass per stage, timestamped when possible, read-backs).
 * Activations are tokens [B·L, C] throughout, as the fixtures' stage outputs [B, L, C].
 */
import type { GpuContext } from '../../gpu/context';
import type { Params } from '../../ops/types';
import type { GpuForwardOptions, GpuForwardResult, ModelInput } from '../types';
import { gemmDispatches } from '../../gpu/gemm';
import { hiloDispatches, uploadHiloWeights, type LinearBuilder } from '../../ops/hilo/gpu';
import { dwconvDispatch, grid1d, meanPoolDispatch, runBackbonePlan, PlanBuilder, GpuWeightStore, WeightStores, type BackbonePlan, type NormSpec, captures } from '../../gpu/plan';
import { expandWgsl, kernelText } from '../../gpu/wgsl';
import dwconvV4Wgsl from '../../../kernels/dwconv_gelu_v4.wgsl?raw';
import deformWgsl from '../../../kernels/litv2_deform.wgsl?raw';
import rowNormWgsl from '../../../kernels/litv2_row_norm.wgsl?raw';
import { litv2AttentionSites, stageGeom, stageHilo, validateLitv2, type Litv2Config } from './config';
import type { HiloConfig } from '../../ops/hilo/spec';
import { settingKey } from '../knobs';
import { knobSites } from '../knob-apply';
import { subParams } from '../nn-cpu';

/**
 * logits: [B, numClasses] (the pooled features when numClasses = 0); stages: output of the last
 * block of layers.i, tokens [B, H·W, C]; stageMs: stage i > 0 includes the DTM before it, stage 0
 * excludes the patch embed; capture: site i = i-th HiLo block in forward order, tokens [1, N, C].
 */
export type Litv2GpuOptions = GpuForwardOptions;
export type Litv2GpuResult = GpuForwardResult;

const LN_EPS = 1e-5;
const BN_EPS = 1e-5;

type Plan = BackbonePlan;

type WeightStore = GpuWeightStore<Plan>;
const stores = new WeightStores((ctx, w) => new GpuWeightStore<Plan>(ctx, w, (key) => `litv2: missing weight '${key}'`));

/** Drop the GPU copies of `w` (weights and cached activations) now instead of at GC. */
export function releaseLitv2Gpu(ctx: GpuContext, w: Params): void {
  stores.release(ctx, w);
}

/** LayerNorm `prefix` ('layers.0.blocks.1.norm2', 'norm', …) as a norm spec's weight/bias. */
const lnOf = (st: WeightStore, prefix: string) => ({ mode: 'ln' as const, weight: st.get(`${prefix}.weight`), bias: st.get(`${prefix}.bias`), eps: LN_EPS });

/** The plan's Linear: kernel chosen by shape (./gemm.ts: big tiles at batch 32, split K at batch 1). */
const linearOf = (pb: PlanBuilder): LinearBuilder => (x, w, b, y, M, N, K) => gemmDispatches(pb.ctx, pb.scratch, x, w, b, y, M, N, K);

/** Output pixels per thread of the vec4 depthwise kernel (dwconv_gelu_v4.wgsl). */
const DW_RUN = 8;

/** What follows a row value v: LayerNorm into `out`, or nothing (the fields of a NormSpec). */
type Next = Pick<NormSpec, 'mode' | 'weight' | 'bias' | 'eps' | 'out'>;

/** The DTM's tail (litv2_row_norm.wgsl): v = GELU(BatchNorm(a)) per row → `sum`, then `next` (LayerNorm → out, or none), one dispatch. */
function bnGeluNorm(pb: PlanBuilder, rows: number, C: number, a: GPUBuffer, scale: GPUBuffer, shift: GPUBuffer, sum: GPUBuffer, next: Next): void {
  const d = pb.dm;
  const ln = next.mode === 'ln';
  pb.add({
    pipeline: pb.ctx.pipeline(expandWgsl(rowNormWgsl, { C })),
    buffers: [a, scale, shift, (ln && next.weight) || d.read, (ln && next.bias) || d.read, sum, (ln && next.out) || d.out],
    params: { rows, C, mode: ln ? 2 : 0, has_nb: ln && next.bias ? 1 : 0, eps: next.eps ?? LN_EPS },
    workgroups: grid1d(rows),
  });
}

/**
 * DWMlp on n [BL, C]: fc1 → DW k×k + bias → GELU → fc2, then the block tail: x + fc2 → sum, `next`.
 * When fc2 splits K (small batch) its partial sums go straight into the tail (litv2_row_norm), one
 * dispatch instead of the split reduce and the residual LayerNorm.
 */
function dwMlp(pb: PlanBuilder, st: WeightStore, prefix: string, n: GPUBuffer, B: number, H: number, W: number, C: number, hidden: number, tail: { x: GPUBuffer; sum: GPUBuffer; next: Next }): void {
  const BL = B * H * W;
  const h = pb.scratch('mlp.h', BL * hidden);
  const g = pb.scratch('mlp.g', BL * hidden);
  const wKey = `${prefix}.dwconv.dwconv.weight`;
  const dw = st.tensor(wKey);
  const k = dw.shape[2];
  const pad = Math.floor(k / 2);
  const lin = linearOf(pb);
  pb.add(...lin(n, st.get(`${prefix}.fc1.weight`), st.opt(`${prefix}.fc1.bias`), h, BL, hidden, C));
  if (hidden % 4 === 0) {
    // 4 channels × a run of pixels per thread, taps [k·k, hidden] so a quad's taps are one vec4
    const taps = st.derived(`${wKey}@taps`, () => {
      const out = new Float64Array(dw.data.length);
      for (let c = 0; c < hidden; c++) for (let t = 0; t < k * k; t++) out[t * hidden + c] = dw.data[c * k * k + t];
      return out;
    });
    const runs = Math.ceil(W / DW_RUN);
    pb.add({
      pipeline: pb.ctx.pipeline(expandWgsl(kernelText('dwconv_gelu_v4.wgsl', dwconvV4Wgsl), { K: k, RUN: DW_RUN })),
      buffers: [h, taps, st.get(`${prefix}.dwconv.dwconv.bias`), g], params: { H, W, C4: hidden / 4, pad, runs },
      workgroups: [Math.ceil(hidden / 4 / 64), H * runs, B],
    });
  } else {
    pb.add(dwconvDispatch(pb.ctx, h, st.get(wKey), st.get(`${prefix}.dwconv.dwconv.bias`), g, { B, H, W, C: hidden, k, pad, act: 'gelu' }));
  }
  pb.linearNorm(g, st.get(`${prefix}.fc2.weight`), st.opt(`${prefix}.fc2.bias`), BL, C, hidden, { x: tail.x, sum: tail.sum, ...tail.next });
}

/**
 * DTM: x tokens [B, H·W, C] → DeformConv(k 2, s 2) → BatchNorm (eval) → GELU → `sum` [B, H/2·W/2, 2C],
 * the next stage's stream, and `next` (its first LayerNorm) in the same dispatch (litv2_row_norm).
 */
function dtm(pb: PlanBuilder, st: WeightStore, prefix: string, x: GPUBuffer, B: number, H: number, W: number, C: number, sum: GPUBuffer, next: Next): void {
  const ctx = pb.ctx;
  const k = 2;
  const stride = 2;
  const pad = 0;
  const Ho = Math.floor((H + 2 * pad - k) / stride) + 1;
  const Wo = Math.floor((W + 2 * pad - k) / stride) + 1;
  const rows = B * Ho * Wo;
  const weight = st.tensor(`${prefix}.dconv.weight`);
  const O = weight.shape[0];
  const offC = st.tensor(`${prefix}.dconv.conv_offset.weight`).shape[0];
  if (offC !== 2 * k * k) throw new Error(`litv2 DTM: conv_offset has ${offC} outputs, expected ${2 * k * k}`);
  const off = pb.scratch('dtm.off', rows * offC);
  pb.conv(x, st.get(`${prefix}.dconv.conv_offset.weight`), st.opt(`${prefix}.dconv.conv_offset.bias`), off,
    { B, Cin: C, H, W, Cout: offC, k, stride, pad, channelFirst: false });
  const cols = pb.scratch('dtm.cols', rows * C * k * k);
  pb.add({
    pipeline: ctx.pipeline(deformWgsl),
    buffers: [x, off, cols], params: { H, W, C, Ho, Wo, k, stride, pad },
    workgroups: [Math.ceil(C / 64), Ho * Wo, B],
  });
  const lin = pb.scratch('dtm.lin', rows * O);
  pb.add(...linearOf(pb)(cols, st.get(`${prefix}.dconv.weight`), st.opt(`${prefix}.dconv.bias`), lin, rows, O, C * k * k));
  // eval BatchNorm as a per-channel affine, folded once in float64
  const bn = (n: string) => st.tensor(`${prefix}.norm_layer.${n}`).data;
  const scale = () => {
    const g = bn('weight');
    const v = bn('running_var');
    return Float64Array.from(g, (gi, i) => gi / Math.sqrt(v[i] + BN_EPS));
  };
  const sc = st.derived(`${prefix}.norm_layer@scale`, scale);
  const sh = st.derived(`${prefix}.norm_layer@shift`, () => {
    const s = scale();
    const b = bn('bias');
    const mu = bn('running_mean');
    return Float64Array.from(b, (bi, i) => bi - mu[i] * s[i]);
  });
  bnGeluNorm(pb, rows, O, lin, sc, sh, sum, next);
}

function litv2Plan(ctx: GpuContext, st: WeightStore, c: Litv2Config, B: number, key: string, sites: HiloConfig[] | null, captureAt?: number | number[]): Plan {
  validateLitv2(c);
  const pb = new PlanBuilder(ctx);
  const S = c.imgSize;
  const nS = c.depths.length;
  const input = pb.pool.fresh('input', B * c.inChans * S * S);
  let { C, H, W } = stageGeom(c, 0);
  // PatchEmbed: conv k = s = patch → tokens (→ LayerNorm); the stream always starts a stage in 's0'
  const pe = pb.scratch(c.patchNorm ? 'pe' : 's0', B * H * W * C);
  pb.conv(input, st.get('patch_embed.proj.weight'), st.opt('patch_embed.proj.bias'), pe,
    { B, Cin: c.inChans, H: S, W: S, Cout: C, k: c.patchSize, stride: c.patchSize, pad: 0, channelFirst: true });
  if (c.patchNorm) pb.norm({ rows: B * H * W, C, x: pe, ...lnOf(st, 'patch_embed.norm'), out: pb.scratch('s0', B * H * W * C) });
  pb.close('patch embed');

  const stages: Plan['stages'] = [];
  const stageGroup: number[] = [];
  let n = pb.scratch('n', 1);
  let site = 0;
  for (let i = 0; i < nS; i++) {
    const g = stageGeom(c, i);
    const BL = B * g.H * g.W;
    const [pH, pW, pC] = [H, W, C];
    ({ C, H, W } = g);
    const s0 = pb.scratch('s0', BL * C);
    const s1 = pb.scratch('s1', BL * C);
    const flip = (b: GPUBuffer) => (b === s0 ? s1 : s0);
    n = pb.scratch('n', BL * C);
    const out = pb.pool.fresh(`stage${i}`, BL * C);
    const last = i === nS - 1;
    const msa = Boolean(c.hasMsa[i]);
    const blk = (j: number) => `layers.${i}.blocks.${j}`;
    const firstNorm = (j: number) => `${blk(j)}.${msa ? 'norm1' : 'norm2'}`;
    const depth = c.depths[i];
    // the stage's stream starts in s0, or — an empty stage passes its input on — in its output,
    // then the first block's norm (for an empty last stage the head's)
    const start = depth === 0 ? out : s0;
    const first: Next = depth > 0 ? { ...lnOf(st, firstNorm(0)), out: n } : last ? { ...lnOf(st, 'norm'), out: n } : { mode: 'none' };
    if (i > 0) dtm(pb, st, `layers.${i - 1}.downsample`, stages[i - 1].buf, B, pH, pW, pC, start, first);
    else pb.norm({ rows: BL, C, x: s0, ...(depth === 0 ? { sum: out } : {}), ...first });
    let cur = s0;
    const hcfg = msa ? stageHilo(c, i, H, W) : null;
    for (let j = 0; j < depth; j++) {
      if (hcfg) {
        const a = pb.scratch('a', BL * C);
        if (captures(captureAt, site)) pb.capture(n, H * W * C, site);
        pb.add(...hiloDispatches(ctx, st.block(`${blk(j)}.attn.`, () => uploadHiloWeights(ctx, subParams(st.w, `${blk(j)}.attn.`), hcfg)), sites?.[site] ?? hcfg, { x: n, y: a, batch: B }, pb.scratch, { linear: linearOf(pb) }).dispatches);
        site++;
        const alt = flip(cur);
        pb.norm({ rows: BL, C, x: cur, delta: { buf: a, rows: BL }, sum: alt, ...lnOf(st, `${blk(j)}.norm2`), out: n });
        cur = alt;
      }
      const end = j === depth - 1;
      const dest = end ? out : flip(cur);
      const next: Next = !end ? { ...lnOf(st, firstNorm(j + 1)), out: n } : last ? { ...lnOf(st, 'norm'), out: n } : { mode: 'none' };
      dwMlp(pb, st, `${blk(j)}.mlp`, n, B, H, W, C, g.hidden, { x: cur, sum: dest, next });
      cur = dest;
    }
    stages.push({ buf: out, floats: BL * C });
    stageGroup.push(pb.close(i ? `downsample + stage ${i}` : 'stage 0'));
  }
  // head: n = norm(last stage) (written by the last block's tail) → token mean → Linear
  const L = H * W;
  const pooled = c.numClasses > 0 ? pb.scratch('pooled', B * C) : pb.pool.fresh('logits', B * C);
  pb.add(meanPoolDispatch(ctx, n, pooled, B, L, C));
  let logits = pooled;
  if (c.numClasses > 0) {
    logits = pb.pool.fresh('logits', B * c.numClasses);
    pb.add(...linearOf(pb)(pooled, st.get('head.weight'), st.opt('head.bias'), logits, B, c.numClasses, C));
  }
  pb.close('head');
  const nOut = c.numClasses > 0 ? c.numClasses : C;
  return { key, pool: pb.pool, input, inputShape: [B, c.inChans, S, S], groups: pb.groups, stageGroup, logits: { buf: logits, floats: B * nOut }, stages, captures: pb.captures };
}

/** x [B, inChans, S, S] normalised, S = img_size exactly (as the official PatchEmbed asserts). */
export function litv2ForwardGpu(ctx: GpuContext, x: ModelInput, shape: number[], w: Params, c: Litv2Config, o: Litv2GpuOptions = {}): Promise<Litv2GpuResult> {
  const [B, Cin, H, W] = shape.length === 3 ? [1, ...shape] : shape;
  if (Cin !== c.inChans || H !== c.imgSize || W !== c.imgSize || x.length !== B * Cin * H * W) {
    throw new Error(`litv2 gpu: input [${shape}] with ${x.length} values; the model takes exactly [B, ${c.inChans}, ${c.imgSize}, ${c.imgSize}]`);
  }
  const st = stores.get(ctx, w);
  return st.locked(async () => {
    const key = `${B}|${o.capture ?? '-'}|${JSON.stringify(c)}|${settingKey(o.knobs)}`;
    return runBackbonePlan(st, key, () => litv2Plan(ctx, st, c, B, key, knobSites(litv2AttentionSites(c), o.knobs) as HiloConfig[] | null, o.capture), x, o);
  });
}
