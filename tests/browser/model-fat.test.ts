/**
 * FAT WebGPU forward against the float64 CPU reference on tiny configs: the official layout at
 * batch 2 (100×100 input, so the stem's GroupNorm spans several uneven reduction chunks), and an odd
 * one at batch 3 (non-square odd input, window sizes out of order with pooling to 1×1, per-stage
 * kernel sizes, fractional MLP ratio, stride-2 blocks on odd grids, weights handed over with their
 * BatchNorms already folded). Then the plan cache (batch 1
 * after batch 2), the capture of an attention module's input, and the FASA op after its
 * dispatch-list refactor (rows maps, a batch of two in one dispatch list with the fused residual).
 */
import { expectMatchesReference } from './model-expect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GpuContext } from '../../src/gpu/context';
import { syntheticParams } from '../../src/ops/common/params';
import { fat, foldBatchNorms, releaseFatGpu, type FatConfig } from '../../src/models/fat';
import { fatBlockForward } from '../../src/models/fat/forward';
import { gnSplit } from '../../src/models/fat/gpu';
import { addInPlace, depthwiseFast } from '../../src/models/nn-cpu';
import { groupNorm } from '../../src/tensor/ops';
import { relL2, type Tensor } from '../../src/tensor/tensor';
import { prngInput } from '../../src/weights/prng';
import { fasa } from '../../src/ops/fasa';
import { fasaDispatches, uploadFasaWeights } from '../../src/ops/fasa/gpu';
import { fasaReference } from '../../src/ops/fasa/reference';
import type { FasaConfig } from '../../src/ops/fasa/spec';

let ctx: GpuContext;
beforeAll(async () => {
  ctx = await GpuContext.acquire(navigator.gpu);
});
afterAll(() => ctx?.destroy());

const common = { kernelSizes: [3, 5, 7, 9], windowSizes: [8, 4, 2, 1], mlpKernelSizes: [5, 5, 5, 5], mlpRatios: [4, 4, 4, 4], inChans: 3 };
const tinyOfficial: FatConfig = { ...common, embedDims: [8, 16, 24, 32], depths: [1, 1, 2, 1], numHeads: [1, 2, 3, 4], numClasses: 10 };
const tinyOdd: FatConfig = {
  embedDims: [12, 20, 24, 28], depths: [2, 1, 3, 1], numHeads: [3, 2, 4, 7], kernelSizes: [5, 3, 3, 7], windowSizes: [2, 8, 1, 4],
  mlpKernelSizes: [3, 7, 5, 3], mlpRatios: [2, 3, 4, 1.5], inChans: 3, numClasses: 7,
};

/** `prefold`: the GPU gets weights whose BatchNorms are already folded (as a user may load them). */
async function compare(cfg: FatConfig, tag: string, B: number, H: number, W: number, prefold = false) {
  const raw = syntheticParams(fat.expectedKeys(cfg), `test:${tag}`);
  const p = prefold ? foldBatchNorms(raw, cfg) : raw;
  if (prefold) expect(Object.keys(p).length).toBeLessThan(Object.keys(raw).length);
  const x = prngInput(`model-gpu:${tag}`, B * 3 * H * W);
  const ref = fat.forwardReference({ shape: [B, 3, H, W], data: x }, raw, cfg);
  const got = await fat.forwardGpu!(ctx, Float32Array.from(x), [B, 3, H, W], p, cfg);
  expectMatchesReference(got, ref);
  expect(got.captured).toBeUndefined();
  // cached weights + a new plan for batch 1 give the last image's result again
  const n = 3 * H * W;
  const one = await fat.forwardGpu!(ctx, Float32Array.from(x.subarray((B - 1) * n)), [1, 3, H, W], p, cfg);
  const k = ref.logits.data.length / B;
  expect(relL2(one.logits, ref.logits.data.subarray((B - 1) * k)), 'batch 1 after batch B').toBeLessThan(1e-3);
  one.stages.forEach((s, i) => {
    const per = ref.stages[i].data.length / B;
    expect(relL2(s, ref.stages[i].data.subarray((B - 1) * per)), `batch-1 stage${i}`).toBeLessThan(1e-3);
  });
  releaseFatGpu(ctx, p);
}

