import { describe, expect, it } from 'vitest';
import { checkFileCpu } from '../../src/parity/check-file';
import { openFixture, fixtureTensor } from '../../src/parity/fixture-file';
import { compareForward, compareKeys, prngParams } from '../../src/parity/model-check';
import { loadCheckpoint } from '../../src/weights/checkpoint';
import { prngInput } from '../../src/weights/prng';
import { relL2, type Tensor } from '../../src/tensor/tensor';
import type { Params } from '../../src/ops/types';
import { modelForFixture, modelForVariant } from '../../src/models/registry';
import { fat, foldBatchNorms } from '../../src/models/fat';
import { fixtureBytes } from './fixtures';

const readSibling = async (rel: string) => fixtureBytes(rel);
const MINI = 'models/fat-mini.safetensors';
const mini = openFixture(MINI, fixtureBytes(MINI));
const miniCfg = fat.configFromFixture(mini.meta.config ?? {});
const miniW = () => prngParams(mini.meta.keys as Array<[string, number[]]>);
const input = (): Tensor => {
  const ref = mini.meta.input_ref as { file: string; tensor: string; shape: number[] };
  return { shape: ref.shape, data: fixtureTensor(openFixture(ref.file, fixtureBytes(ref.file)), ref.tensor).data };
};
const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);
const VARIANTS = ['fat-b0', 'fat-b1', 'fat-b2', 'fat-b3'];

describe('fat fixtures (CPU reference)', () => {
  for (const rel of [MINI, 'models/fat-b0.keys.json']) {
    it(`${rel}: PASS (logits, top-5, stages / keys in order, MACs)`, async () => {
      const r = await checkFileCpu(rel, fixtureBytes(rel), readSibling);
      expect(r.notes).toEqual([]);
      expect(r.status).toBe('PASS');
      expect(r.worst).toBeLessThan(1e-3);
    });
  }

  it('fat-b0 with PRNG weights: logits, top-5, stage statistics (slow tier)', async () => {
    const rel = 'models/fat-b0.prng.safetensors';
    const r = await checkFileCpu(rel, fixtureBytes(rel), readSibling);
    expect(r.notes).toEqual([]);
    expect(r.status).toBe('PASS');
  }, 180_000);

  it('the fp16 checkpoint loads into the mini model; its logits stay close (fp16 weight rounding)', () => {
    const rel = 'checkpoints/fat-mini.fp16.pth';
    const ck = loadCheckpoint(fixtureBytes(rel), rel);
    expect(compareKeys([...ck.tensors].map(([k, t]) => [k, t.shape]), fat.expectedKeys(miniCfg))).toEqual([]);
    const w: Params = {};
    for (const [k, t] of ck.tensors) if (!k.endsWith('num_batches_tracked')) w[k] = { shape: t.shape, data: t.values() };
    const out = fat.forwardReference(input(), w, miniCfg);
    // fp16 keeps ~11 bits: the logits move by about that much, not more
    expect(relL2(out.logits.data, fixtureTensor(mini, 'logits').data)).toBeLessThan(1e-2);
  });

  it('a wrong weight is caught (the comparison can fail)', () => {
    const w = miniW();
    const t = w['layers.1.blocks.0.attn.kv.weight'];
    w['layers.1.blocks.0.attn.kv.weight'] = { shape: t.shape, data: t.data.map((v, i) => (i % 5 === 0 ? v + 0.1 : v)) };
    expect(compareForward(mini, fat.forwardReference(input(), w, miniCfg)).status).toBe('FAIL');
  });
});

describe('fat forward', () => {
  it('batch of 2: each sample as if alone', () => {
    const x1 = input();
    const both: Tensor = { shape: [2, 3, 224, 224], data: new Float64Array([...x1.data, ...prngInput('fat-x2', x1.data.length)]) };
    const w = miniW();
    const one = fat.forwardReference(x1, w, miniCfg);
    const two = fat.forwardReference(both, w, miniCfg);
    expect(two.logits.shape).toEqual([2, 1000]);
    expect(relL2(two.logits.data.subarray(0, 1000), one.logits.data)).toBeLessThan(1e-14);
    expect(relL2(two.logits.data.subarray(1000), one.logits.data)).toBeGreaterThan(1e-2);
    expect(relL2(two.stages[1].data.subarray(0, one.stages[1].data.length), one.stages[1].data)).toBeLessThan(1e-14);
  });

  it('any input size (199×230): stage grids follow the stride-2 convs, MACs follow the grid', () => {
    const x: Tensor = { shape: [1, 3, 199, 230], data: prngInput('fat-x-199x230', 3 * 199 * 230) };
    const out = fat.forwardReference(x, miniW(), miniCfg);
    // stem 199 → 100 → 50, then ceil(/2) per stage: 25, 13, 7, 7 (230 → 58 → 29, 15, 8, 8)
    expect(out.stages.map((s) => s.shape)).toEqual([[1, 32, 25, 29], [1, 48, 13, 15], [1, 64, 7, 8], [1, 64, 7, 8]]);
    expect(out.logits.data.every(Number.isFinite)).toBe(true);
    expect(fat.macs(miniCfg, 199, 230)).not.toBe(fat.macs(miniCfg));
  });
});

describe('fat variants and counts', () => {
  it('registry, variants, parameter counts and GMACs of the spec table', () => {
    expect(modelForFixture('fat')).toBe(fat);
    for (const v of VARIANTS) expect(modelForVariant(v)).toBe(fat);
    const params = (v: string) => fat.expectedKeys(fat.variants[v]).filter(([k]) => !/running_|num_batches/.test(k)).reduce((a, [, s]) => a + numel(s), 0);
    expect(VARIANTS.map(params)).toEqual([4_494_488, 7_819_720, 13_466_728, 29_196_264]);
    expect(VARIANTS.map((v) => Math.round(fat.macs(fat.variants[v]) / 1e6) / 1e3)).toEqual([0.754, 1.243, 2.131, 4.632]);
    expect(fat.expectedKeys(fat.variants['fat-b0'])).toHaveLength(487);
    expect(fat.macs(miniCfg)).toBe(mini.meta.macs_counted);
  });
});

describe('fat BatchNorm folding', () => {
  it('foldBatchNorms removes the foldable BNs and changes no logit beyond 1e-5 relative', () => {
    const w = miniW();
    const folded = foldBatchNorms(w, miniCfg);
    const bns = (p: Record<string, unknown>) => Object.keys(p).filter((k) => k.endsWith('.running_mean'));
    // left: the FASA pool BNs only; folded: 4 stem BNs, 8 ffn.bn, 3 downsample BNs
    expect(bns(folded).every((k) => /\.attn\.pool\.bn\d\./.test(k))).toBe(true);
    expect(bns(w).length - bns(folded).length).toBe(4 + 8 + 3);
    const x = input();
    const a = fat.forwardReference(x, w, miniCfg);
    const b = fat.forwardReference(x, folded, miniCfg);
    const diff = a.logits.data.reduce((m, v, i) => Math.max(m, Math.abs(v - b.logits.data[i]) / Math.max(Math.abs(v), 1e-3)), 0);
    expect(diff).toBeLessThan(1e-5);
    expect(relL2(b.logits.data, a.logits.data)).toBeLessThan(1e-12);
    expect(compareForward(mini, b).status).toBe('PASS');
  });
});
