/**
 * Per-layer attention on the photo (src/models/overlay.ts): the GPU forwards' capture of one
 * attention module's input, checked against what the float64 reference feeds that module, and the
 * op's query maps drawn from it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GpuContext } from '../../src/gpu/context';
import { syntheticParams } from '../../src/ops/common/params';
import { vig, vigH, type VigConfig, type VigHConfig } from '../../src/models/vig';
import { litv2, type Litv2Config } from '../../src/models/litv2';
import { captureSite, siteGrid, siteQueryPanels } from '../../src/models/overlay';
import { hiloReference } from '../../src/ops/hilo/reference';
import { rmsNorm } from '../../src/tensor/ops';
import { relL2 } from '../../src/tensor/tensor';
import { prngInput } from '../../src/weights/prng';

let ctx: GpuContext;
beforeAll(async () => {
  ctx = await GpuContext.acquire(navigator.gpu);
});
afterAll(() => ctx?.destroy());

const vigTiny: VigConfig = {
  embedDim: 32, depth: 3, heads: 2, imgSize: 64, patchSize: 16, stride: 16, numClasses: 10, expandK: 0.5, expandV: 1,
  actInConv: true, outAct: true, useBiasInPatch: true, useActInPatch: false, absPosEmbed: true, initValues: 0.1,
};
const vigHTiny: VigHConfig = { patchSize: 4, numClasses: 10, depths: [1, 2, 1, 1], heads: [1, 2, 2, 4], dims: [16, 32, 64, 128], expandK: 0.5, expandV: 1, actInConv: false, outAct: false };
const litTiny: Litv2Config = {
  imgSize: 64, patchSize: 4, inChans: 3, numClasses: 10, embedDim: 16, depths: [1, 1, 2, 1], numHeads: [1, 2, 4, 8],
  mlpRatio: 4, qkvBias: true, alpha: 0.5, localWs: [0, 0, 2, 1], hasMsa: [0, 0, 1, 1], patchNorm: true, testCrop: true,
};

describe('attention capture', () => {
  it('ViG: block i sees RMSNorm(block i-1 output); the query panels cover the grid', async () => {
    const S = 64;
    const p = syntheticParams(vig.expectedKeys(vigTiny), 'overlay:vig');
    const x = prngInput('overlay:vig:x', 2 * 3 * S * S);
    const ref = vig.forwardReference({ shape: [2, 3, S, S], data: x }, p, vigTiny);
    const sites = vig.attentionSites!(vigTiny, S, S);
    expect(sites.length).toBe(vigTiny.depth);
    const { H, W } = siteGrid(sites[2]);
    const L = H * W;
    const cap = await captureSite(ctx, vig, vigTiny, p, Float32Array.from(x), [2, 3, S, S], 2);
    expect(cap.x.length).toBe(L * vigTiny.embedDim);
    const prev = { shape: [L, vigTiny.embedDim], data: ref.stages[1].data.subarray(0, L * vigTiny.embedDim) };
    const want = rmsNorm(prev, p['blocks.2.attn_norm.weight'], 1e-6);
    expect(relL2(cap.x, want.data)).toBeLessThan(1e-3);
    const panels = await siteQueryPanels(ctx, cap, 5);
    expect(panels.length).toBeGreaterThan(0);
    for (const q of panels) {
      expect([q.H, q.W]).toEqual([H, W]);
      expect(q.values.length).toBe(L);
      expect(q.values.every(Number.isFinite)).toBe(true);
    }
    // the plain forward afterwards (no capture) still gives the reference logits
    const again = await vig.forwardGpu!(ctx, Float32Array.from(x), [2, 3, S, S], p, vigTiny);
    expect(again.captured).toBeUndefined();
    expect(relL2(again.logits, ref.logits.data)).toBeLessThan(1e-3);
  });

  it('LITv2: HiLo on the captured input reproduces the reference model\u2019s maps of that block', async () => {
    const S = litTiny.imgSize;
    const p = syntheticParams(litv2.expectedKeys(litTiny), 'overlay:lit');
    const x = prngInput('overlay:lit:x', 3 * S * S);
    const ref = litv2.forwardReference({ shape: [1, 3, S, S], data: x }, p, litTiny);
    const sites = litv2.attentionSites!(litTiny, S, S);
    expect(sites.map((s) => s.label)).toEqual(['stage 2 · block 0', 'stage 2 · block 1', 'stage 3 · block 0']);
    for (const i of [1, 2]) {
      const cap = await captureSite(ctx, litv2, litTiny, p, Float32Array.from(x), [1, 3, S, S], i);
      const site = sites[i];
      const got = hiloReference({ shape: [1, cap.x.length / (litTiny.embedDim * 2 ** site.stage), litTiny.embedDim * 2 ** site.stage], data: Float64Array.from(cap.x) }, cap.params, site.opConfig as never);
      const key = `layers.${site.stage}.blocks.${site.block}.attn_lofi`;
      expect(ref.maps![key], key).toBeDefined();
      expect(relL2(got.maps.attn_lofi.data, ref.maps![key].data), key).toBeLessThan(1e-3);
    }
  });

  it('ViG-H: one site per block, captures sized to their stage', async () => {
    const S = 64;
    const p = syntheticParams(vigH.expectedKeys(vigHTiny), 'overlay:vigh');
    const x = Float32Array.from(prngInput('overlay:vigh:x', 3 * S * S));
    const sites = vigH.attentionSites!(vigHTiny, S, S);
    expect(sites.length).toBe(5);
    const cap = await captureSite(ctx, vigH, vigHTiny, p, x, [1, 3, S, S], 2);
    const { H, W } = siteGrid(sites[2]);
    expect(cap.x.length).toBe(H * W * vigHTiny.dims[1]);
    expect(cap.x.every(Number.isFinite)).toBe(true);
    await expect(captureSite(ctx, vigH, vigHTiny, p, x, [1, 3, S, S], 9)).rejects.toThrow(/no attention layer 9/);
  });
});

describe('op runs leave shared buffers alone', () => {
  it('a bias-free HiLo op run does not break later bias-free Linears (the shared no-bias buffer survives)', async () => {
    const { hilo } = await import('../../src/ops/hilo');
    const cfg = { dim: 32, heads: 2, alpha: 0.5, ws: 2, qkvBias: false, H: 4, W: 4, padded: true };
    const p = syntheticParams(hilo.paramShapes(cfg), 'nobias');
    await hilo.gpu!(ctx, Float32Array.from(prngInput('nobias-x', 16 * 32)), p, cfg, { maps: false });
    // ViG's MLP Linears have no bias: a forward after the op run must still validate and agree
    const S = 64;
    const w = syntheticParams(vig.expectedKeys(vigTiny), 'nobias-vig');
    const x = prngInput('nobias-vig-x', 3 * S * S);
    ctx.device.pushErrorScope('validation');
    const got = await vig.forwardGpu!(ctx, Float32Array.from(x), [1, 3, S, S], w, vigTiny);
    const err = await ctx.device.popErrorScope();
    expect(err?.message ?? '').toBe('');
    const ref = vig.forwardReference({ shape: [1, 3, S, S], data: x }, w, vigTiny);
    expect(relL2(got.logits, ref.logits.data)).toBeLessThan(1e-3);
  });
});
