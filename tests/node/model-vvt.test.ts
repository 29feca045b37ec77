import { describe, expect, it } from 'vitest';
import { checkFileCpu } from '../../src/parity/check-file';
import { openFixture, fixtureTensor } from '../../src/parity/fixture-file';
import { compareForward, compareKeys, prngParams } from '../../src/parity/model-check';
import { loadCheckpoint } from '../../src/weights/checkpoint';
import { prngInput } from '../../src/weights/prng';
import { relL2, type Tensor } from '../../src/tensor/tensor';
import type { Params } from '../../src/ops/types';
import { modelForFixture, modelForVariant } from '../../src/models/registry';
import { vvt } from '../../src/models/vvt';
import { vvtForward } from '../../src/models/vvt/forward';
import { vvtAttnConfig } from '../../src/models/vvt/config';
import { vicinityNoMaps } from '../../src/models/vvt/attention';
import { vicinityReference } from '../../src/ops/vicinity/reference';
import { vicinityParamShapes } from '../../src/ops/vicinity/spec';
import { syntheticParams } from '../../src/ops/common/params';
import { fixtureBytes } from './fixtures';

const readSibling = async (rel: string) => fixtureBytes(rel);
const MINI = 'models/vvt-mini.safetensors';
const mini = openFixture(MINI, fixtureBytes(MINI));
const miniCfg = vvt.configFromFixture(mini.meta.config ?? {});
const miniW = () => prngParams(mini.meta.keys as Array<[string, number[]]>);
const input = (): Tensor => {
  const ref = mini.meta.input_ref as { file: string; tensor: string; shape: number[] };
  return { shape: ref.shape, data: fixtureTensor(openFixture(ref.file, fixtureBytes(ref.file)), ref.tensor).data };
};
const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);

describe('vvt fixtures (CPU reference)', () => {
  for (const rel of [MINI, 'models/vvt-tiny.keys.json']) {
    it(`${rel}: PASS (logits, top-5, stages / keys in order, MACs)`, async () => {
      const r = await checkFileCpu(rel, fixtureBytes(rel), readSibling);
      expect(r.notes).toEqual([]);
      expect(r.status).toBe('PASS');
      expect(r.worst).toBeLessThan(1e-3);
    });
  }

  it('vvt-tiny with PRNG weights: logits, top-5, stage statistics (slow tier)', async () => {
    const rel = 'models/vvt-tiny.prng.safetensors';
    const r = await checkFileCpu(rel, fixtureBytes(rel), readSibling);
    expect(r.notes).toEqual([]);
    expect(r.status).toBe('PASS');
  }, 180_000);

  it('the legacy (non-zip) checkpoint runs the mini model', () => {
    const rel = 'checkpoints/vvt-mini.legacy.pth';
    const ck = loadCheckpoint(fixtureBytes(rel), rel);
    expect(compareKeys([...ck.tensors].map(([k, t]) => [k, t.shape]), vvt.expectedKeys(miniCfg))).toEqual([]);
    const w: Params = {};
    for (const [k, t] of ck.tensors) w[k] = { shape: t.shape, data: t.values() };
    const r = compareForward(mini, vvt.forwardReference(input(), w, miniCfg));
    expect(r.notes).toEqual([]);
    expect(r.status).toBe('PASS');
  });

  it('a wrong weight is caught (the comparison can fail)', () => {
    const w = miniW();
    const t = w['block2.0.attn.q_proj.weight'];
    w['block2.0.attn.q_proj.weight'] = { shape: t.shape, data: t.data.map((v, i) => (i % 7 === 0 ? v + 0.05 : v)) };
    expect(compareForward(mini, vvt.forwardReference(input(), w, miniCfg)).status).toBe('FAIL');
  });
});

