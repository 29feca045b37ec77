import { describe, expect, it } from 'vitest';
import { checkFileCpu } from '../../src/parity/check-file';
import { openFixture, fixtureTensor } from '../../src/parity/fixture-file';
import { compareForward, prngParams } from '../../src/parity/model-check';
import { prngInput } from '../../src/weights/prng';
import { relL2, type Tensor } from '../../src/tensor/tensor';
import { modelForFixture, modelForVariant } from '../../src/models/registry';
import { gmf, foldBatchNorms } from '../../src/models/gmf';
import { gmfForward } from '../../src/models/gmf/forward';
import { gmaNoMaps } from '../../src/models/gmf/attention';
import { gmaReference } from '../../src/ops/gma/reference';
import { gmaParamShapes, type GmaConfig } from '../../src/ops/gma/spec';
import { syntheticParams } from '../../src/ops/common/params';
import { fixtureBytes } from './fixtures';

const readSibling = async (rel: string) => fixtureBytes(rel);
const MINI = 'models/gmf-mini.safetensors';
const mini = openFixture(MINI, fixtureBytes(MINI));
const miniCfg = gmf.configFromFixture(mini.meta.config ?? {});
const miniW = () => prngParams(mini.meta.keys as Array<[string, number[]]>);
const input = (): Tensor => {
  const ref = mini.meta.input_ref as { file: string; tensor: string; shape: number[] };
  return { shape: ref.shape, data: fixtureTensor(openFixture(ref.file, fixtureBytes(ref.file)), ref.tensor).data };
};
const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);
const VARIANTS = ['groupmixformer-m', 'groupmixformer-t', 'groupmixformer-s', 'groupmixformer-b', 'groupmixformer-l'];

describe('gmf fixtures (CPU reference)', () => {
  for (const rel of [MINI, 'models/gmf-mini.pth', 'models/groupmixformer-m.keys.json']) {
    it(`${rel}: PASS (logits, top-5, stages / checkpoint keys / keys in order, MACs)`, async () => {
      const r = await checkFileCpu(rel, fixtureBytes(rel), readSibling);
      expect(r.notes).toEqual([]);
      expect(r.status).toBe('PASS');
      expect(r.worst).toBeLessThan(1e-3);
    });
  }

  it('groupmixformer-m with PRNG weights: logits, top-5, stage statistics (slow tier)', async () => {
    const rel = 'models/groupmixformer-m.prng.safetensors';
    const r = await checkFileCpu(rel, fixtureBytes(rel), readSibling);
    expect(r.notes).toEqual([]);
    expect(r.status).toBe('PASS');
  }, 180_000);

  it('a wrong weight is caught (the comparison can fail)', () => {
    const w = miniW();
    const key = 'groupmixformer_backbone.1.gma_stage.0.att.crpe.conv_list.1.weight';
    w[key] = { shape: w[key].shape, data: w[key].data.map((v, i) => (i % 3 === 0 ? v + 0.2 : v)) };
    expect(compareForward(mini, gmf.forwardReference(input(), w, miniCfg)).status).toBe('FAIL');
  });
});

