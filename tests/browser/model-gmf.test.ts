/**
 * GroupMixFormer WebGPU forward against the float64 CPU reference on tiny configs at batch 2: the
 * official layout (8 heads, 5 segments, BNs folded on upload), and an odd one (non-square input
 * that is not a multiple of 32 but still halves exactly, a stage without blocks, no qkv bias, an
 * explicit qk_scale, per-head width 10, fractional MLP ratio, weights folded before upload). Then
 * the plan cache (batch 1 after batch 2), the attention capture and its sites, the size rule, and
 * the GMA op after its dispatch-list refactor (rows maps, a batch of two images with the residual
 * add in one gmaDispatches).
 */
import { expectMatchesReference } from './model-expect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GpuContext } from '../../src/gpu/context';
import { syntheticParams } from '../../src/ops/common/params';
import { foldBatchNorms, gmf, releaseGmfGpu, type GmfConfig } from '../../src/models/gmf';
import { gmfForward } from '../../src/models/gmf/forward';
import { gmaNoMaps } from '../../src/models/gmf/attention';
import { depthwiseFast, sample, tokensToImage, imageToTokens, addInPlace, need } from '../../src/models/nn-cpu';
import { layerNorm } from '../../src/tensor/ops';
import { relL2, type Tensor } from '../../src/tensor/tensor';
import { prngInput } from '../../src/weights/prng';
import { gma } from '../../src/ops/gma';
import { gmaDispatches, uploadGmaWeights } from '../../src/ops/gma/gpu';
import type { GmaConfig } from '../../src/ops/gma/spec';
import type { Params } from '../../src/ops/types';

let ctx: GpuContext;
beforeAll(async () => {
  ctx = await GpuContext.acquire(navigator.gpu);
});
afterAll(() => ctx?.destroy());

const tinyOfficial: GmfConfig = {
  embeddingDims: [20, 20, 40, 40], serialDepths: [1, 2, 1, 1], numHeads: 8, mlpRatios: [2, 2, 2, 2],
  qkvBias: true, qkScale: null, inDim: 3, numClasses: 10,
};
const tinyOdd: GmfConfig = {
  embeddingDims: [30, 100, 40, 20], serialDepths: [2, 1, 0, 1], numHeads: 8, mlpRatios: [4, 1, 3, 1.5],
  qkvBias: false, qkScale: 0.3, inDim: 3, numClasses: 7,
};

const weights = (cfg: GmfConfig, tag: string): Params => syntheticParams(gmf.expectedKeys(cfg), `test:${tag}`);

async function compare(cfg: GmfConfig, tag: string, H: number, W: number, prefold = false) {
  const p = weights(cfg, tag);
  const B = 2;
  const x = prngInput(`model-gpu:${tag}`, B * 3 * H * W);
  const ref = gmf.forwardReference({ shape: [B, 3, H, W], data: x }, p, cfg);
  const gw = prefold ? foldBatchNorms(p, cfg) : p;
  const got = await gmf.forwardGpu!(ctx, Float32Array.from(x), [B, 3, H, W], gw, cfg);
  expectMatchesReference(got, ref);
  if (got.stageMs) expect(got.stageMs.length).toBe(4);
  // cached weights + a new plan for batch 1 give image 1's result again
  const one = await gmf.forwardGpu!(ctx, Float32Array.from(x.subarray(3 * H * W)), [1, 3, H, W], gw, cfg, { stages: false });
  const n = ref.logits.data.length / B;
  expect(one.stages).toEqual([]);
  expect(relL2(one.logits, ref.logits.data.subarray(n)), 'batch 1 after batch 2').toBeLessThan(1e-3);
  releaseGmfGpu(ctx, gw);
}

describe('GroupMixFormer forwardGpu = forwardReference (batch 2)', () => {
  it('official layout, 64×64 input', () => compare(tinyOfficial, 'gmf-a', 64, 64));
  it('94×62 input (not multiples of 32, still halving), empty stage, no qkv bias, qk_scale, Ch = 10, weights folded before', () => compare(tinyOdd, 'gmf-b', 94, 62, true));
});