describe('FAT forwardGpu = forwardReference', () => {
  it('GroupNorm chunks really are uneven at the 100×100 stem', () => {
    // stem 100 → 50 → 25: 8 × 25 × 25 = 5000 values per image
    const { P, chunk } = gnSplit(8 * 25 * 25);
    expect(P).toBeGreaterThan(1);
    expect(P * chunk).toBeGreaterThan(5000);
  });
  it('official layout (ws 8/4/2/1, kernels 3/5/7/9), batch 2, 100×100', () => compare(tinyOfficial, 'fat-a', 2, 100, 100));
  it('odd layout and sizes: 45×38 input, batch 3, weights already BN-folded', () => compare(tinyOdd, 'fat-b', 3, 45, 38, true));
});

describe('FAT attention sites and capture', () => {
  /** GroupNorm1(x + cpe(x)) of block (i, j) on the CPU, starting from stage i−1's reference output. */
  function attnInput(cfg: FatConfig, p: Record<string, Tensor>, stagePrev: Tensor, i: number, j: number): Tensor {
    let x = stagePrev;
    for (let b = 0; b < j; b++) x = fatBlockForward(x, p, cfg, i, b);
    const pre = `layers.${i}.blocks.${j}.`;
    const t = addInPlace(depthwiseFast(x, p[`${pre}cpe.weight`], p[`${pre}cpe.bias`], { padding: cfg.kernelSizes[i] >> 1 }), x);
    return groupNorm(t, 1, p[`${pre}norm1.weight`], p[`${pre}norm1.bias`], 1e-5);
  }

  it('one site per block in forward order, with the stage grid', () => {
    const sites = fat.attentionSites!(tinyOdd, 45, 38);
    expect(sites.map((s) => `${s.stage}.${s.block}`)).toEqual(['0.0', '0.1', '1.0', '2.0', '2.1', '2.2', '3.0']);
    const grids = sites.map((s) => [(s.opConfig as FasaConfig).H, (s.opConfig as FasaConfig).W]);
    expect(grids).toEqual([[12, 10], [12, 10], [6, 5], [3, 3], [3, 3], [3, 3], [2, 2]]);
    expect(sites.every((s) => s.op === 'fasa')).toBe(true);
  });

  it('captured input of stage 2 · block 1 (batch 2) equals the CPU attention input of sample 0; the op on it gives the block attention output', async () => {
    const cfg = tinyOdd;
    const [B, H, W] = [2, 45, 38];
    const p = syntheticParams(fat.expectedKeys(cfg), 'test:fat-capture');
    const x = prngInput('model-gpu:fat-capture', B * 3 * H * W);
    const ref = fat.forwardReference({ shape: [B, 3, H, W], data: x }, p, cfg);
    const sites = fat.attentionSites!(cfg, H, W);
    const idx = sites.findIndex((s) => s.stage === 2 && s.block === 1);
    const site = sites[idx];
    const got = await fat.forwardGpu!(ctx, Float32Array.from(x), [B, 3, H, W], p, cfg, { capture: idx });
    const shape = fasa.inputShape(site.opConfig as FasaConfig);
    expect(shape[0]).toBe(1);
    expect(got.captured?.length).toBe(shape.reduce((a, b) => a * b, 1));
    // the capture does not disturb the forward
    expect(relL2(got.logits, ref.logits.data)).toBeLessThan(1e-3);
    const prev = ref.stages[1];
    const per = prev.data.length / B;
    const n1 = attnInput(cfg, p, { shape: [1, ...prev.shape.slice(1)], data: prev.data.slice(0, per) }, 2, 1);
    expect(relL2(got.captured!, n1.data), 'captured vs CPU attention input').toBeLessThan(1e-4);
    const mine = fasaReference({ shape, data: Float64Array.from(got.captured!) }, site.params(p), site.opConfig as FasaConfig).y;
    const want = fasaReference(n1, site.params(p), site.opConfig as FasaConfig).y;
    expect(relL2(mine.data, want.data), 'op reference on captured').toBeLessThan(1e-3);
    // a forward without capture after one with it (a new plan) has none
    const again = await fat.forwardGpu!(ctx, Float32Array.from(x), [B, 3, H, W], p, cfg, { stages: false });
    expect(again.captured).toBeUndefined();
    expect(again.stages.length).toBe(0);
    expect(relL2(again.logits, ref.logits.data)).toBeLessThan(1e-3);
    await expect(fat.forwardGpu!(ctx, Float32Array.from(x), [B, 3, H, W], p, cfg, { capture: sites.length })).rejects.toThrow(/capture/);
    releaseFatGpu(ctx, p);
  });
});

