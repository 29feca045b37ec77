/**
 * Checkpoint → model weights (src/models/load.ts): the fixture checkpoints load as their mini
 * configuration (detected from the keys when the test configurations are offered), strict
 * validation against a chosen variant names the missing / unexpected / mis-shaped keys and the
 * configuration the file resembles, and corrupt, truncated, hostile and foreign files are refused.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModelWeights, matchShapes, paramCountOf, resolveChoice, WeightMismatchError } from '../../src/models/load';
import { MODELS } from '../../src/models/registry';
import { CheckpointFormatError } from '../../src/weights/safetensors';
import { prngValues } from '../../src/weights/prng';
import { parseZoo } from '../../src/weights/zoo';
import { openFixture, fixtureTensor } from '../../src/parity/fixture-file';
import { top5 } from '../../src/parity/model-check';
import { softmaxProbs, topK } from '../../src/models/classify';
import { fixtureBytes } from './fixtures';

const zoo = parseZoo(JSON.parse(readFileSync(resolve(__dirname, '../../public/zoo.json'), 'utf8')));
const TESTS = zoo.test;

function refusal(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the load to be refused');
}

const shapesOf = (keys: Array<[string, number[]]>) => new Map(keys.map(([k, s]) => [k, s as readonly number[]]));
const keysOf = (id: string) => {
  const c = resolveChoice(id, TESTS)!;
  return c.model.expectedKeys(c.cfg) as Array<[string, number[]]>;
};

describe('fixture checkpoints load as their mini configuration', () => {
  for (const t of TESTS) {
    it(`${t.fixture} → ${t.id}`, () => {
      const name = t.fixture.split('/').pop()!;
      const m = loadModelWeights(fixtureBytes(t.fixture), name, { tests: TESTS });
      expect(m.choice.id).toBe(t.id);
      expect(m.choice.kind).toBe('test');
      expect(m.report.ok).toBe(true);
      expect(m.paramCount).toBe(t.params);
      // values are the PRNG weights as stored (exactly equal for F32 files, rounded for F16/BF16)
      const [k, p] = Object.entries(m.params).find(([key]) => key.endsWith('weight'))!;
      const ref = prngValues(k, p.shape, t.salt)!;
      const rel = Math.sqrt(ref.reduce((s, v, i) => s + (v - p.data[i]) ** 2, 0) / ref.reduce((s, v) => s + v * v, 0));
      expect(rel).toBeLessThan(name.includes('16') ? 1e-2 : 1e-7);
      expect(Object.keys(m.params).some((x) => x.endsWith('num_batches_tracked'))).toBe(false);
    });
  }

  it('strict validation against the explicit mini configuration works too', () => {
    const m = loadModelWeights(fixtureBytes('checkpoints/vig-mini.bare.pth'), 'vig-mini.bare.pth', { id: 'vig-mini', tests: TESTS });
    expect(m.choice.id).toBe('vig-mini');
    expect(m.notes.join(' ')).toMatch(/tensors/);
  });

  it('vig-mini.bare.pth classifies the chelsea crop as the fixture says', () => {
    const m = loadModelWeights(fixtureBytes('checkpoints/vig-mini.bare.pth'), 'vig-mini.bare.pth', { tests: TESTS });
    const pre = openFixture('preprocess/chelsea.safetensors', fixtureBytes('preprocess/chelsea.safetensors'));
    const x = fixtureTensor(pre, 'cropped_normalized');
    const out = m.choice.model.forwardReference({ shape: [1, ...x.shape.slice(-3)], data: x.data }, m.params, m.choice.cfg);
    expect(top5(out.logits.data)).toEqual([206, 953, 669, 92, 16]);
  });
});

describe('wrong files name what is wrong and what the file looks like', () => {
  it('a mini file checked against ViG-T: mis-shaped keys with counts, looks like vig-mini', () => {
    const e = refusal(() => loadModelWeights(fixtureBytes('checkpoints/vig-mini.bare.pth'), 'vig-mini.bare.pth', { id: 'vig-t', tests: TESTS }));
    expect(e).toBeInstanceOf(WeightMismatchError);
    expect(e.message).toMatch(/^vig-mini\.bare\.pth does not match vig-t/);
    expect(e.message).toMatch(/missing 140: blocks\.2\./); // ViG-T has 12 blocks of 14 tensors, the mini 2
    expect(e.message).toMatch(/mis-shaped \d+: \S+ \[[\d,]+\] \(expected \[[\d,]+\]\)/);
    expect(e.message).toMatch(/\(\d+ in all\)/);
    expect(e.message).toMatch(/looks like vig-mini \(test configuration \(mini\)\) \(100% of keys fit\)/);
    expect((e as WeightMismatchError).closest?.id).toBe('vig-mini');
  });

  it('a ViG-H mini file checked against the ViG mini names vig_h-mini', () => {
    const e = refusal(() => loadModelWeights(fixtureBytes('checkpoints/vig_h-mini.bf16.safetensors'), 'x.safetensors', { id: 'vig-mini', tests: TESTS }));
    expect(e.message).toMatch(/does not match vig-mini/);
    expect(e.message).toMatch(/unexpected \d+: /);
    expect((e as WeightMismatchError).closest?.id).toBe('vig_h-mini');
  });

  it('without the test configurations a mini file fits nothing; the closest official variant is named', () => {
    const e = refusal(() => loadModelWeights(fixtureBytes('checkpoints/vig-mini.bare.pth'), 'vig-mini.bare.pth'));
    expect(e).toBeInstanceOf(WeightMismatchError);
    expect(e.message).toMatch(/fits no configuration exactly; closest is vig-[tsb] \(\d+% of keys fit\)/);
  });

  it('ViG-S shapes checked against ViG-T: every mis-shaped key counted, looks like vig-s', () => {
    const e = refusal(() => matchShapes(shapesOf(keysOf('vig-s')), 'vig_s_81p7acc.pth', { id: 'vig-t' })) as WeightMismatchError;
    expect(e.report!.missing).toEqual([]);
    expect(e.report!.unexpected).toEqual([]);
    expect(e.report!.misShaped.length).toBeGreaterThan(100);
    expect(e.message).toMatch(/mis-shaped \d+: pos_embed \[1,196,384\] \(expected \[1,196,192\]\)/);
    expect(e.message).toMatch(/looks like vig-s \(100% of keys fit\) — it loads as vig-s/);
  });

  it('auto-detects every official variant from its key shapes (ties go to the main variant)', () => {
    for (const m of MODELS) {
      for (const id of Object.keys(m.variants)) {
        const r = matchShapes(shapesOf(keysOf(id)), `${id}.pth`);
        // some variants share every shape (LITv2-S = LITv2-S α=0.9, LITv2-B = LITv2-B-384): check the fit
        expect(r.report.ok, id).toBe(true);
        expect(paramCountOf(r.choice.model.expectedKeys(r.choice.cfg))).toBe(paramCountOf(keysOf(id)));
      }
    }
    expect(matchShapes(shapesOf(keysOf('litv2-s')), 'litv2_s.pth').choice.id).toBe('litv2-s');
    expect(matchShapes(shapesOf(keysOf('vig-t')), 'vig_t.pth').choice.id).toBe('vig-t');
    expect(matchShapes(shapesOf(keysOf('groupmixformer-b')), 'g.pth').choice.id).toBe('groupmixformer-b');
    // equal shapes: the file name or the caller's preference decides
    expect(matchShapes(shapesOf(keysOf('litv2-b')), 'litv2_b.pth').choice.id).toBe('litv2-b');
    expect(matchShapes(shapesOf(keysOf('litv2-b')), 'litv2_b_384.pth').choice.id).toBe('litv2-b-384');
    expect(matchShapes(shapesOf(keysOf('litv2-s')), 'alpha_0.9.pth', { prefer: ['litv2-s-alpha0.9'] }).choice.id).toBe('litv2-s-alpha0.9');
  });

  it('FAT/GMF files without BatchNorm counters still load; an extra key is refused', () => {
    const fat = keysOf('fat-b0').filter(([k]) => !k.endsWith('num_batches_tracked'));
    expect(matchShapes(shapesOf(fat), 'fat.pth', { id: 'fat-b0' }).report.missingOptional.length).toBeGreaterThan(0);
    const extra = shapesOf([...keysOf('vig-t'), ['blocks.0.attn.extra', [3]]]);
    const e = refusal(() => matchShapes(extra, 'vig.pth', { id: 'vig-t' }));
    expect(e.message).toMatch(/unexpected 1: blocks\.0\.attn\.extra/);
  });

  it('ViG-H files with legacy key names load (renamed as HierViG._load_from_state_dict does)', () => {
    const legacy = keysOf('vig-h-t').map(([k, s]) => [k.replace(/^classifier\./, '').replace(/\.op\./, '.self_attention.'), s] as [string, number[]]);
    const r = matchShapes(shapesOf(legacy), 'vig_h_t.pth');
    expect(r.choice.id).toBe('vig-h-t');
    expect(r.keyMap?.get('classifier.head.weight')).toBe('head.weight');
  });

  it('a file of no known model is refused with its first keys', () => {
    const e = refusal(() => matchShapes(shapesOf([['encoder.layer.0.weight', [4, 4]], ['decoder.bias', [4]]]), 'bert.pth'));
    expect(e.message).toMatch(/does not look like any model this app implements.*keys start: encoder\.layer\.0\.weight/);
  });
});

describe('bad files are refused cleanly', () => {
  const cases: Array<[string, RegExp]> = [
    ['checkpoints/truncated.pth', /truncat|corrupt/i],
    ['checkpoints/not-a-checkpoint.pth', /not a PyTorch checkpoint/],
    ['checkpoints/hostile.pth', /refused.*(os|posix|nt)\.system/],
  ];
  for (const [rel, re] of cases) {
    it(rel, () => {
      const e = refusal(() => loadModelWeights(fixtureBytes(rel), rel.split('/').pop()!, { tests: TESTS }));
      expect(e).toBeInstanceOf(CheckpointFormatError);
      expect(e.message).toMatch(re);
    });
  }
  it('random bytes and an empty file', () => {
    expect(refusal(() => loadModelWeights(new Uint8Array(0), 'empty.pth'))).toBeInstanceOf(CheckpointFormatError);
    const junk = Uint8Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24);
    expect(refusal(() => loadModelWeights(junk, 'junk.bin')).message).toMatch(/junk\.bin/);
  });
  it('an unknown configuration id is refused', () => {
    const e = refusal(() => loadModelWeights(fixtureBytes('checkpoints/vig-mini.bare.pth'), 'a.pth', { id: 'vig-xl' }));
    expect(e.message).toMatch(/unknown model configuration 'vig-xl'/);
  });
});

describe('top-5 read-out', () => {
  it('softmax is stable and topK is ordered with ImageNet labels', () => {
    const logits = Array.from({ length: 1000 }, (_, i) => (i === 281 ? 1000 : i === 285 ? 999 : -i / 1000));
    const p = softmaxProbs(logits);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    const t = topK(logits, 5);
    expect(t.map((x) => x.index)).toEqual([281, 285, 0, 1, 2]);
    expect(t[0].label).toBe('tabby cat');
    expect(t[0].p / t[1].p).toBeCloseTo(Math.E, 10);
    expect(topK([1, 3, 3, 2], 3).map((x) => x.index)).toEqual([1, 2, 3]); // ties: lower index first
  });
});
