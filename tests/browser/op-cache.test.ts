/**
 * One-image op runs reuse their weights and scratch (src/ops/common/weight-cache.ts,
 * scratch-pool.ts): a repeated run — or one after a knob its upload does not read — creates no
 * buffer at all (x in pooled scratch, uniforms and read-back buffers reused by the context); a
 * new params object or an upload-relevant knob uploads again; results are bit-identical to a run
 * on fresh buffers, also when the reused scratch holds garbage and when runs overlap; skipY leaves
 * y unread without changing the maps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BU, GpuContext } from '../../src/gpu/context';
import { interactionConfig } from '../../src/bench/interaction';
import { syntheticParams } from '../../src/ops/common/params';
import { scratchPoolFor } from '../../src/ops/common/scratch-pool';
import { weightCacheFor } from '../../src/ops/common/weight-cache';
import { OPS } from '../../src/ops/registry';
import type { AnyOp, GpuOpOutput, GpuRunOptions, Params } from '../../src/ops/types';
import { prngInput } from '../../src/weights/prng';

let ctx: GpuContext;
beforeAll(async () => {
  ctx = await GpuContext.acquire(navigator.gpu);
});
afterAll(() => ctx?.destroy());

/** Buffers created (all, and storage: weights, scratch), and ctx.upload calls while `f` runs. */
async function counting<T>(f: () => Promise<T>): Promise<{ out: T; buffers: number; storage: number; uploads: number }> {
  const dev = ctx.device;
  const create = dev.createBuffer.bind(dev);
  const upload = ctx.upload.bind(ctx);
  let buffers = 0;
  let storage = 0;
  let uploads = 0;
  dev.createBuffer = (d: GPUBufferDescriptor) => {
    buffers++;
    if (d.usage & BU.STORAGE) storage++;
    return create(d);
  };
  ctx.upload = (data, usage) => {
    uploads++;
    return upload(data, usage);
  };
  try {
    return { out: await f(), buffers, storage, uploads };
  } finally {
    Reflect.deleteProperty(dev, 'createBuffer');
    Reflect.deleteProperty(ctx, 'upload');
  }
}

const clone = (p: Params): Params => Object.fromEntries(Object.entries(p).map(([k, t]) => [k, { shape: [...t.shape], data: t.data.slice() }]));

function expectSame(a: GpuOpOutput, b: GpuOpOutput) {
  expect(b.y).toEqual(a.y);
  expect(Object.keys(b.maps).sort()).toEqual(Object.keys(a.maps).sort());
  for (const k of Object.keys(a.maps)) expect(b.maps[k], `map ${k}`).toEqual(a.maps[k]);
}

const gpuOps = OPS.filter((o): o is AnyOp & { gpu: NonNullable<AnyOp['gpu']> } => Boolean(o.gpu));

