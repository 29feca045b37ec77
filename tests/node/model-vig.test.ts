/** ViG and ViG-H backbones: fixtures through the parity checker, checkpoints, keys/MACs of every variant, the mixer vs the op reference. */
import { describe, expect, it } from 'vitest';
import { checkFileCpu } from '../../src/parity/check-file';
import { compareForward } from '../../src/parity/model-check';
import { fixtureTensor, openFixture } from '../../src/parity/fixture-file';
import { loadCheckpoint } from '../../src/weights/checkpoint';
import { prngInput } from '../../src/weights/prng';
import { syntheticParams } from '../../src/ops/common/params';
import { gla, gla2d } from '../../src/ops/gla';
import { glaReference } from '../../src/ops/gla/reference';
import type { GlaConfig } from '../../src/ops/gla/spec';
import type { Params } from '../../src/ops/types';
import { relL2, type Tensor } from '../../src/tensor/tensor';
import { modelForFixture, modelForVariant } from '../../src/models/registry';
import { vig, vigH, glaMixer } from '../../src/models/vig';
import { resizePosEmbed, vigGrid } from '../../src/models/vig/vig';
import { renameLegacyVigHKeys, vigHGrids } from '../../src/models/vig/vig_h';
import { fixtureBytes } from './fixtures';

const read = async (rel: string) => fixtureBytes(rel);

async function check(rel: string) {
  const r = await checkFileCpu(rel, fixtureBytes(rel), read);
  expect(r.notes).toEqual([]);
  expect(r.status).toBe('PASS');
  return r;
}

describe('vig / vig_h fixtures (CPU reference)', () => {
  it('registry routes both families', () => {
    expect(modelForFixture('vig')).toBe(vig);
    expect(modelForFixture('vig_h')).toBe(vigH);
    expect(modelForVariant('vig-s')).toBe(vig);
    expect(modelForVariant('vig-h-b')).toBe(vigH);
  });
  for (const f of ['models/vig-mini.safetensors', 'models/vig_h-mini.safetensors', 'models/vig-t.keys.json', 'models/vig-h-t.keys.json']) {
    it(f, () => check(f), 60_000);
  }
  // full variants under PRNG weights (slow tier: ~5 s and ~18 s here, weights included)
  it('models/vig-t.prng.safetensors', () => check('models/vig-t.prng.safetensors'), 300_000);
  it('models/vig-h-t.prng.safetensors', () => check('models/vig-h-t.prng.safetensors'), 300_000);
});

function miniInput(f: ReturnType<typeof openFixture>): Tensor {
  const ref = f.meta.input_ref as { file: string; tensor: string; shape: number[] };
  return { shape: ref.shape, data: fixtureTensor(openFixture(ref.file, fixtureBytes(ref.file)), ref.tensor).data };
}

function paramsOf(bytes: Uint8Array, name: string): Params {
  const ck = loadCheckpoint(bytes, name);
  const w: Params = {};
  for (const [k, t] of ck.tensors) w[k] = { shape: t.shape, data: t.values() };
  return w;
}

describe('mini weights through the checkpoint loader', () => {
  it('checkpoints/vig-mini.bare.pth (fp32) reproduces vig-mini', () => {
    const f = openFixture('models/vig-mini.safetensors', fixtureBytes('models/vig-mini.safetensors'));
    const out = vig.forwardReference(miniInput(f), paramsOf(fixtureBytes('checkpoints/vig-mini.bare.pth'), 'vig-mini.bare.pth'), vig.configFromFixture(f.meta.config!));
    const r = compareForward(f, out);
    expect(r.notes).toEqual([]);
  });
  it('checkpoints/vig_h-mini.bf16.safetensors (bf16) stays close to vig_h-mini', () => {
    const f = openFixture('models/vig_h-mini.safetensors', fixtureBytes('models/vig_h-mini.safetensors'));
    const out = vigH.forwardReference(miniInput(f), paramsOf(fixtureBytes('checkpoints/vig_h-mini.bf16.safetensors'), 'bf16'), vigH.configFromFixture(f.meta.config!));
    // bf16 weights (8-bit mantissa) move the logits by ~1e-2 relative: a loose bound, same top-1
    const e = relL2(out.logits.data, fixtureTensor(f, 'logits').data);
    expect(e).toBeLessThan(5e-2);
    expect(e).toBeGreaterThan(0);
    const top = (d: ArrayLike<number>) => Array.from(d).indexOf(Math.max(...Array.from(d)));
    expect(top(out.logits.data)).toBe((f.meta.top5 as number[])[0]);
  });
});

