/**
 * Both flash kernels against the float64 reference over the launch shapes mhsaFlashPlan picks: the
 * one-thread-per-query kernel past SPLIT_MAX_TOKENS, and the split kernel's 8 and 16 key splits, head sizes 8…128 (and one not a multiple of 4), N not a multiple of the
 * query or key tiles, N smaller than one key tile, and 16-bit storage.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GpuContext } from '../../src/gpu/context';
import { mhsa } from '../../src/ops/mhsa';
import { mhsaFlashPlan } from '../../src/ops/mhsa/gpu';
import type { MhsaConfig } from '../../src/ops/mhsa/spec';
import { syntheticParams } from '../../src/ops/common/params';
import { relL2 } from '../../src/tensor/tensor';
import { prngInput } from '../../src/weights/prng';

let ctx: GpuContext;
beforeAll(async () => {
  ctx = await GpuContext.acquire(navigator.gpu);
});
afterAll(() => ctx?.destroy());

async function check(c: MhsaConfig, gpuCtx: GpuContext, tol: number) {
  const shape = mhsa.inputShape(c);
  const x = prngInput(`mhsa-flash:${c.dim}:${c.heads}:${c.H}x${c.W}`, c.H * c.W * c.dim);
  const p = syntheticParams(mhsa.paramShapes(c));
  const ref = mhsa.reference({ shape, data: x }, p, c);
  const got = await mhsa.gpu!(gpuCtx, Float32Array.from(x), p, c, { maps: false });
  expect(relL2(got.y, ref.y.data)).toBeLessThan(tol);
}

describe('mhsa flash kernel', () => {
  // [dim, heads, H, W]
  const cases: Array<[number, number, number, number]> = [
    [64, 4, 1, 1], [64, 4, 2, 3], [64, 1, 5, 7], [64, 2, 13, 11], [64, 4, 23, 29],
    [64, 8, 47, 23], [64, 4, 45, 47], [128, 1, 9, 13], [72, 4, 17, 19], [96, 1, 10, 10],
  ];
  for (const [dim, heads, H, W] of cases) {
    const plan = mhsaFlashPlan(H * W, heads, dim / heads);
    const { S, KS } = plan.defines;
    it(`dim ${dim}, ${heads} heads, ${H}×${W} (${plan.kernel === 'split' ? `split: S ${S}, KS ${KS}` : 'one thread per query'})`, async () => {
      await check({ dim, heads, qkvBias: true, H, W }, ctx, 1e-4);
    });
  }
  it('covers both kernels, both split counts and single-key tiles', () => {
    expect(mhsaFlashPlan(3136, 4, 16).kernel).toBe('single');
    expect(mhsaFlashPlan(2115, 4, 16).kernel).toBe('single');
    expect(mhsaFlashPlan(784, 4, 16).defines).toMatchObject({ S: 16, TQ: 16, KS: 4 });
    expect(mhsaFlashPlan(1500, 1, 64).defines).toMatchObject({ S: 16, TQ: 16, KS: 1 });
    expect(mhsaFlashPlan(100, 1, 128).defines).toMatchObject({ S: 8, KS: 1 });
    expect(mhsaFlashPlan(1081, 8, 8).defines).toMatchObject({ S: 8, KS: 16 });
  });
  it('16-bit storage', async () => {
    await check({ dim: 64, heads: 4, qkvBias: true, H: 23, W: 29 }, ctx.half(), 1e-2);
    await check({ dim: 64, heads: 4, qkvBias: true, H: 45, W: 47 }, ctx.half(), 1e-2);
  });
});