describe('op runs reuse weights and scratch', () => {
  for (const op of gpuOps) {
    for (const mode of ['rows', 'maps'] as const) {
      it(`${op.name} (${mode === 'rows' ? "a token's maps" : 'all maps'})`, async () => {
        const cfg = op.defaultConfig(6, 9);
        const shape = op.inputShape(cfg);
        const x = Float32Array.from(prngInput(`op-cache:${op.name}`, shape.reduce((a: number, b: number) => a * b, 1)));
        const p = syntheticParams(op.paramShapes(cfg));
        const opts: GpuRunOptions = mode === 'rows' ? { maps: false, rows: [7], timed: false } : { maps: true, timed: false };
        const first = await op.gpu(ctx, x, p, cfg, opts);
        const again = await counting(() => op.gpu(ctx, x, p, cfg, opts));
        // nothing is made again: x goes into pooled scratch, uniforms and read-back buffers are reused
        expect(again.uploads).toBe(0);
        expect(again.buffers).toBe(0);
        expectSame(first, again.out);

        // reused scratch full of NaN and freshly uploaded weights: still the same bits
        scratchPoolFor(ctx).fillIdle(ctx.device, NaN);
        const fresh = await counting(() => op.gpu(ctx, x, clone(p), cfg, opts));
        expect(fresh.uploads).toBeGreaterThan(1);
        expectSame(first, fresh.out);
      });
    }
  }

  it('overlapping runs get their own scratch', async () => {
    const runs = gpuOps.map((op) => {
      const cfg = op.defaultConfig(6, 9);
      const n = op.inputShape(cfg).reduce((a: number, b: number) => a * b, 1);
      return { op, cfg, p: syntheticParams(op.paramShapes(cfg)), xs: [0, 1].map((i) => Float32Array.from(prngInput(`op-cache:overlap${i}`, n))) };
    });
    const one = (r: (typeof runs)[number], i: number) => r.op.gpu(ctx, r.xs[i], r.p, r.cfg, { maps: false, rows: [3], timed: false });
    const alone: GpuOpOutput[] = [];
    for (const r of runs) for (const i of [0, 1]) alone.push(await one(r, i));
    const together = await Promise.all(runs.flatMap((r) => [one(r, 0), one(r, 1)]));
    together.forEach((o, i) => expectSame(alone[i], o));
  });

  it('skipY: y is not read back, the maps are the same', async () => {
    for (const op of gpuOps) {
      const cfg = op.defaultConfig(6, 9);
      const x = Float32Array.from(prngInput('op-cache:skipY', op.inputShape(cfg).reduce((a: number, b: number) => a * b, 1)));
      const p = syntheticParams(op.paramShapes(cfg));
      const full = await op.gpu(ctx, x, p, cfg, { maps: false, rows: [2], timed: false });
      const noY = await op.gpu(ctx, x, p, cfg, { maps: false, rows: [2], timed: false, skipY: true });
      expect(full.y.length, op.name).toBeGreaterThan(0);
      expect(noY.y.length, op.name).toBe(0);
      expect(noY.maps, op.name).toEqual(full.maps);
    }
  });
});

describe('a knob change re-uploads only when the upload reads it', () => {
  // [op, knob, two values, uploads again?]: the benchmark's knobs and HiLo's window. HiLo's alpha
  // moves heads between branches, so its weight shapes (a new param set) change with it.
  const cases: Array<[string, string, [number | boolean, number | boolean], boolean]> = [
    ['mhsa', 'heads', [4, 8], false],
    ['hilo', 'alpha', [0.9, 0.8], true],
    ['hilo', 'ws', [2, 4], false],
    ['gla', 'tau', [16, 17.9], false],
    ['vicinity', 'theta', [Math.PI / 2, Math.PI / 2 + Math.PI / 64], false],
    ['fasa', 'ws', [2, 3], true],
    ['gma', 'agg7', [true, false], true],
  ];
  for (const [name, key, values, reupload] of cases) {
    it(`${name}: ${key} ${String(values[0])} → ${String(values[1])}`, async () => {
      const op = gpuOps.find((o) => o.name === name)!;
      const [a, b] = values.map((v) => interactionConfig(op, 8, key, v));
      // the views' weights: one object per distinct set of shapes (ops/view.ts viewParams)
      const pa = syntheticParams(op.paramShapes(a));
      const pb = JSON.stringify(op.paramShapes(b)) === JSON.stringify(op.paramShapes(a)) ? pa : syntheticParams(op.paramShapes(b));
      const x = Float32Array.from(prngInput('op-cache:knob', op.inputShape(a).reduce((s: number, d: number) => s * d, 1)));
      const opts: GpuRunOptions = { maps: false, rows: [10], timed: false, skipY: true };
      await op.gpu(ctx, x, pa, a, opts);
      const before = weightCacheFor(ctx).uploads;
      await op.gpu(ctx, x, pb, b, opts);
      expect(weightCacheFor(ctx).uploads - before).toBe(reupload ? 1 : 0);
      // and back: both are cached now
      const again = await counting(() => op.gpu(ctx, x, pa, a, opts));
      expect(again.uploads).toBe(0);
    });
  }
});