describe('every official variant', () => {
  // parameter totals of spec/vig.md §1 (from tensor shapes)
  const params: Record<string, number> = {
    'vig-t': 5_834_536, 'vig-s': 22_615_144, 'vig-b': 89_022_184,
    'vig-h-t': 28_600_680, 'vig-h-s': 50_051_688, 'vig-h-b': 88_904_360,
  };
  for (const [name, n] of Object.entries(params)) {
    it(`${name}: ${n} parameters`, () => {
      const impl = modelForVariant(name)!;
      const keys = impl.expectedKeys(impl.variants[name]) as Array<[string, number[]]>;
      expect(keys.reduce((s, [, sh]) => s + sh.reduce((a, b) => a * b, 1), 0)).toBe(n);
    });
  }
  it('ViG-T/S/B flags: SiLU in conv and before o_proj only for ViG-T', () => {
    expect([vig.variants['vig-t'].actInConv, vig.variants['vig-s'].actInConv, vig.variants['vig-b'].outAct]).toEqual([true, false, false]);
    expect(vig.variants['vig-t'].outAct).toBe(true);
  });
  it('MACs of the full variants equal the fixtures (keys.json macs_counted)', () => {
    const kj = (rel: string) => JSON.parse(new TextDecoder().decode(fixtureBytes(rel))) as { config: Record<string, unknown>; macs_counted: number };
    const t = kj('models/vig-t.keys.json');
    expect(vig.macs(vig.variants['vig-t'])).toBe(t.macs_counted);
    expect(vig.macs(vig.configFromFixture(t.config))).toBe(t.macs_counted);
    const h = kj('models/vig-h-t.keys.json');
    expect(vigH.macs(vigH.variants['vig-h-t'])).toBe(h.macs_counted);
  });
  it('grids: ViG 224 → 14×14, ViG-H 56/28/14/7; other sizes follow the convs', () => {
    expect(vigGrid(vig.variants['vig-t'], 224, 224)).toEqual([14, 14]);
    expect(vigGrid(vig.variants['vig-t'], 256, 192)).toEqual([16, 12]);
    expect(vigHGrids(vigH.variants['vig-h-t'], 224, 224)).toEqual([[56, 56], [28, 28], [14, 14], [7, 7]]);
    expect(vigHGrids(vigH.variants['vig-h-t'], 100, 100)).toEqual([[25, 25], [13, 13], [7, 7], [4, 4]]);
  });
  it('unsupported constructor options are refused', () => {
    expect(() => vig.configFromFixture({ embed_dim: 64, num_heads: 2, if_cls_token: true })).toThrow(/if_cls_token/);
    expect(() => vigH.configFromFixture({ depths: [1], num_heads: [1], dims: 32, norm_layer: 'ln' })).toThrow(/norm_layer/);
  });
});

