/**
 * mhsa's attention against the float64 reference: the shared core (kernels/lib/flash_attn.wgsl)
 * over the launch shapes attnShape picks (4 and 16 key splits, key blocks cut by workgroup memory
 * or by few keys) and forced ones (2 queries per thread, one split); head sizes 8…128 (and one not
 * a multiple of 4), N not a multiple of the query or key tiles, N smaller than one key tile, and
 * 16-bit storage.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GpuContext } from '../../src/gpu/context';
import { mhsa } from '../../src/ops/mhsa';
import { attnShape, attnShapeForce } from '../../src/ops/common/attn';
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
    [64, 8, 47, 23], [64, 4, 30, 50], [64, 4, 45, 47], [128, 1, 9, 13], [72, 4, 17, 19], [96, 1, 10, 10],
  ];
  for (const [dim, heads, H, W] of cases) {
    const { S, QB, KB } = attnShape(H * W, H * W, dim / heads, heads).defines;
    it(`dim ${dim}, ${heads} heads, ${H}×${W} (core: S ${S}, QB ${QB}, KB ${KB})`, async () => {
      await check({ dim, heads, qkvBias: true, H, W }, ctx, 1e-4);
    });
  }
  it('the core covers 4 and 16 splits, cut key blocks', () => {
    expect(attnShape(3136, 3136, 16, 4).defines).toMatchObject({ S: 4, TQ: 64, QB: 1, KB: 8 });
    expect(attnShape(3136, 784, 32, 2).defines).toMatchObject({ S: 4, QB: 1, KB: 8 });
    expect(attnShape(196, 196, 16, 2).defines).toMatchObject({ S: 16, TQ: 16, QB: 1, KB: 8 });
    expect(attnShape(100, 100, 128, 1).defines).toMatchObject({ S: 16, QB: 1, KB: 1 });
    expect(attnShape(6, 6, 16, 4).defines).toMatchObject({ S: 16, KB: 1 });
  });
  it('forced shapes (bench-node --attn-shape) with two queries per thread and one split', async () => {
    for (const f of [{ S: 8, QB: 2 }, { S: 1, QB: 2, WG: 64 }, { S: 2, QB: 1 }]) {
      Object.assign(attnShapeForce, f);
      try {
        await check({ dim: 64, heads: 4, qkvBias: true, H: 23, W: 29 }, ctx, 1e-4);
      } finally {
        for (const k of Object.keys(attnShapeForce)) delete attnShapeForce[k as keyof typeof attnShapeForce];
      }
    }
  });
  it('16-bit storage', async () => {
    await check({ dim: 64, heads: 4, qkvBias: true, H: 23, W: 29 }, ctx.half(), 1e-2);
    await check({ dim: 64, heads: 4, qkvBias: true, H: 45, W: 47 }, ctx.half(), 1e-2);
  });
});