describe('vvt forward', () => {
  it('the map-free attention equals vicinityReference (op) on a non-square grid, 3 heads', () => {
    const cfg = { dim: 48, heads: 3, frRatio: 2, seReduction: 1, theta: Math.PI / 2, H: 5, W: 7 };
    const p = syntheticParams(vicinityParamShapes(cfg), 'vvt-attn-test');
    const x: Tensor = { shape: [1, 35, 48], data: prngInput('vvt-attn-x', 35 * 48) };
    const ref = vicinityReference(x, p, cfg).y;
    expect(relL2(vicinityNoMaps(x, p, cfg).data, ref.data)).toBeLessThan(1e-13);
  });

  it('the whole model with the op reference for attention = the fast path (64×96 input)', () => {
    const x: Tensor = { shape: [1, 3, 64, 96], data: prngInput('vvt-x-64x96', 3 * 64 * 96) };
    const w = miniW();
    const a = vvtForward(x, w, miniCfg, { attention: 'op' });
    const b = vvtForward(x, w, miniCfg);
    expect(relL2(b.logits.data, a.logits.data)).toBeLessThan(1e-12);
    a.stages.forEach((s, i) => expect(relL2(b.stages[i].data, s.data)).toBeLessThan(1e-12));
    expect(b.stages.map((s) => s.shape)).toEqual([[1, 384, 32], [1, 96, 64], [1, 24, 96], [1, 6, 128]]);
    expect(vvt.macs(miniCfg, 64, 96)).toBeGreaterThan(0);
  });

  it('batch of 2: each sample as if alone', () => {
    const x1 = input();
    const x2 = prngInput('vvt-x2', x1.data.length);
    const both: Tensor = { shape: [2, 3, 224, 224], data: new Float64Array([...x1.data, ...x2]) };
    const w = miniW();
    const one = vvt.forwardReference(x1, w, miniCfg);
    const two = vvt.forwardReference(both, w, miniCfg);
    expect(two.logits.shape).toEqual([2, 1000]);
    expect(relL2(two.logits.data.subarray(0, 1000), one.logits.data)).toBeLessThan(1e-14);
    expect(relL2(two.logits.data.subarray(1000), one.logits.data)).toBeGreaterThan(1e-2);
    expect(two.stages[0].shape).toEqual([2, 3136, 32]);
  });
});

describe('vvt variants and counts', () => {
  it('registry, variants, parameter counts and MACs of the spec table', () => {
    expect(modelForFixture('vvt')).toBe(vvt);
    const params = (v: string) => vvt.expectedKeys(vvt.variants[v]).reduce((a, [, s]) => a + numel(s), 0);
    const gmac = (v: string) => Math.round(vvt.macs(vvt.variants[v]) / 1e7) / 1e2;
    for (const v of ['vvt-tiny', 'vvt-small', 'vvt-medium', 'vvt-large']) expect(modelForVariant(v)).toBe(vvt);
    expect(['vvt-tiny', 'vvt-small', 'vvt-medium', 'vvt-large'].map(params)).toEqual([12_882_440, 25_492_264, 47_907_304, 61_848_520]);
    expect(['vvt-tiny', 'vvt-small', 'vvt-medium', 'vvt-large'].map(gmac)).toEqual([2.98, 5.59, 9.39, 10.78]);
    expect(vvt.macs(vvt.variants['vvt-tiny'])).toBe(JSON.parse(new TextDecoder().decode(fixtureBytes('models/vvt-tiny.keys.json'))).macs_counted);
    expect(vvt.macs(miniCfg)).toBe(mini.meta.macs_counted);
  });

  it('the unimplemented official options are refused, not silently ignored', () => {
    expect(() => vvt.configFromFixture({ ...mini.meta.config, sr_ratios: [8, 4, 2, 1] })).toThrow(/sr_ratios/);
    expect(vvtAttnConfig(miniCfg, 2, 14, 14)).toMatchObject({ dim: 96, heads: 3, frRatio: 2, H: 14, W: 14 });
  });
});