describe('gmf forward', () => {
  it('the map-free attention equals gmaReference (op) on a non-square grid', () => {
    const cfg: GmaConfig = { dim: 80, heads: 8, qkvBias: true, qkScale: null, aggToken: 1, agg3: 1, agg5: 1, agg7: 1, aggNonAttn: 1, H: 6, W: 9 };
    const p = syntheticParams(gmaParamShapes(cfg), 'gmf-attn-test');
    const x: Tensor = { shape: [1, 54, 80], data: prngInput('gmf-attn-x', 54 * 80) };
    expect(relL2(gmaNoMaps(x, p, cfg).data, gmaReference(x, p, cfg).y.data)).toBeLessThan(1e-13);
    // the op's segment switches are honoured the same way
    const off = { ...cfg, agg5: 0, aggNonAttn: 0 };
    expect(relL2(gmaNoMaps(x, p, off).data, gmaReference(x, p, off).y.data)).toBeLessThan(1e-13);
  });

  it('the whole model with the op reference for attention = the fast path (64×96 input)', () => {
    const x: Tensor = { shape: [1, 3, 64, 96], data: prngInput('gmf-x-64x96', 3 * 64 * 96) };
    const w = miniW();
    const a = gmfForward(x, w, miniCfg, { attention: 'op' });
    const b = gmfForward(x, w, miniCfg);
    expect(relL2(b.logits.data, a.logits.data)).toBeLessThan(1e-12);
    a.stages.forEach((s, i) => expect(relL2(b.stages[i].data, s.data)).toBeLessThan(1e-12));
    expect(b.stages.map((s) => s.shape)).toEqual([[1, 384, 40], [1, 96, 40], [1, 24, 80], [1, 6, 80]]);
  });

  it('batch of 2: each sample as if alone', () => {
    const x1 = input();
    const both: Tensor = { shape: [2, 3, 224, 224], data: new Float64Array([...x1.data, ...prngInput('gmf-x2', x1.data.length)]) };
    const w = miniW();
    const one = gmf.forwardReference(x1, w, miniCfg);
    const two = gmf.forwardReference(both, w, miniCfg);
    expect(two.logits.shape).toEqual([2, 1000]);
    expect(relL2(two.logits.data.subarray(0, 1000), one.logits.data)).toBeLessThan(1e-14);
    expect(relL2(two.logits.data.subarray(1000), one.logits.data)).toBeGreaterThan(1e-2);
  });

  it('input sizes: what the official model accepts (stages halve exactly) runs, others are refused', () => {
    const w = miniW();
    const run = (h: number, ww: number) => gmf.forwardReference({ shape: [1, 3, h, ww], data: prngInput(`gmf-${h}x${ww}`, 3 * h * ww) }, w, miniCfg);
    expect(run(256, 160).stages[3].shape).toEqual([1, 8 * 5, 80]);
    expect(run(222, 224).stages[3].shape).toEqual([1, 49, 80]); // ceil(222/4) = 56 still halves
    expect(() => run(230, 224)).toThrow(/multiples of 32/);
    expect(() => gmf.macs(miniCfg, 200, 200)).toThrow(/multiples of 32/);
  });
});

describe('gmf variants and counts', () => {
  it('registry, variants, parameter counts and GMACs of the spec table', () => {
    expect(modelForFixture('gmf')).toBe(gmf);
    for (const v of VARIANTS) expect(modelForVariant(v)).toBe(gmf);
    const params = (v: string) => gmf.expectedKeys(gmf.variants[v]).filter(([k]) => !/running_|num_batches/.test(k)).reduce((a, [, s]) => a + numel(s), 0);
    expect(VARIANTS.map(params)).toEqual([5_733_120, 10_949_152, 22_421_320, 45_827_272, 71_833_648]);
    expect(VARIANTS.map((v) => Math.round(gmf.macs(gmf.variants[v]) / 1e7) / 1e2)).toEqual([1.33, 3.69, 5.13, 17.43, 38.07]);
    expect(gmf.expectedKeys(gmf.variants['groupmixformer-m'])).toHaveLength(1149);
    expect(gmf.macs(miniCfg)).toBe(mini.meta.macs_counted);
  });
});

describe('gmf BatchNorm folding', () => {
  it('foldBatchNorms removes the foldable BNs and changes no logit beyond 1e-5 relative', () => {
    const w = miniW();
    const folded = foldBatchNorms(w, miniCfg);
    const bns = (p: Record<string, unknown>) => Object.keys(p).filter((k) => k.endsWith('.running_mean'));
    expect(bns(folded).sort()).toEqual(bns(w).filter((k) => /aggregator\.norm0\.|^norm4\./.test(k)).sort());
    expect(folded['patch_embed_layers.0.proj.pointwise_conv.bias'].shape).toEqual([40]);
    const x = input();
    const a = gmf.forwardReference(x, w, miniCfg);
    const b = gmf.forwardReference(x, folded, miniCfg);
    const diff = a.logits.data.reduce((m, v, i) => Math.max(m, Math.abs(v - b.logits.data[i]) / Math.max(Math.abs(v), 1e-3)), 0);
    expect(diff).toBeLessThan(1e-5);
    expect(relL2(b.logits.data, a.logits.data)).toBeLessThan(1e-12);
    expect(compareForward(mini, b).status).toBe('PASS');
    // the unfolded weights are untouched
    expect(w['conv_stem.norm1.running_mean']).toBeDefined();
  });
});
