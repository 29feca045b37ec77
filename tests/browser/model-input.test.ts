/**
 * The 8-bit input path and the two forward slots of the plan runner, on a tiny FAT (any family: the
 * runner does both). The GPU's normalisation of RGB bytes (kernels/pixels_normalize.wgsl) against
 * the CPU's (normalizePixels: what the float path uploads), bit for bit, as the plan's input buffer
 * and as the logits and stages it leads to, in f32 and half storage, for an input below and one
 * above the mapped-upload size; then batches run two in flight (forwardBatches), each with its own
 * images, against the same batches run one at a time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GpuContext } from '../../src/gpu/context';
import { observeBackbonePlans, type BackbonePlan } from '../../src/gpu/plan';
import { inputUpload } from '../../src/gpu/plan/runner';
import { syntheticParams } from '../../src/ops/common/params';
import { fat, releaseFatGpu, type FatConfig } from '../../src/models/fat';
import { forwardBatches } from '../../src/models/timing';
import type { GpuForwardResult } from '../../src/models/types';
import { normalizePixels, PIXEL_LUT } from '../../src/image/resize-pil';
import { prngInput } from '../../src/weights/prng';

let ctx: GpuContext;
beforeAll(async () => {
  ctx = await GpuContext.acquire(navigator.gpu);
});
afterAll(() => ctx?.destroy());

const cfg: FatConfig = {
  kernelSizes: [3, 5, 7, 9], windowSizes: [8, 4, 2, 1], mlpKernelSizes: [5, 5, 5, 5], mlpRatios: [4, 4, 4, 4], inChans: 3,
  embedDims: [8, 16, 24, 32], depths: [1, 1, 2, 1], numHeads: [1, 2, 3, 4], numClasses: 10,
};
const w = syntheticParams(fat.expectedKeys(cfg), 'test:input');

/** `n` bytes of one distinct stream per tag, every value 0…255 occurring */
function bytes(tag: string, n: number): Uint8Array {
  return Uint8Array.from(prngInput(`pixels:${tag}`, n), (v) => Math.floor((v + 2) * 64));
}

async function withPlan<T>(f: () => Promise<T>): Promise<{ out: T; plan: BackbonePlan }> {
  let plan: BackbonePlan | null = null;
  observeBackbonePlans((p) => (plan = p));
  try {
    const out = await f();
    return { out, plan: plan! };
  } finally {
    observeBackbonePlans(null);
  }
}

const LARGE = inputUpload.largeBytes;
beforeAll(() => void (inputUpload.largeBytes = 4096));
afterAll(() => void (inputUpload.largeBytes = LARGE));

describe('8-bit input normalised on the GPU', () => {
  it('the table is ToTensor + Normalize in float32', () => {
    expect(PIXEL_LUT.length).toBe(768);
    expect(PIXEL_LUT[0]).toBe(Math.fround(Math.fround(0 - Math.fround(0.485)) / Math.fround(0.229)));
    expect(PIXEL_LUT[2 * 256 + 255]).toBe(Math.fround(Math.fround(1 - Math.fround(0.406)) / Math.fround(0.225)));
  });

  // 21×19 has an odd byte count (B·H·W·3 not a multiple of 4); 24×24 at batch 3 goes through the
  // mapped upload buffer (inputs above inputUpload.largeBytes: 1 MiB in the app, 4 KiB here)
  for (const [B, H, W] of [[2, 21, 19], [3, 24, 24]]) {
    it(`bytes → the float input bit for bit, and the same logits and stages (batch ${B}, ${H}×${W})`, async () => {
      const px = bytes(`${B}x${H}x${W}`, B * H * W * 3);
      const shape: [number, 3, number, number] = [B, 3, H, W];
      const x = normalizePixels(px, shape);
      const { out: u8, plan } = await withPlan(() => fat.forwardGpu!(ctx, px, shape, w, cfg));
      const gpuInput = await ctx.read(plan.input, x.data.length);
      let diff = 0;
      for (let i = 0; i < gpuInput.length; i++) if (gpuInput[i] !== x.data[i]) diff++;
      expect(diff, 'values of the GPU-normalised input that differ from the CPU path').toBe(0);
      const f32 = await fat.forwardGpu!(ctx, x.data, shape, w, cfg);
      expect(u8.logits).toEqual(f32.logits);
      expect(u8.stages).toEqual(f32.stages);
    });
  }

  it('under half storage too (the normalisation pass stores the half input itself)', async () => {
    const [B, H, W] = [2, 32, 32];
    const px = bytes('half', B * H * W * 3);
    const x = normalizePixels(px, [B, 3, H, W]);
    const half = ctx.half();
    const u8 = await fat.forwardGpu!(half, px, [B, 3, H, W], w, cfg);
    const f32 = await fat.forwardGpu!(half, x.data, [B, 3, H, W], w, cfg);
    expect(u8.logits).toEqual(f32.logits);
    releaseFatGpu(half, w);
  });

  it('refuses bytes for a model that does not take RGB', async () => {
    const two = { ...cfg, inChans: 2 };
    const w2 = syntheticParams(fat.expectedKeys(two), 'test:input2');
    await expect(fat.forwardGpu!(ctx, new Uint8Array(2 * 16 * 16), [1, 2, 16, 16], w2, two)).rejects.toThrow(/RGB/);
    releaseFatGpu(ctx, w2);
  });
});

describe('two forwards in flight', () => {
  // the second case's uploads (6912 bytes) go through the two slots' mapped upload buffers
  for (const [B, H, n] of [[1, 20, 5], [4, 24, 3]]) {
    it(`${n} batches of ${B} at ${H}×${H}: each batch's logits are its own (= one forward at a time)`, async () => {
      const shape = [B, 3, H, H];
      const inputs = Array.from({ length: n }, (_, i) => bytes(`batch${i}:${H}`, B * H * H * 3));
      const alone: GpuForwardResult[] = [];
      for (const px of inputs) alone.push(await fat.forwardGpu!(ctx, px, shape, w, cfg, { stages: false }));
      // distinct images give distinct logits, so a mix-up could not go unseen
      for (let i = 1; i < n; i++) expect(alone[i].logits).not.toEqual(alone[i - 1].logits);
      const got: Array<{ i: number; r: GpuForwardResult }> = [];
      let inFlight = 0;
      let most = 0;
      await forwardBatches(n, (i) => {
        most = Math.max(most, ++inFlight);
        return fat.forwardGpu!(ctx, inputs[i], shape, w, cfg, { stages: i % 2 === 0 }).finally(() => inFlight--);
      }, (r, i) => got.push({ i, r }));
      expect(most).toBe(2);
      expect(got.map((g) => g.i)).toEqual([...Array(n).keys()]);
      got.forEach(({ i, r }) => expect(r.logits, `batch ${i}`).toEqual(alone[i].logits));
      // stages read back by the forwards that asked, their own
      expect(got[0].r.stages).toEqual((await fat.forwardGpu!(ctx, inputs[0], shape, w, cfg)).stages);
    });
  }
});
