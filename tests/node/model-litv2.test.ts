import { describe, expect, it } from 'vitest';
import { checkFileCpu } from '../../src/parity/check-file';
import { openFixture, fixtureTensor } from '../../src/parity/fixture-file';
import { compareForward, compareKeys } from '../../src/parity/model-check';
import { loadCheckpoint } from '../../src/weights/checkpoint';
import { conv2d } from '../../src/tensor/ops';
import { permute, relL2, type Tensor } from '../../src/tensor/tensor';
import type { Params } from '../../src/ops/types';
import { prngInput } from '../../src/weights/prng';
import { modelForFixture, modelForVariant } from '../../src/models/registry';
import { litv2, litv2Params, officialFlops } from '../../src/models/litv2';
import { deformConv2dPack, deformIm2col } from '../../src/models/litv2/dcn';
import { fixtureBytes } from './fixtures';

const readSibling = async (rel: string) => fixtureBytes(rel);
const meta = (rel: string) => openFixture(rel, fixtureBytes(rel)).meta;

describe('litv2 fixtures (CPU reference)', () => {
  it('mini model: logits, top-5, every stage, keys and MACs', async () => {
    const r = await checkFileCpu('models/litv2-mini.safetensors', fixtureBytes('models/litv2-mini.safetensors'), readSibling);
    expect(r.notes).toEqual([]);
    expect(r.status).toBe('PASS');
    expect(r.worst).toBeLessThan(1e-3);
  });

  it('litv2-s.keys.json: exact state_dict order and MACs', async () => {
    const r = await checkFileCpu('models/litv2-s.keys.json', fixtureBytes('models/litv2-s.keys.json'), readSibling);
    expect(r.notes).toEqual([]);
    expect(r.status).toBe('PASS');
  });

  it('litv2-s with PRNG weights: logits, top-5, stage statistics (slow tier)', async () => {
    const r = await checkFileCpu('models/litv2-s.prng.safetensors', fixtureBytes('models/litv2-s.prng.safetensors'), readSibling);
    expect(r.notes).toEqual([]);
    expect(r.status).toBe('PASS');
  }, 180_000);

  it('the training checkpoint (with optimizer and yacs config) runs the mini model', async () => {
    const rel = 'checkpoints/litv2-mini.train.pth';
    const bytes = fixtureBytes(rel);
    expect((await checkFileCpu(rel, bytes, readSibling)).status).toBe('PASS');
    const ck = loadCheckpoint(bytes, rel);
    const mf = openFixture('models/litv2-mini.safetensors', fixtureBytes('models/litv2-mini.safetensors'));
    const cfg = litv2.configFromFixture(mf.meta.config ?? {});
    expect(compareKeys([...ck.tensors].map(([k, t]) => [k, t.shape]), litv2.expectedKeys(cfg))).toEqual([]);
    const w: Params = {};
    for (const [k, t] of ck.tensors) if (!k.endsWith('num_batches_tracked')) w[k] = { shape: t.shape, data: t.values() };
    const ref = mf.meta.input_ref as { file: string; tensor: string; shape: number[] };
    const x = fixtureTensor(openFixture(ref.file, fixtureBytes(ref.file)), ref.tensor);
    const r = compareForward(mf, litv2.forwardReference({ shape: ref.shape, data: x.data }, w, cfg));
    expect(r.notes).toEqual([]);
    expect(r.status).toBe('PASS');
  });
});

describe('litv2 counts', () => {
  it('officialFlops = model.flops() of the fixtures and the README table', () => {
    const mini = meta('models/litv2-mini.safetensors');
    expect(officialFlops(litv2.configFromFixture(mini.config ?? {}))).toBe(mini.official_flops);
    const s = meta('models/litv2-s.prng.safetensors');
    expect(officialFlops(litv2.variants['litv2-s'])).toBe(s.official_flops);
    const g = (v: string) => Math.round(officialFlops(litv2.variants[v]) / 1e6) / 1e3;
    expect([g('litv2-s'), g('litv2-m'), g('litv2-b'), g('litv2-b-384')]).toEqual([3.734, 7.479, 13.194, 39.709]);
  });

  it('MACs of the variant table equal macs_counted; parameter counts match the spec', () => {
    expect(litv2.macs(litv2.variants['litv2-s'])).toBe(meta('models/litv2-s.prng.safetensors').macs_counted);
    expect(litv2Params(litv2.variants['litv2-s'])).toBe(27_844_000);
    expect(litv2Params(litv2.variants['litv2-m'])).toBe(48_830_368);
    expect(litv2Params(litv2.variants['litv2-b'])).toBe(86_520_704);
    expect(litv2Params(litv2.variants['litv2-b-384'])).toBe(86_520_704);
    const mini = meta('models/litv2-mini.safetensors');
    expect(litv2Params(litv2.configFromFixture(mini.config ?? {}))).toBe(mini.params);
  });

  it('variants, registry and input sizes', () => {
    expect(modelForFixture('litv2')).toBe(litv2);
    for (const v of ['litv2-s', 'litv2-m', 'litv2-b', 'litv2-b-384', 'litv2-s-alpha0', 'litv2-s-alpha0.5', 'litv2-s-alpha1']) expect(modelForVariant(v)).toBe(litv2);
    expect(litv2.inputSize(litv2.variants['litv2-s'])).toEqual({ size: 224, crop: true });
    expect(litv2.inputSize(litv2.variants['litv2-b-384'])).toEqual({ size: 384, crop: false });
  });

  it('alpha sweep: stage 2 holds only Hi-Fi (alpha 0) or only Lo-Fi (alpha 1) weights', () => {
    const stage2 = (v: string) => new Map(litv2.expectedKeys(litv2.variants[v]).filter(([k]) => k.startsWith('layers.2.blocks.0.attn.')).map(([k, s]) => [k.slice(23), s.join(',')]));
    expect([...stage2('litv2-s-alpha0')]).toEqual([['h_qkv.weight', '1152,384'], ['h_qkv.bias', '1152'], ['h_proj.weight', '384,384'], ['h_proj.bias', '384']]);
    expect(stage2('litv2-s-alpha1').get('l_q.weight')).toBe('384,384');
    expect(stage2('litv2-s-alpha1').has('h_qkv.weight')).toBe(false);
    expect(stage2('litv2-s').get('l_q.weight')).toBe('320,384');
    expect(stage2('litv2-s').get('h_proj.weight')).toBe('64,64');
  });
});

