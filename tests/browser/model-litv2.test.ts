/**
 * LITv2 WebGPU forward against the float64 CPU reference on tiny configs at batch 2: the official
 * stage layout, and an odd one (HiLo in stage 0 with Hi-Fi heads only, a stage without blocks, one
 * padded-free 3×3 window, no qkv bias, no patch norm, no head, offsets pushed far off the grid so
 * the DCN bounds rule is exercised). Then the plan cache (batch 1 after batch 2) and the HiLo op
 * after its dispatch-list refactor (rows maps, a batch of two images in one hiloDispatches).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GpuContext } from '../../src/gpu/context';
import { syntheticParams } from '../../src/ops/common/params';
import { litv2, releaseLitv2Gpu, type Litv2Config } from '../../src/models/litv2';
import { relL2 } from '../../src/tensor/tensor';
import { expectMatchesReference } from './model-expect';
import { prngInput } from '../../src/weights/prng';
import { hilo } from '../../src/ops/hilo';
import { hiloDispatches, uploadHiloWeights } from '../../src/ops/hilo/gpu';
import type { HiloConfig } from '../../src/ops/hilo/spec';
import type { Params } from '../../src/ops/types';

let ctx: GpuContext;
beforeAll(async () => {
  ctx = await GpuContext.acquire(navigator.gpu);
});
afterAll(() => ctx?.destroy());

const tinyOfficial: Litv2Config = {
  imgSize: 64, patchSize: 4, inChans: 3, numClasses: 10, embedDim: 16, depths: [1, 1, 2, 1], numHeads: [1, 2, 4, 8],
  mlpRatio: 4, qkvBias: true, alpha: 0.5, localWs: [0, 0, 2, 1], hasMsa: [0, 0, 1, 1], patchNorm: true, testCrop: true,
};
const tinyOdd: Litv2Config = {
  imgSize: 48, patchSize: 4, inChans: 3, numClasses: 0, embedDim: 8, depths: [1, 0, 2], numHeads: [1, 2, 4],
  mlpRatio: 2, qkvBias: false, alpha: 0.25, localWs: [2, 0, 3], hasMsa: [1, 0, 1], patchNorm: false, testCrop: true,
};

async function compare(cfg: Litv2Config, tag: string, offsetGain = 1) {
  const p = syntheticParams(litv2.expectedKeys(cfg), `test:${tag}`);
  if (offsetGain !== 1) {
    for (const k of Object.keys(p)) if (k.endsWith('conv_offset.weight') || k.endsWith('conv_offset.bias')) p[k] = { shape: p[k].shape, data: p[k].data.map((v) => v * offsetGain) };
  }
  const B = 2;
  const S = cfg.imgSize;
  const x = prngInput(`model-gpu:${tag}`, B * 3 * S * S);
  const ref = litv2.forwardReference({ shape: [B, 3, S, S], data: x }, p, cfg);
  if (offsetGain !== 1) {
    // the test means something only if samples really leave the grid
    const off = ref.maps!['layers.0.downsample.offset'].data;
    expect(Math.max(...Array.from(off, Math.abs))).toBeGreaterThan(S / cfg.patchSize);
  }
  const got = await litv2.forwardGpu!(ctx, Float32Array.from(x), [B, 3, S, S], p, cfg);
  expectMatchesReference(got, ref);
  // cached weights + a new plan for batch 1 give image 1's result again
  const one = await litv2.forwardGpu!(ctx, Float32Array.from(x.subarray(3 * S * S)), [1, 3, S, S], p, cfg);
  const n = ref.logits.data.length / B;
  expect(relL2(one.logits, ref.logits.data.subarray(n))).toBeLessThan(1e-3);
  releaseLitv2Gpu(ctx, p);
}

describe('LITv2 forwardGpu = forwardReference (batch 2)', () => {
  it('official layout: MLP-only stages, HiLo (ws 2, then ws 1), DTMs, head', () => compare(tinyOfficial, 'litv2-a'));
  it('HiLo in stage 0 (Hi-Fi only), empty stage, no bias / patch norm / head, offsets off the grid', () => compare(tinyOdd, 'litv2-b', 40));
});

describe('hilo op after the dispatch-list refactor', () => {
  const cfg: HiloConfig = { dim: 64, heads: 4, alpha: 0.5, ws: 2, qkvBias: true, H: 5, W: 7, padded: true };
  const N = cfg.H * cfg.W;

  it('maps for chosen rows equal those rows of the all-rows maps', async () => {
    const p = syntheticParams(hilo.paramShapes(cfg));
    const x = Float32Array.from(prngInput('hilo-rows', N * cfg.dim));
    const all = await hilo.gpu!(ctx, x, p, cfg, { maps: true });
    const rows = [17, 0, 34];
    const some = await hilo.gpu!(ctx, x, p, cfg, { maps: false, rows });
    expect(relL2(some.y, all.y)).toBeLessThan(1e-6);
    const eff = new Float32Array(cfg.heads * rows.length * N);
    for (let h = 0; h < cfg.heads; h++) rows.forEach((r, i) => eff.set(all.maps.attn_eff.slice((h * N + r) * N, (h * N + r + 1) * N), (h * rows.length + i) * N));
    expect(relL2(some.maps.attn_eff, eff)).toBeLessThan(1e-6);
  });

  it('a batch of two images in one dispatch list equals two single-image runs', async () => {
    const p: Params = syntheticParams(hilo.paramShapes(cfg));
    const x = Float32Array.from(prngInput('hilo-batch', 2 * N * cfg.dim));
    const w = uploadHiloWeights(ctx, p, cfg);
    const xb = ctx.upload(x);
    const y = ctx.scratch(2 * N * cfg.dim);
    const made: GPUBuffer[] = [];
    const alloc = (_r: string, n: number) => {
      const b = ctx.scratch(n);
      made.push(b);
      return b;
    };
    await ctx.run(hiloDispatches(ctx, w, cfg, { x: xb, y, batch: 2 }, alloc).dispatches);
    const got = await ctx.read(y, 2 * N * cfg.dim);
    for (let b = 0; b < 2; b++) {
      const single = await hilo.gpu!(ctx, x.slice(b * N * cfg.dim, (b + 1) * N * cfg.dim), p, cfg, { maps: false });
      expect(relL2(got.subarray(b * N * cfg.dim, (b + 1) * N * cfg.dim), single.y), `image ${b}`).toBeLessThan(1e-6);
    }
    for (const b of [...w.all, xb, y, ...made]) b.destroy();
  });
});