describe('GLA mixer = the gla op reference', () => {
  const cases: Array<[string, GlaConfig]> = [
    ['gla (ViG, SiLU flags, ÷4)', { ...gla.defaultConfig(5, 6) }],
    ['gla2d (ViG-H, ÷2)', { ...gla2d.defaultConfig(4, 7) }],
    ['gla, τ=4, backward only', { ...gla.defaultConfig(3, 5), tau: 4, direction: 'backward' }],
  ];
  for (const [name, c] of cases) {
    it(name, () => {
      const p = syntheticParams((c.layout === 'channels' ? gla2d : gla).paramShapes(c), 'mixer-test');
      const L = c.H * c.W;
      const tokens: Tensor = { shape: [L, c.dim], data: prngInput('mixer-x', L * c.dim) };
      const x: Tensor = c.layout === 'channels'
        ? { shape: [1, c.dim, c.H, c.W], data: Float64Array.from({ length: L * c.dim }, (_, i) => tokens.data[(i % L) * c.dim + Math.floor(i / L)]) }
        : { shape: [1, L, c.dim], data: tokens.data };
      const ref = glaReference(x, p, c).y;
      const got = glaMixer(tokens, p, c);
      const gotLayout = c.layout === 'channels' ? Float64Array.from({ length: L * c.dim }, (_, i) => got.data[(i % L) * c.dim + Math.floor(i / L)]) : got.data;
      expect(relL2(gotLayout, ref.data)).toBeLessThan(1e-12);
    });
  }
});

describe('forward shapes, batches, sizes', () => {
  const mini = (rel: string) => openFixture(rel, fixtureBytes(rel));
  const vigCfg = vig.configFromFixture(mini('models/vig-mini.safetensors').meta.config!);
  const vigW = syntheticParams(vig.expectedKeys(vigCfg));
  const hCfg = vigH.configFromFixture(mini('models/vig_h-mini.safetensors').meta.config!);
  const hW = syntheticParams(vigH.expectedKeys(hCfg));
  const img = (B: number, H: number, W: number, key = 'img'): Tensor => ({ shape: [B, 3, H, W], data: prngInput(key, B * 3 * H * W) });

  it('a batch of 2 equals two single images (ViG)', () => {
    const x = img(2, 64, 64);
    const both = vig.forwardReference(x, vigW, vigCfg);
    expect(both.logits.shape).toEqual([2, 1000]);
    expect(both.stages[0].shape).toEqual([2, 16, 64]);
    const second = vig.forwardReference({ shape: [1, 3, 64, 64], data: x.data.subarray(3 * 64 * 64) }, vigW, vigCfg);
    expect(relL2(both.logits.data.subarray(1000), second.logits.data)).toBe(0);
  });
  it('ViG at 160×128: pos_embed resized bicubically to 10×8', () => {
    const out = vig.forwardReference(img(1, 160, 128), vigW, vigCfg);
    expect(out.stages[1].shape).toEqual([1, 80, 64]);
    expect(out.logits.data.every(Number.isFinite)).toBe(true);
  });
  it('ViG-H at 96×80: channel-first stages', () => {
    const out = vigH.forwardReference(img(2, 96, 80), hW, hCfg);
    expect(out.stages.map((s) => s.shape)).toEqual([[2, 32, 24, 20], [2, 64, 12, 10], [2, 128, 6, 5], [2, 256, 3, 3]]);
  });
  it('ViG-H legacy key names load the same', () => {
    const legacy: Params = {};
    for (const [k, t] of Object.entries(hW)) legacy[k.replace(/^classifier\.head/, 'head').replace(/^classifier\.norm/, 'norm').replace(/\.op\./, '.self_attention.').replace(/\.norm\./, '.ln_1.')] = t;
    expect(Object.keys(renameLegacyVigHKeys(legacy)).sort()).toEqual(Object.keys(hW).sort());
  });
  it('bicubic pos_embed resize: identity at the same size, constants stay constant', () => {
    const pos: Tensor = { shape: [1, 16, 2], data: Float64Array.from({ length: 32 }, (_, i) => (i % 2 ? 3 : -1)) };
    expect(resizePosEmbed(pos, 4, 4, 4, 4)).toBe(pos);
    const up = resizePosEmbed(pos, 4, 4, 7, 5);
    expect(up.shape).toEqual([1, 35, 2]);
    for (let i = 0; i < 35; i++) {
      expect(up.data[2 * i]).toBeCloseTo(-1, 12);
      expect(up.data[2 * i + 1]).toBeCloseTo(3, 12);
    }
  });
});