describe('litv2 DTM deformable conv', () => {
  const H = 6;
  const W = 4;
  const C = 3;
  const x = prngInput('dcn-x', H * W * C); // tokens [H·W, C]
  const zeroOff = (Ho: number, Wo: number, k = 2): Tensor => ({ shape: [2 * k * k, Ho, Wo], data: new Float64Array(2 * k * k * Ho * Wo) });
  const at = (y: number, xx: number, c: number) => x[(y * W + xx) * C + c];

  it('zero offsets: exactly the plain 2×2/2 convolution', () => {
    const O = 5;
    const p: Params = {
      weight: { shape: [O, C, 2, 2], data: prngInput('dcn-w', O * C * 4) },
      bias: { shape: [O], data: prngInput('dcn-b', O) },
      'conv_offset.weight': { shape: [8, C, 2, 2], data: new Float64Array(8 * C * 4) },
      'conv_offset.bias': { shape: [8], data: new Float64Array(8) },
    };
    const { y } = deformConv2dPack(x, H, W, C, p, '', { kernel: 2, stride: 2, padding: 0 });
    const plain = conv2d(permute({ shape: [1, H, W, C], data: x }, [0, 3, 1, 2]), p.weight, p.bias, { stride: 2 });
    expect(relL2(y.data, permute(plain, [0, 2, 3, 1]).data)).toBeLessThan(1e-15);
  });

  it('bilinear sampling with the DCNv1 bounds rule', () => {
    const Ho = 3;
    const Wo = 2;
    const col = (off: Tensor, oy: number, ox: number, c: number, tap: number) =>
      deformIm2col(x, H, W, C, off, { kernel: 2, stride: 2, padding: 0 }).data[(oy * Wo + ox) * C * 4 + c * 4 + tap];
    const set = (tap: number, oy: number, ox: number, dy: number, dx: number) => {
      const o = zeroOff(Ho, Wo);
      o.data[(2 * tap * Ho + oy) * Wo + ox] = dy;
      o.data[((2 * tap + 1) * Ho + oy) * Wo + ox] = dx;
      return o;
    };
    // integer shift: the pixel one row down
    expect(col(set(0, 1, 1, 1, 0), 1, 1, 2, 0)).toBe(at(3, 2, 2));
    // fractional inside the grid: the four corners
    const v = col(set(3, 0, 0, 0.25, 0.5), 0, 0, 1, 3);
    const want = 0.75 * 0.5 * at(1, 1, 1) + 0.75 * 0.5 * at(1, 2, 1) + 0.25 * 0.5 * at(2, 1, 1) + 0.25 * 0.5 * at(2, 2, 1);
    expect(v).toBeCloseTo(want, 14);
    // py = −0.5: the upper corners lie outside (weigh 0), the point is still sampled
    expect(col(set(0, 0, 0, -0.5, 0), 0, 0, 0, 0)).toBeCloseTo(0.5 * at(0, 0, 0), 14);
    // py ≤ −1 or px ≥ W: the whole point is 0
    expect(col(set(0, 0, 0, -1, 0), 0, 0, 0, 0)).toBe(0);
    expect(col(set(1, 2, 1, 0, 1), 2, 1, 0, 1)).toBe(0); // px = 3 + 1 = W
    // px = W − 0.5: the right corners fall off, the left corner keeps weight 0.5
    expect(col(set(1, 2, 1, 0, 0.5), 2, 1, 0, 1)).toBeCloseTo(0.5 * at(4, 3, 0), 14);
  });

  it('the model rejects other input sizes, as the official PatchEmbed', () => {
    const mini = litv2.configFromFixture(meta('models/litv2-mini.safetensors').config ?? {});
    expect(() => litv2.forwardReference({ shape: [1, 3, 192, 192], data: new Float64Array(3 * 192 * 192) }, {}, mini)).toThrow(/exactly/);
  });
});
