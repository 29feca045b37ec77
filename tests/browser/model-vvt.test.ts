/**
 * VVT WebGPU forward against the float64 CPU reference on tiny configs at batch 2: the official
 * layout (fr 2, SE ratio 1, several heads, a 2-block stage) on a square input, and an odd one (a
 * non-square input whose last grid is 1×2, a stage without blocks, fr 1 and 4, SE ratio 2, two
 * input channels). Then the plan cache (batch 1 after batch 2), the captured attention input of
 * every site, the split-K products of the small late-stage grids, and the Vicinity op after its
 * dispatch-list refactor (rows maps; batches of 2 and 33 in one dispatch list: one- and two-tile key
 * chunks, apply by column tile and by whole rows).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GpuContext } from '../../src/gpu/context';
import { syntheticParams } from '../../src/ops/common/params';
import { vvt, releaseVvtGpu, type VvtConfig } from '../../src/models/vvt';
import { vvtForward } from '../../src/models/vvt/forward';
import { vvtGrids } from '../../src/models/vvt/config';
import { relL2, type Tensor } from '../../src/tensor/tensor';
import { prngInput } from '../../src/weights/prng';
import { vicinity } from '../../src/ops/vicinity';
import { uploadVicinityWeights, vicinityDispatches, vicinityKvChunk } from '../../src/ops/vicinity/gpu';
import { VICINITY_THETA, type VicinityConfig } from '../../src/ops/vicinity/spec';
import type { Params } from '../../src/ops/types';
import { gemmPlan, splitCount } from '../../src/gpu/gemm';
import { PlanBuilder, runGroups } from '../../src/gpu/plan';
import { submitPieces } from '../../src/gpu/plan/runner';
import { convFast, imageToTokens } from '../../src/models/nn-cpu';
import { linear } from '../../src/tensor/ops';

let ctx: GpuContext;
beforeAll(async () => {
  ctx = await GpuContext.acquire(navigator.gpu);
});
afterAll(() => ctx?.destroy());

const tinyOfficial: VvtConfig = {
  embedDims: [16, 24, 32, 48], numHeads: [1, 2, 2, 4], mlpRatios: [4, 4, 2, 2], depths: [1, 2, 1, 1],
  frRatios: [2, 2, 2, 2], seRatio: 1, inChans: 3, numClasses: 10,
};
const tinyOdd: VvtConfig = {
  embedDims: [8, 16, 24, 32], numHeads: [2, 1, 3, 2], mlpRatios: [3, 2, 2, 1], depths: [2, 0, 1, 1],
  frRatios: [1, 4, 2, 2], seRatio: 2, inChans: 2, numClasses: 5,
};

async function compare(cfg: VvtConfig, tag: string, H: number, W: number) {
  const p = syntheticParams(vvt.expectedKeys(cfg), `test:${tag}`);
  const B = 2;
  const per = cfg.inChans * H * W;
  const x = prngInput(`model-gpu:${tag}`, B * per);
  const ref = vvt.forwardReference({ shape: [B, cfg.inChans, H, W], data: x }, p, cfg);
  const got = await vvt.forwardGpu!(ctx, Float32Array.from(x), [B, cfg.inChans, H, W], p, cfg);
  expect(got.logits.length).toBe(ref.logits.data.length);
  expect(relL2(got.logits, ref.logits.data), 'logits').toBeLessThan(1e-3);
  expect(got.stages.length).toBe(4);
  got.stages.forEach((s, i) => {
    expect(s.length, `stage${i} size`).toBe(ref.stages[i].data.length);
    expect(relL2(s, ref.stages[i].data), `stage${i}`).toBeLessThan(1e-3);
  });
  if (got.stageMs) expect(got.stageMs.length).toBe(4);
  expect(got.captured).toBeUndefined();
  // cached weights + a new plan for batch 1 give image 1's result again
  const one = await vvt.forwardGpu!(ctx, Float32Array.from(x.subarray(per)), [1, cfg.inChans, H, W], p, cfg, { stages: false });
  const n = ref.logits.data.length / B;
  expect(one.stages).toEqual([]);
  expect(relL2(one.logits, ref.logits.data.subarray(n))).toBeLessThan(1e-3);
  releaseVvtGpu(ctx, p);
}

describe('a forward submitted in pieces (the GPU starts while the host records the rest)', () => {
  it('pieces from 1 and from 8 launches, ending at stage ends or inside a stage, give the logits and stages of one submit, bit for bit', async () => {
    const cfg = tinyOfficial;
    const p = syntheticParams(vvt.expectedKeys(cfg), 'test:pieces');
    const x = prngInput('model-gpu:pieces', 2 * 3 * 32 * 32);
    const saved = { ...submitPieces };
    const runs: Array<Awaited<ReturnType<NonNullable<typeof vvt.forwardGpu>>>> = [];
    try {
      for (const [first, split] of [[0, false], [1, false], [8, false], [1, true], [8, true]] as const) {
        Object.assign(submitPieces, { first, split });
        runs.push(await vvt.forwardGpu!(ctx, Float32Array.from(x), [2, 3, 32, 32], p, cfg, { timed: true }));
      }
    } finally {
      Object.assign(submitPieces, saved);
    }
    for (const r of runs.slice(1)) {
      expect(Array.from(r.logits)).toEqual(Array.from(runs[0].logits));
      expect(r.stages.length).toBe(4);
      r.stages.forEach((s, i) => expect(Array.from(s), `stage ${i}`).toEqual(Array.from(runs[0].stages[i])));
      expect(r.stageMs?.length ?? 4).toBe(4);
      // a stage split over two passes is timed from its first part's start to its last part's end
      for (const t of r.stageMs ?? []) expect(t).toBeGreaterThanOrEqual(0);
    }
    releaseVvtGpu(ctx, p);
  });
});

describe('VVT forwardGpu = forwardReference (batch 2)', () => {
  it('official layout (fr 2, SE 1), 2-block stage, 32×32 input', () => compare(tinyOfficial, 'vvt-a', 32, 32));
  it('27×41 input (last grid 1×2), a stage without blocks, fr 1 / 4, SE ratio 2, 2 input channels', () => compare(tinyOdd, 'vvt-b', 27, 41));
});

describe('VVT attention sites and capture', () => {
  it('one site per block; the captured input is the CPU forward\'s LN1 output and the op reproduces the block\'s attention', async () => {
    const cfg = tinyOfficial;
    const [H, W] = [24, 20];
    const p = syntheticParams(vvt.expectedKeys(cfg), 'test:vvt-capture');
    const x = prngInput('model-gpu:vvt-capture', 2 * 3 * H * W);
    const inputs: Tensor[] = [];
    vvtForward({ shape: [2, 3, H, W], data: x }, p, cfg, { onAttentionInput: (i, u) => (inputs[i] = u) });
    const sites = vvt.attentionSites!(cfg, H, W);
    expect(sites.length).toBe(cfg.depths.reduce((a, b) => a + b, 0));
    expect(inputs.length).toBe(sites.length);
    const grids = vvtGrids(H, W);
    for (let i = 0; i < sites.length; i++) {
      const s = sites[i];
      const c = s.opConfig as VicinityConfig;
      expect(s.op).toBe('vicinity');
      expect([c.H, c.W]).toEqual(grids[s.stage]);
      expect(c.dim).toBe(cfg.embedDims[s.stage]);
      const got = await vvt.forwardGpu!(ctx, Float32Array.from(x), [2, 3, H, W], p, cfg, { stages: false, capture: i });
      const shape = vicinity.inputShape(c);
      const L = c.H * c.W * c.dim;
      expect(got.captured!.length).toBe(shape.reduce((a, b) => a * b, 1));
      const want = inputs[i].data.subarray(0, L);
      expect(relL2(got.captured!, want), `site ${i} input`).toBeLessThan(1e-4);
      const params = s.params(p);
      expect(Object.keys(params).sort()).toEqual(vicinity.paramShapes(c).map(([k]) => k).sort());
      const yGot = vicinity.reference({ shape, data: Float64Array.from(got.captured!) }, params, c).y;
      const yWant = vicinity.reference({ shape, data: Float64Array.from(want) }, params, c).y;
      expect(relL2(yGot.data, yWant.data), `site ${i} attention`).toBeLessThan(1e-3);
    }
    await expect(vvt.forwardGpu!(ctx, Float32Array.from(x), [2, 3, H, W], p, cfg, { capture: sites.length })).rejects.toThrow(/site/);
    releaseVvtGpu(ctx, p);
  });
});

describe('split-K Linear and patch conv (small M, long K)', () => {
  async function run(build: (pb: PlanBuilder, up: (a: ArrayLike<number>) => GPUBuffer) => GPUBuffer, floats: number): Promise<Float32Array> {
    const pb = new PlanBuilder(ctx);
    const up = (a: ArrayLike<number>) => {
      const b = ctx.upload(Float32Array.from(a));
      pb.pool.owned.push(b);
      return b;
    };
    const y = build(pb, up);
    pb.close('t');
    const r = await runGroups(ctx, pb.groups, [{ buf: y, floats }], false);
    pb.pool.destroy();
    return r.reads[0];
  }

  it('Linear [49×700]·[70×700]ᵀ + b in 5 splits', async () => {
    const [M, N, K] = [49, 70, 700];
    expect(splitCount(M, N, K)).toBe(5);
    const x = prngInput('splitk-x', M * K);
    const w = prngInput('splitk-w', N * K);
    const b = prngInput('splitk-b', N);
    const ref = linear({ shape: [M, K], data: x }, { shape: [N, K], data: w }, { shape: [N], data: b });
    const got = await run((pb, up) => {
      const y = pb.pool.fresh('y', M * N);
      pb.linear(up(x), up(w), up(b), y, M, N, K);
      return y;
    }, M * N);
    expect(relL2(got, ref.data)).toBeLessThan(1e-6);
  });

  for (const [tag, B, Cin, H, W, Cout, k, s, p, cf] of [
    ['image (channel-first) k7 s4 p3', 2, 12, 30, 26, 20, 7, 4, 3, true],
    ['tokens k3 s2 p1', 1, 64, 9, 7, 24, 3, 2, 1, false],
  ] as const) {
    it(`conv from ${tag}`, async () => {
      const x = prngInput(`splitk-conv-${tag}`, B * Cin * H * W);
      const w = prngInput(`splitk-convw-${tag}`, Cout * Cin * k * k);
      const b = prngInput(`splitk-convb-${tag}`, Cout);
      const img = { shape: [B, Cin, H, W], data: x };
      const ref = imageToTokens(convFast(img, { shape: [Cout, Cin, k, k], data: w }, { shape: [Cout], data: b }, { stride: s, padding: p }));
      const M = ref.shape[0] * ref.shape[1];
      expect(gemmPlan(M, Cout, Cin * k * k, { conv: true }).kind).toBe('splitk');
      const src = cf ? x : imageToTokens(img).data;
      const got = await run((pb, up) => {
        const y = pb.pool.fresh('y', M * Cout);
        pb.conv(up(src), up(w), up(b), y, { B, Cin, H, W, Cout, k, stride: s, pad: p, channelFirst: cf });
        return y;
      }, M * Cout);
      expect(relL2(got, ref.data)).toBeLessThan(1e-6);
    });
  }
});

describe('vicinity op after the dispatch-list refactor', () => {
  const cfg: VicinityConfig = { dim: 32, heads: 2, frRatio: 2, seReduction: 1, theta: VICINITY_THETA, H: 11, W: 13 };
  const N = cfg.H * cfg.W;

  it('maps for chosen rows equal those rows of the all-rows maps', async () => {
    const p = syntheticParams(vicinity.paramShapes(cfg));
    const x = Float32Array.from(prngInput('vicinity-rows', N * cfg.dim));
    const all = await vicinity.gpu!(ctx, x, p, cfg, { maps: true });
    const rows = [17, 0, N - 1];
    const some = await vicinity.gpu!(ctx, x, p, cfg, { maps: false, rows });
    expect(relL2(some.y, all.y)).toBeLessThan(1e-6);
    const attn = new Float32Array(cfg.heads * rows.length * N);
    for (let h = 0; h < cfg.heads; h++) rows.forEach((r, i) => attn.set(all.maps.attn.slice((h * N + r) * N, (h * N + r + 1) * N), (h * rows.length + i) * N));
    expect(relL2(some.maps.attn, attn)).toBeLessThan(1e-6);
    const loc = new Float32Array(rows.length * N);
    rows.forEach((r, i) => loc.set(all.maps.locality.slice(r * N, (r + 1) * N), i * N));
    expect(relL2(some.maps.locality, loc)).toBeLessThan(1e-6);
    const ref = vicinity.reference({ shape: [1, N, cfg.dim], data: Float64Array.from(x) }, p, cfg);
    expect(relL2(all.y, ref.y.data)).toBeLessThan(1e-4);
  });

  // B 2: several one-tile key chunks; B 33 of 24×24 with 2 heads of 40: chunks of two tiles, and
  // enough token tiles that one apply workgroup does all three column tiles of its tokens
  for (const [c, B, check] of [[cfg, 2, [0, 1]], [{ ...cfg, dim: 160, H: 24, W: 24 }, 33, [0, 32]]] as const) {
    it(`a batch of ${B} images in one dispatch list equals single-image runs (C ${c.dim}, ${c.H}×${c.W})`, async () => {
      const n = c.H * c.W;
      const chunk = vicinityKvChunk(n, c.heads, B);
      expect(Math.ceil(n / chunk)).toBeGreaterThan(1);
      if (B > 2) expect(chunk).toBeGreaterThan(64);
      const p: Params = syntheticParams(vicinity.paramShapes(c));
      const x = Float32Array.from(prngInput('vicinity-batch', B * n * c.dim));
      // make the images differ in scale so a batch index mix-up cannot cancel out
      for (let i = n * c.dim; i < x.length; i++) x[i] *= 1 + (Math.floor(i / (n * c.dim)) % 3);
      const w = uploadVicinityWeights(ctx, p, c);
      const xb = ctx.upload(x);
      const y = ctx.scratch(B * n * c.dim);
      const made: GPUBuffer[] = [];
      const alloc = (_r: string, f: number) => {
        const b = ctx.scratch(f);
        made.push(b);
        return b;
      };
      await ctx.run(vicinityDispatches(ctx, w, c, { x: xb, y, batch: B }, alloc).dispatches);
      const got = await ctx.read(y, B * n * c.dim);
      for (const b of check) {
        const xi = x.slice(b * n * c.dim, (b + 1) * n * c.dim);
        const single = await vicinity.gpu!(ctx, xi, p, c, { maps: false });
        expect(relL2(got.subarray(b * n * c.dim, (b + 1) * n * c.dim), single.y), `image ${b}`).toBeLessThan(1e-5);
        const ref = vicinity.reference({ shape: [1, n, c.dim], data: Float64Array.from(xi) }, p, c);
        expect(relL2(single.y, ref.y.data), `image ${b} vs reference`).toBeLessThan(1e-4);
      }
      for (const b of [...w.all, xb, y, ...made]) b.destroy();
    });
  }
});
