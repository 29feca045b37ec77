/**
 * ViG / ViG-H WebGPU forwards against the float64 CPU references on tiny random configs at
 * batch 2 (non-square inputs, a resized pos embed, layer-scale gammas, both SiLU flags), plus the
 * plan cache: a second call with another batch size must rebuild and still agree.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GpuContext } from '../../src/gpu/context';
import { syntheticParams } from '../../src/ops/common/params';
import { vig, vigH, type VigConfig, type VigHConfig } from '../../src/models/vig';
import { releaseVigGpu } from '../../src/models/vig/gpu';
import type { AnyModel } from '../../src/models/types';
import { relL2 } from '../../src/tensor/tensor';
import { expectMatchesReference } from './model-expect';
import { prngInput } from '../../src/weights/prng';
import { gla } from '../../src/ops/gla';

let ctx: GpuContext;
beforeAll(async () => {
  ctx = await GpuContext.acquire(navigator.gpu);
});
afterAll(() => ctx?.destroy());

const vigTiny: VigConfig = {
  embedDim: 32, depth: 2, heads: 2, imgSize: 64, patchSize: 16, stride: 16, numClasses: 10, expandK: 0.5, expandV: 1,
  actInConv: true, outAct: true, useBiasInPatch: true, useActInPatch: false, absPosEmbed: true, initValues: 0.1,
};
const vigTinyPlain: VigConfig = { ...vigTiny, heads: 1, actInConv: false, outAct: false, useActInPatch: true, initValues: null };
const vigHTiny: VigHConfig = {
  patchSize: 4, numClasses: 10, depths: [1, 2, 1, 1], heads: [1, 2, 2, 4], dims: [16, 32, 64, 128], expandK: 0.5, expandV: 1, actInConv: false, outAct: false,
};

async function compare(impl: AnyModel, cfg: unknown, B: number, H: number, W: number, tag: string) {
  const p = syntheticParams(impl.expectedKeys(cfg), `test:${tag}`);
  const x = prngInput(`model-gpu:${tag}`, B * 3 * H * W);
  const ref = impl.forwardReference({ shape: [B, 3, H, W], data: x }, p, cfg);
  const got = await impl.forwardGpu!(ctx, Float32Array.from(x), [B, 3, H, W], p, cfg);
  expectMatchesReference(got, ref);
  // the cached weights + a new plan for batch 1 give image 1's result again
  const one = await impl.forwardGpu!(ctx, Float32Array.from(x.subarray(3 * H * W)), [1, 3, H, W], p, cfg);
  const n = ref.logits.data.length / B;
  expect(relL2(one.logits, ref.logits.data.subarray(n))).toBeLessThan(1e-3);
  releaseVigGpu(ctx, p);
}

describe('ViG forwardGpu = forwardReference (batch 2)', () => {
  it('gammas, pos embed resized 4×4 → 4×5, SiLU flags on', () => compare(vig, vigTiny, 2, 64, 80, 'vig-a'));
  it('one head, no gammas, SiLU in the patch embed', () => compare(vig, vigTinyPlain, 2, 72, 64, 'vig-b'));
});

describe('ViG-H forwardGpu = forwardReference (batch 2)', () => {
  it('4 stages, non-square input', () => compare(vigH, vigHTiny, 2, 64, 48, 'vigh-a'));
});

describe('gla op after the dispatch-list refactor', () => {
  it('maps for chosen rows equal those rows of the all-rows maps', async () => {
    const cfg = gla.defaultConfig(5, 7);
    const L = 35;
    const p = syntheticParams(gla.paramShapes(cfg));
    const x = Float32Array.from(prngInput('gla-rows', L * cfg.dim));
    const all = await gla.gpu!(ctx, x, p, cfg, { maps: true });
    const rows = [17, 0, 34];
    const some = await gla.gpu!(ctx, x, p, cfg, { maps: false, rows });
    expect(relL2(some.y, all.y)).toBeLessThan(1e-6);
    for (const name of ['attn_f', 'attn_b', 'decay_f', 'decay_b']) {
      const want = new Float32Array(cfg.heads * rows.length * L);
      for (let h = 0; h < cfg.heads; h++) rows.forEach((r, i) => want.set(all.maps[name].slice((h * L + r) * L, (h * L + r + 1) * L), (h * rows.length + i) * L));
      expect(relL2(some.maps[name], want), name).toBeLessThan(1e-6);
    }
  });
});
