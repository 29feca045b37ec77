/**
 * LITv2's faster paths: the Linear kernels picked by shape (src/gpu/gemm.ts) against the
 * plain linear.wgsl, which picks what for LITv2-S at batch 1 and 32, HiLo's fused dispatch list
 * (6 dispatches per stage-2 block, no concat), and a batch-32 forward of a tiny LITv2 — large
 * enough for the 128-row tiles, the vec4 depthwise conv and the > 1 MiB input upload buffer —
 * against the float64 reference.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GpuContext } from '../../src/gpu/context';
import { syntheticParams } from '../../src/ops/common/params';
import { convDispatch, gemmDispatches, gemmPlan, gemmTuning, linearDispatch, linearRows, tileDispatch, type LinearOpts } from '../../src/gpu/gemm';
import { litv2, releaseLitv2Gpu, type Litv2Config } from '../../src/models/litv2';
import { LITV2_VARIANTS, stageGeom, stageHilo } from '../../src/models/litv2/config';
import { hilo } from '../../src/ops/hilo';
import type { HiloConfig } from '../../src/ops/hilo/spec';
import { hiloDispatches, uploadHiloWeights } from '../../src/ops/hilo/gpu';
import { relL2 } from '../../src/tensor/tensor';
import { prngInput } from '../../src/weights/prng';
import { expectMatchesReference } from './model-expect';

let ctx: GpuContext;
beforeAll(async () => {
  ctx = await GpuContext.acquire(navigator.gpu);
});
afterAll(() => ctx?.destroy());

/**
 * y of gemmDispatches (or, with `opts`, linearDispatch with that epilogue) and of linear.wgsl for
 * one product, same inputs and the same starting y (through `c`: f32 or a half() view).
 */
async function both(M: number, N: number, K: number, bias: boolean, wRows = N, c: GpuContext = ctx, opts?: LinearOpts) {
  const made: GPUBuffer[] = [];
  const keep = (b: GPUBuffer) => (made.push(b), b);
  const x = keep(c.upload(Float32Array.from(prngInput(`gemm-x:${M}:${K}`, M * K))));
  const w = keep(c.upload(Float32Array.from(prngInput(`gemm-w:${N}:${K}`, wRows * K))));
  const b = bias ? keep(c.upload(Float32Array.from(prngInput(`gemm-b:${N}`, N)))) : null;
  const y0 = Float32Array.from(prngInput(`gemm-y:${M}:${N}`, M * N));
  const y1 = keep(c.upload(y0));
  const y2 = keep(c.upload(y0));
  const alloc = (_role: string, n: number) => keep(c.scratch(n));
  const tested = opts ? [linearDispatch(c, x, w, b, y1, M, N, K, opts)] : gemmDispatches(c, alloc, x, w, b, y1, M, N, K);
  await c.run([...tested, tileDispatch(c, x, w, b, y2, M, N, K, opts)]);
  const got = await c.read(y1, M * N);
  const want = await c.read(y2, M * N);
  for (const m of made) m.destroy();
  return { got, want };
}

