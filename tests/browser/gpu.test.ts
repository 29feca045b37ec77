/**
 * GPU tests in real Chromium (WebGPU; SwiftShader on CPU machines): the shared kernels against the
 * float64 references on sizes the fixtures do not use.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GpuContext } from '../../src/gpu/context';
import { gemmDispatches, gemmPlan, linearDispatch, splitkPartials } from '../../src/gpu/gemm';
import { makeDummies, normDispatch, type NormSpec } from '../../src/gpu/plan/layers';
import { syntheticParams } from '../../src/ops/common/params';
import { OPS, opByName } from '../../src/ops/registry';
import type { GlaConfig } from '../../src/ops/gla/spec';
import { linear } from '../../src/tensor/ops';
import { relL2 } from '../../src/tensor/tensor';
import { prngInput } from '../../src/weights/prng';

let ctx: GpuContext;
beforeAll(async () => {
  ctx = await GpuContext.acquire(navigator.gpu);
});
afterAll(() => ctx?.destroy());

describe('GpuContext', () => {
  it('reports the adapter and its features', () => {
    expect(ctx.report.features.length).toBeGreaterThan(0);
    expect(typeof ctx.report.timestamps).toBe('boolean');
    expect(ctx.report.maxBufferMB).toBeGreaterThan(100);
  });
  it('caches pipelines by source', () => {
    const src = '@group(0) @binding(0) var<storage, read_write> a: array<f32>; @compute @workgroup_size(1) fn main() { a[0] = 1.0; }';
    const a = ctx.pipeline(src);
    expect(ctx.pipeline(src)).toBe(a);
    expect(ctx.pipeline(src, 'main')).toBe(a);
  });
  it('keys the cache of raw sources by storage and subgroups too (a half view or subgroups off never gets the f32 pipeline)', () => {
    const src = 'const WG = 4u;\n//#include lib/wg_reduce.wgsl\n@group(0) @binding(0) var<storage, read_write> a: array<f32>; @compute @workgroup_size(1) fn main() { a[0] = 1.0; }';
    const full = ctx.pipeline(src);
    const half = ctx.half('emulated');
    expect(half.pipeline(src)).not.toBe(full);
    expect(half.pipeline(src)).toBe(half.pipeline(src));
    const on = ctx.report.subgroups;
    ctx.report.subgroups = !on;
    try {
      // the subgroup rewrite changes lib/wg_reduce.wgsl's text only where the device has subgroups
      if (on) expect(ctx.pipeline(src)).not.toBe(full);
      ctx.report.subgroups = on;
      expect(ctx.pipeline(src)).toBe(full);
    } finally {
      ctx.report.subgroups = on;
    }
  });
});

describe('row norm (add_norm): subgroup reductions give the bits of the workgroup tree', () => {
  for (const [C, mode] of [[5, 'ln'], [64, 'rms'], [100, 'ln'], [320, 'ln']] as const) {
    it(`C = ${C}, ${mode} (the same both ways where the GPU has no subgroups)`, async () => {
      const rows = 9;
      const up = (tag: string, n: number) => ctx.upload(Float32Array.from(prngInput(`gpu-test:norm:${tag}`, n)));
      const spec: Omit<NormSpec, 'sum' | 'out'> = { rows, C, x: up('x', rows * C), delta: { buf: up('d', 3 * C), rows: 3, scale: up('s', C) }, mode, weight: up('w', C), bias: up('b', C), act: 'gelu' };
      const bits = async () => {
        const [sum, out] = [ctx.scratch(rows * C), ctx.scratch(rows * C)];
        await ctx.run([normDispatch(ctx, { ...spec, sum, out }, makeDummies(ctx))]);
        const u32 = (f: Float32Array) => [...new Uint32Array(f.buffer, f.byteOffset, f.length)];
        return [...u32(await ctx.read(sum, rows * C)), ...u32(await ctx.read(out, rows * C))];
      };
      const on = ctx.report.subgroups;
      const withSg = await bits();
      ctx.report.subgroups = false;
      try {
        expect(withSg).toEqual(await bits());
      } finally {
        ctx.report.subgroups = on;
      }
    });
  }
});

describe('add_norm with a split-K addend (PlanBuilder.linearNorm): the bits of split reduce + add_norm, one launch fewer', () => {
  // [bias, scale, norm]: VVT/LITv2's fc2 (bias, LayerNorm), ViG's fc2 (layer scale, RMSNorm), no norm
  for (const [M, N, K, bias, scale, mode] of [[49, 64, 1536, true, false, 'ln'], [7, 40, 777, false, true, 'rms'], [13, 70, 500, true, false, 'none']] as const) {
    it(`${M}×${N}, K ${K}${bias ? ', bias' : ''}${scale ? ', scale' : ''}, ${mode}`, async () => {
      const up = (tag: string, n: number) => ctx.upload(Float32Array.from(prngInput(`gpu-test:splitnorm:${tag}`, n)));
      const x = up('x', M * K);
      const w = up('w', N * K);
      const b = bias ? up('b', N) : null;
      const res = up('res', M * N);
      const sc = scale ? up('scale', N) : undefined;
      const nw = up('nw', N);
      const nb = up('nb', N);
      const p = gemmPlan(M, N, K);
      expect(p.kind).toBe('splitk');
      const bits = async (fused: boolean) => {
        const [sum, out, y] = [ctx.scratch(M * N), ctx.scratch(M * N), ctx.scratch(M * N)];
        const alloc = (_: string, n: number) => ctx.scratch(n);
        const tail = { rows: M, C: N, x: res, sum, mode, weight: mode === 'none' ? undefined : nw, bias: mode === 'ln' ? nb : undefined, out: mode === 'none' ? undefined : out };
        const ds = fused
          ? (() => {
            const { dispatch, part } = splitkPartials(ctx, alloc, x, w, M, N, K, p.splits);
            return [dispatch, normDispatch(ctx, { ...tail, split: { part, splits: p.splits, bias: b, scale: sc } }, makeDummies(ctx))];
          })()
          : [...gemmDispatches(ctx, alloc, x, w, b, y, M, N, K), normDispatch(ctx, { ...tail, delta: { buf: y, rows: M, scale: sc } }, makeDummies(ctx))];
        expect(ds.length).toBe(fused ? 2 : 3);
        await ctx.run(ds);
        const u32 = (f: Float32Array) => [...new Uint32Array(f.buffer, f.byteOffset, f.length)];
        return [...u32(await ctx.read(sum, M * N)), ...(mode === 'none' ? [] : u32(await ctx.read(out, M * N)))];
      };
      expect(await bits(true)).toEqual(await bits(false));
    });
  }
});

describe('linear kernel', () => {
  for (const [M, N, K, bias] of [[1, 1, 1, true], [67, 130, 45, true], [196, 192, 64, false], [3, 70, 129, true]] as const) {
    it(`[${M}×${K}]·[${N}×${K}]ᵀ${bias ? ' + b' : ''}`, async () => {
      const x = prngInput('x', M * K);
      const w = prngInput('w', N * K);
      const b = prngInput('b', N);
      const ref = linear({ shape: [M, K], data: x }, { shape: [N, K], data: w }, bias ? { shape: [N], data: b } : undefined);
      const xb = ctx.upload(Float32Array.from(x));
      const wb = ctx.upload(Float32Array.from(w));
      const bb = ctx.upload(Float32Array.from(b));
      const yb = ctx.scratch(M * N);
      await ctx.run([linearDispatch(ctx, xb, wb, bias ? bb : null, yb, M, N, K)]);
      const y = await ctx.read(yb, M * N);
      expect(relL2(y, ref.data)).toBeLessThan(1e-6);
    });
  }
});

describe('every op: WebGPU path equals the CPU reference on off-fixture sizes', () => {
  for (const op of OPS) {
    if (!op.gpu) continue;
    for (const [H, W] of [[6, 9], [11, 7]]) {
      it(`${op.name} ${H}×${W}`, async () => {
        const cfg = op.defaultConfig(H, W);
        const shape = op.inputShape(cfg);
        const n = shape.reduce((a: number, b: number) => a * b, 1);
        const x = prngInput(`gpu-test:${op.name}`, n);
        const p = syntheticParams(op.paramShapes(cfg));
        const ref = op.reference({ shape, data: x }, p, cfg);
        const got = await op.gpu!(ctx, Float32Array.from(x), p, cfg, { maps: true });
        expect(relL2(got.y, ref.y.data)).toBeLessThan(1e-4);
        for (const [name, m] of Object.entries(ref.maps)) {
          expect(got.maps[name], `map ${name}`).toBeDefined();
          expect(relL2(got.maps[name], m.data), `map ${name}`).toBeLessThan(1e-4);
        }
      });
    }
  }
});

describe('gla knobs and shapes on the GPU (maps on and off, 16-bit storage)', () => {
  const cases: Array<[string, Partial<GlaConfig>]> = [
    ['gla', { direction: 'forward', locality: 'off', tau: 4, clampMin: -0.05 }],
    ['gla', { direction: 'backward', locality: 'full' }],
    ['gla2d', { direction: 'both', locality: 'off', dim: 96, heads: 24 }],
    ['gla2d', { direction: 'forward', actInConv: true, outAct: true, clampMin: -0.01 }],
  ];
  for (const [name, over] of cases) {
    it(`${name} ${JSON.stringify(over)}`, async () => {
      const op = opByName(name)!;
      const cfg = { ...op.defaultConfig(7, 10), ...over } as GlaConfig;
      const shape = op.inputShape(cfg);
      const x = prngInput(`gpu-test:knobs:${name}`, shape.reduce((a: number, b: number) => a * b, 1));
      const p = syntheticParams(op.paramShapes(cfg));
      const ref = op.reference({ shape, data: x }, p, cfg);
      const got = await op.gpu!(ctx, Float32Array.from(x), p, cfg, { maps: true });
      expect(relL2(got.y, ref.y.data)).toBeLessThan(1e-4);
      for (const [k, m] of Object.entries(ref.maps)) expect(relL2(got.maps[k], m.data), `map ${k}`).toBeLessThan(1e-4);
      const plain = await op.gpu!(ctx, Float32Array.from(x), p, cfg, { maps: false });
      expect(Array.from(plain.y)).toEqual(Array.from(got.y));
      const half = await op.gpu!(ctx.half(), Float32Array.from(x), p, cfg, { maps: false });
      expect(relL2(half.y, ref.y.data)).toBeLessThan(1e-2);
    });
  }
});