describe('GroupMixFormer size rule and attention capture', () => {
  it('a size whose stages do not halve is refused before anything runs', async () => {
    const p = weights(tinyOfficial, 'gmf-size');
    await expect(gmf.forwardGpu!(ctx, new Float32Array(3 * 72 * 64), [1, 3, 72, 64], p, tinyOfficial)).rejects.toThrow(/multiples of 32/);
    await expect(gmf.forwardGpu!(ctx, new Float32Array(5), [1, 3, 64, 64], p, tinyOfficial)).rejects.toThrow(/expected \[B, 3, H, W\]/);
  });

  it('sites: one GMA per block in forward order with the stage grid; capture = the CPU attention input', async () => {
    const cfg = tinyOfficial;
    const [H, W] = [64, 96];
    const sites = gmf.attentionSites!(cfg, H, W);
    expect(sites.map((s) => s.label)).toEqual(['stage 0 · block 0', 'stage 1 · block 0', 'stage 1 · block 1', 'stage 2 · block 0', 'stage 3 · block 0']);
    expect(sites.map((s) => [(s.opConfig as GmaConfig).H, (s.opConfig as GmaConfig).W, (s.opConfig as GmaConfig).dim])).toEqual([[16, 24, 20], [8, 12, 20], [8, 12, 20], [4, 6, 40], [2, 3, 40]]);
    const p = weights(cfg, 'gmf-capture');
    const B = 2;
    const x = prngInput('gmf-capture-x', B * 3 * H * W);
    const index = 2; // stage 1, block 1: after a whole stage and one block of the same stage
    const site = sites[index];
    const got = await gmf.forwardGpu!(ctx, Float32Array.from(x), [B, 3, H, W], p, cfg, { capture: index, stages: false });
    const acfg = site.opConfig as GmaConfig;
    const N = acfg.H * acfg.W;
    expect(got.captured?.length).toBe(gma.inputShape(acfg).reduce((a, b) => a * b, 1));
    // CPU: the input of stage 1's block 1 = stage 1's output when it has one block only, then cpe + norm1
    const before = gmfForward({ shape: [B, 3, H, W], data: x }, p, { ...cfg, serialDepths: [1, 1, 0, 0] }).stages[1];
    const x0 = sample(before, 0);
    const pre = 'groupmixformer_backbone.1.gma_stage.1.';
    const t = addInPlace(imageToTokens(depthwiseFast(tokensToImage(x0, acfg.H, acfg.W), need(p, `${pre}cpe.proj.weight`), p[`${pre}cpe.proj.bias`], { padding: 1 })), x0);
    const u = layerNorm(t, p[`${pre}norm1.weight`], p[`${pre}norm1.bias`], 1e-6);
    expect(relL2(got.captured!, u.data), 'captured = LN1(x + cpe(x)) of sample 0').toBeLessThan(1e-4);
    // the site's op, config and weights reproduce the block's attention on it
    const cap: Tensor = { shape: [1, N, acfg.dim], data: Float64Array.from(got.captured!) };
    const viaOp = gma.reference(cap, site.params(p), acfg).y;
    expect(relL2(viaOp.data, gmaNoMaps(u, site.params(p), acfg).data)).toBeLessThan(1e-4);
    // and the op's own GPU path runs on the capture with the same weights
    const onGpu = await gma.gpu!(ctx, got.captured!, site.params(p), acfg, { maps: false, rows: [5] });
    expect(relL2(onGpu.y, viaOp.data)).toBeLessThan(1e-4);
    expect(onGpu.maps.attn_eff.length).toBe(8 * N);
    await expect(gmf.forwardGpu!(ctx, Float32Array.from(x), [B, 3, H, W], p, cfg, { capture: sites.length })).rejects.toThrow(/no attention module/);
    releaseGmfGpu(ctx, p);
  });
});

describe('gma op after the dispatch-list refactor', () => {
  const cfg: GmaConfig = { dim: 60, heads: 8, qkvBias: true, qkScale: null, aggToken: 1, agg3: 1, agg5: 1, agg7: 1, aggNonAttn: 1, H: 5, W: 7 };
  const N = cfg.H * cfg.W;

  it('maps for chosen rows equal those rows of the all-rows maps', async () => {
    const p = syntheticParams(gma.paramShapes(cfg));
    const x = Float32Array.from(prngInput('gma-rows', N * cfg.dim));
    const all = await gma.gpu!(ctx, x, p, cfg, { maps: true });
    const rows = [17, 0, 34];
    const some = await gma.gpu!(ctx, x, p, cfg, { maps: false, rows });
    expect(relL2(some.y, all.y)).toBeLessThan(1e-6);
    const eff = new Float32Array(cfg.heads * rows.length * N);
    for (let h = 0; h < cfg.heads; h++) rows.forEach((r, i) => eff.set(all.maps.attn_eff.slice((h * N + r) * N, (h * N + r + 1) * N), (h * rows.length + i) * N));
    expect(relL2(some.maps.attn_eff, eff)).toBeLessThan(1e-6);
    expect(relL2(some.maps.k_softmax, all.maps.k_softmax)).toBeLessThan(1e-6);
  });

  it('a batch of two images in one dispatch list (residual add fused) equals two single-image runs', async () => {
    const c: GmaConfig = { ...cfg, agg5: 0 };
    const p: Params = syntheticParams(gma.paramShapes(c));
    const n = N * c.dim;
    const x = Float32Array.from(prngInput('gma-batch', 2 * n));
    const r = Float32Array.from(prngInput('gma-batch-res', 2 * n));
    const w = uploadGmaWeights(ctx, p, c);
    const xb = ctx.upload(x);
    const y = ctx.upload(r);
    const made: GPUBuffer[] = [];
    const alloc = (_r: string, k: number) => {
      const b = ctx.scratch(k);
      made.push(b);
      return b;
    };
    await ctx.run(gmaDispatches(ctx, w, c, { x: xb, y, batch: 2, accumulate: true }, alloc).dispatches);
    const got = await ctx.read(y, 2 * n);
    for (let b = 0; b < 2; b++) {
      const single = await gma.gpu!(ctx, x.slice(b * n, (b + 1) * n), p, c, { maps: false });
      const want = single.y.map((v, i) => v + r[b * n + i]);
      expect(relL2(got.subarray(b * n, (b + 1) * n), want), `image ${b}`).toBeLessThan(1e-6);
      // and the single run is the reference's
      const ref = gma.reference({ shape: [1, N, c.dim], data: Float64Array.from(x.subarray(b * n, (b + 1) * n)) }, p, c).y;
      expect(relL2(single.y, ref.data), `image ${b} vs reference`).toBeLessThan(1e-4);
    }
    for (const b of [...w.all, xb, y, ...made]) b.destroy();
  });
});