describe('LITv2 Linear kernels', () => {
  it('picks 128-row tiles when they fill the GPU, split K for few tiles and a long K', () => {
    // LITv2-S at batch 32: every big product of stages 0-3 on 128-row tiles
    expect(gemmPlan(32 * 3136, 384, 96)).toMatchObject({ kind: 'big', rn: 8 });
    expect(gemmPlan(32 * 3136, 96, 384)).toMatchObject({ kind: 'big', rn: 4 });
    expect(gemmPlan(32 * 196, 384, 1536)).toMatchObject({ kind: 'big', rn: 8 });
    expect(gemmPlan(32 * 49, 768, 3072)).toMatchObject({ kind: 'big', rn: 8 });
    // batch 1: the 7×7 and 14×14 products with long K are split, short K stays on linear.wgsl
    expect(gemmPlan(196, 384, 1536).kind).toBe('splitk');
    expect(gemmPlan(49, 768, 3072).kind).toBe('splitk');
    expect(gemmPlan(1, 1000, 768).kind).toBe('splitk');
    expect(gemmPlan(196, 512, 384).kind).toBe('linear');
    // model-litv2.test.ts's tiny official layout at batch 2: stage-3 fc2 (8 rows, K 512) takes the
    // split-K path whose partial sums add_norm adds into the block tail (PlanBuilder.linearNorm)
    expect(gemmPlan(2 * 2 * 2, 128, 512).kind).toBe('splitk');
    // vec4 rows are required
    expect(gemmPlan(32 * 3136, 383, 96).kind).not.toBe('big');
    expect(gemmPlan(32 * 3136, 384, 98).kind).not.toBe('big');
  });

  it('128×128 tiles equal linear.wgsl (ragged M, K not a multiple of the slice, bias)', async () => {
    expect(gemmPlan(8229, 256, 100)).toMatchObject({ kind: 'big', rn: 8 });
    const { got, want } = await both(8229, 256, 100, true);
    expect(got).toEqual(want);
  });

  it('128×64 tiles equal linear.wgsl (N not a multiple of the tile, no bias, W with extra rows)', async () => {
    expect(gemmPlan(8192, 100, 64)).toMatchObject({ kind: 'big', rn: 4 });
    const { got, want } = await both(8192, 100, 64, false, 104);
    expect(got).toEqual(want);
  });

  it('16-bit storage (the half-storage rewrite of the vec4 kernel) equals linear.wgsl rewritten the same way', async () => {
    expect(gemmPlan(8192, 128, 64).kind).toBe('big');
    const { got, want } = await both(8192, 128, 64, true, 128, ctx.half());
    expect(got).toEqual(want);
  });

  it('every Linear takes the 128-row tiles where they fit and its epilogue allows (bias, GELU), bit for bit', async () => {
    const wg = (opts: LinearOpts) => linearDispatch(ctx, ctx.scratch(4), ctx.scratch(4), null, ctx.scratch(4), 8229, 256, 100, opts).workgroups;
    expect(wg({ act: 'gelu' })).toEqual([2, 65]);
    // Hardswish and the in-place residual stay on linear.wgsl's 64×64 tiles
    expect(wg({ act: 'hswish' })).toEqual([4, 129]);
    expect(wg({ accumulate: true })).toEqual([4, 129]);
    const { got, want } = await both(8229, 256, 100, true, 256, ctx, { act: 'gelu' });
    expect(got).toEqual(want);
    const h = await both(8192, 100, 64, false, 100, ctx.half(), { act: 'gelu' });
    expect(h.got).toEqual(h.want);
  });

  it('32-row tiles (small products) equal 64-row tiles bit for bit (ragged M and N, K not a multiple of 16, each epilogue, a conv)', async () => {
    expect(linearRows(196, 1536, false)).toBe(8); // LITv2-S stage-3 fc1 at batch 1: 96 tiles of 64×64
    expect(linearRows(3136, 384, false)).toBe(16); // stage 1 at batch 1: 294 tiles
    expect(linearRows(196, 1536, true)).toBe(16); // a software adapter keeps 64-row tiles
    const keep = gemmTuning.rows32Below;
    try {
      for (const [opts, bias] of [[{}, true], [{ act: 'hswish' }, false], [{ act: 'gelu', accumulate: true }, true]] as Array<[LinearOpts, boolean]>) {
        gemmTuning.rows32Below = 1e9;
        const a = await both(77, 70, 45, bias, 70, ctx, opts);
        gemmTuning.rows32Below = 0;
        const b = await both(77, 70, 45, bias, 70, ctx, opts);
        expect(a.got, JSON.stringify(opts)).toEqual(b.got);
        expect(a.got).toEqual(a.want);
      }
      // conv2d_gemm takes the same rule: a 3×3 stride-2 conv of two 13×11 images, 5 → 70 channels (84 rows, K 45)
      const g = { B: 2, Cin: 5, H: 13, W: 11, Cout: 70, k: 3, stride: 2, pad: 1, channelFirst: true };
      const [x, w, b] = [2 * 5 * 13 * 11, 70 * 45, 70].map((n, i) => ctx.upload(Float32Array.from(prngInput(`conv-rows:${i}`, n))));
      const outs: Float32Array[] = [];
      const rowTiles: number[] = [];
      for (const rows of [1e9, 0]) {
        gemmTuning.rows32Below = rows;
        const y = ctx.scratch(84 * 70);
        const d = convDispatch(ctx, x, w, b, y, g);
        rowTiles.push(d.workgroups[1] ?? 1);
        await ctx.run([d]);
        outs.push(await ctx.read(y, 84 * 70));
        y.destroy();
      }
      expect(rowTiles).toEqual([3, 2]);
      expect(outs[0]).toEqual(outs[1]);
      for (const buf of [x, w, b]) buf.destroy();
    } finally {
      gemmTuning.rows32Below = keep;
    }
  });

  it('split K equals linear.wgsl', async () => {
    expect(gemmPlan(49, 256, 1536).kind).toBe('splitk');
    const { got, want } = await both(49, 256, 1536, true);
    expect(relL2(got, want)).toBeLessThan(1e-5);
  });
});