describe('fasa op after the dispatch-list refactor', () => {
  const cfg: FasaConfig = { dim: 24, heads: 3, kernelSize: 5, ws: 4, H: 9, W: 7 };
  const N = cfg.H * cfg.W;
  const C = cfg.dim;

  it('maps for chosen rows equal those rows of the all-rows maps', async () => {
    const p = syntheticParams(fasa.paramShapes(cfg));
    const x = Float32Array.from(prngInput('fasa-rows', N * C));
    const all = await fasa.gpu!(ctx, x, p, cfg, { maps: true });
    const ref = fasa.reference({ shape: [1, C, cfg.H, cfg.W], data: Float64Array.from(x) }, p, cfg);
    expect(relL2(all.y, ref.y.data)).toBeLessThan(1e-4);
    expect(relL2(all.maps.attn, ref.maps.attn.data)).toBeLessThan(1e-4);
    expect(relL2(all.maps.local_mod, ref.maps.local_mod.data)).toBeLessThan(1e-4);
    const rows = [40, 0, 62];
    const some = await fasa.gpu!(ctx, x, p, cfg, { maps: false, rows });
    expect(relL2(some.y, all.y)).toBeLessThan(1e-6);
    const [Hp, Wp] = [Math.ceil(cfg.H / cfg.ws), Math.ceil(cfg.W / cfg.ws)];
    const M = Hp * Wp;
    const want = new Float32Array(cfg.heads * rows.length * M);
    for (let h = 0; h < cfg.heads; h++) rows.forEach((r, i) => want.set(all.maps.attn.slice((h * N + r) * M, (h * N + r + 1) * M), (h * rows.length + i) * M));
    expect(some.maps.attn.length).toBe(want.length);
    expect(relL2(some.maps.attn, want)).toBeLessThan(1e-6);
    expect(relL2(some.maps.local_mod, all.maps.local_mod)).toBeLessThan(1e-6);
    const none = await fasa.gpu!(ctx, x, p, cfg, { maps: false });
    expect(Object.keys(none.maps)).toEqual([]);
  });

  it('16-bit storage: output and maps within f16 rounding of float64 (ws 1, 2, 8; local kernels 3, 7)', async () => {
    for (const [ws, kernelSize] of [[1, 3], [2, 7], [8, 3]]) {
      const c: FasaConfig = { ...cfg, ws, kernelSize, H: 19, W: 17 };
      const n = c.H * c.W;
      const p = syntheticParams(fasa.paramShapes(c));
      const x = Float32Array.from(prngInput('fasa-half', n * C));
      const ref = fasa.reference({ shape: [1, C, c.H, c.W], data: Float64Array.from(x) }, p, c);
      const got = await fasa.gpu!(ctx.half(), x, p, c, { maps: true });
      for (const [name, a, b] of [['y', got.y, ref.y.data], ['attn', got.maps.attn, ref.maps.attn.data], ['local_mod', got.maps.local_mod, ref.maps.local_mod.data]] as const) {
        expect(relL2(a, b), `ws ${ws} ${name}`).toBeLessThan(1e-2);
      }
    }
  });

  it('a batch of two images in one dispatch list (+ residual) equals two single-image runs', async () => {
    const p = syntheticParams(fasa.paramShapes(cfg));
    const x = Float32Array.from(prngInput('fasa-batch', 2 * N * C));
    const res = Float32Array.from(prngInput('fasa-batch-res', 2 * N * C));
    const w = uploadFasaWeights(ctx, p, cfg);
    const xb = ctx.upload(x);
    const rb = ctx.upload(res);
    const y = ctx.scratch(2 * N * C);
    const made: GPUBuffer[] = [];
    const alloc = (_r: string, n: number) => {
      const b = ctx.scratch(n);
      made.push(b);
      return b;
    };
    const r = fasaDispatches(ctx, w, cfg, { x: xb, y, batch: 2, residual: rb }, alloc);
    expect(r.maps).toBeUndefined();
    await ctx.run(r.dispatches);
    const got = await ctx.read(y, 2 * N * C);
    for (let b = 0; b < 2; b++) {
      const single = await fasa.gpu!(ctx, x.slice(b * N * C, (b + 1) * N * C), p, cfg, { maps: false });
      const want = single.y.map((v, i) => v + res[b * N * C + i]);
      expect(relL2(got.subarray(b * N * C, (b + 1) * N * C), want), `image ${b}`).toBeLessThan(1e-6);
    }
    expect(() => fasaDispatches(ctx, w, cfg, { x: xb, y, batch: 2 }, alloc, { maps: true })).toThrow(/batch 1/);
    for (const b of [...w.all, xb, rb, y, ...made]) b.destroy();
  });
});