describe('HiLo fused dispatch list', () => {
  it('a LITv2-S stage-2 block is 6 dispatches (input Linear, window, pool, kv Linear, pooled attention, projection)', () => {
    const c = LITV2_VARIANTS['litv2-s'];
    const made: GPUBuffer[] = [];
    const alloc = (_r: string, n: number) => {
      made.push(ctx.scratch(n));
      return made[made.length - 1];
    };
    const g = stageGeom(c, 2);
    const cfg = stageHilo(c, 2, g.H, g.W);
    const w = uploadHiloWeights(ctx, syntheticParams(hilo.paramShapes(cfg)), cfg);
    expect(hiloDispatches(ctx, w, cfg, { x: ctx.scratch(4), y: ctx.scratch(4), batch: 1 }, alloc).dispatches.length).toBe(6);
    // stage 3 (ws 1, Lo-Fi only): [l_q | l_kv] Linear, attention, projection
    const g3 = stageGeom(c, 3);
    const cfg3 = stageHilo(c, 3, g3.H, g3.W);
    const w3 = uploadHiloWeights(ctx, syntheticParams(hilo.paramShapes(cfg3)), cfg3);
    expect(hiloDispatches(ctx, w3, cfg3, { x: ctx.scratch(4), y: ctx.scratch(4) }, alloc).dispatches.length).toBe(3);
    for (const b of [...w.all, ...w3.all, ...made]) b.destroy();
  });
});

describe('HiLo launch configs equal the float64 reference (output and maps)', () => {
  const base: HiloConfig = { dim: 64, heads: 4, alpha: 0.5, ws: 2, qkvBias: true, H: 11, W: 13, padded: true };
  const cases: Array<[string, Partial<HiloConfig>]> = [
    ['both branches, padded 2×2 windows', {}],
    ['Lo-Fi only, 3×3 pooling, no bias', { alpha: 0, ws: 3, qkvBias: false }],
    ['Hi-Fi only, 3×3 windows (28 per workgroup)', { alpha: 1, ws: 3, H: 10, W: 8 }],
    ['ws 1: Lo-Fi on unpooled keys', { ws: 1 }],
    ['ws 1 with the trained split: 1×1 windows and unpooled Lo-Fi', { ws: 1, lHeads: 2 }],
    ['windows of 289 tokens (two query chunks)', { ws: 17, H: 17, W: 17 }],
    ['head size 128 (16 windows per workgroup)', { dim: 256, heads: 2, H: 7, W: 9 }],
  ];
  async function check(c: HiloConfig, gpuCtx: GpuContext, tol: number) {
    const x = prngInput(`hilo-launch:${JSON.stringify(c)}`, c.H * c.W * c.dim);
    const p = syntheticParams(hilo.paramShapes(c));
    const ref = hilo.reference({ shape: hilo.inputShape(c), data: x }, p, c);
    const got = await hilo.gpu!(gpuCtx, Float32Array.from(x), p, c, { maps: true });
    expect(relL2(got.y, ref.y.data)).toBeLessThan(tol);
    for (const [name, m] of Object.entries(ref.maps)) expect(relL2(got.maps[name], m.data), name).toBeLessThan(tol);
  }
  for (const [label, d] of cases) it(label, () => check({ ...base, ...d }, ctx, 1e-4));
  it('16-bit storage', () => check(base, ctx.half(), 1e-2));
});

describe('LITv2 forwardGpu at batch 32 (128-row tiles, vec4 depthwise conv, input upload buffer)', () => {
  const cfg: Litv2Config = {
    imgSize: 64, patchSize: 4, inChans: 3, numClasses: 10, embedDim: 32, depths: [1, 1, 2, 1], numHeads: [1, 2, 4, 8],
    mlpRatio: 4, qkvBias: true, alpha: 0.5, localWs: [0, 0, 2, 1], hasMsa: [0, 0, 1, 1], patchNorm: true, testCrop: true,
  };
  it('equals the float64 reference', async () => {
    const B = 32;
    // the products this test is about really take the big-tile path
    expect(gemmPlan(B * 256, 128, 32).kind).toBe('big');
    expect(gemmPlan(B * 256, 32, 128).kind).toBe('big');
    const p = syntheticParams(litv2.expectedKeys(cfg), 'test:litv2-b32');
    const S = cfg.imgSize;
    const x = prngInput('model-gpu:litv2-b32', B * 3 * S * S);
    const ref = litv2.forwardReference({ shape: [B, 3, S, S], data: x }, p, cfg);
    const got = await litv2.forwardGpu!(ctx, Float32Array.from(x), [B, 3, S, S], p, cfg);
    expectMatchesReference(got, ref);
    // a second forward on the cached plan, through its re-mapped input upload buffer (inputs
    // > 1 MiB): the batch rolled by one image gives the logits rolled by one image
    const per = 3 * S * S;
    const rolled = new Float32Array(B * per);
    rolled.set(x.subarray(per), 0);
    rolled.set(x.subarray(0, per), (B - 1) * per);
    const again = await litv2.forwardGpu!(ctx, rolled, [B, 3, S, S], p, cfg, { stages: false });
    const n = cfg.numClasses;
    const want = new Float32Array(B * n);
    want.set(got.logits.subarray(n), 0);
    want.set(got.logits.subarray(0, n), (B - 1) * n);
    expect(relL2(again.logits, want)).toBeLessThan(1e-6);
    releaseLitv2Gpu(ctx, p);
  });
});
