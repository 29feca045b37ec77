import { describe, expect, it } from 'vitest';
import { conv2d, depthwiseConv2d, linear } from '../../src/tensor/ops';
import { relL2, type Tensor } from '../../src/tensor/tensor';
import { prngInput } from '../../src/weights/prng';
import { convFast, depthwiseFast, imageToTokens, linearFast, pointwiseConv, tokensToImage } from '../../src/models/nn-cpu';

const T = (key: string, shape: number[]): Tensor => ({ shape, data: prngInput(key, shape.reduce((a, b) => a * b, 1)) });

/** The fast helpers the VVT/FAT/GMF forwards use must compute what tensor/ops.ts defines. */
describe('model CPU helpers = tensor/ops', () => {
  it('linearFast (rows not a multiple of 4, with and without bias)', () => {
    const x = T('x', [2, 7, 13]);
    const w = T('w', [5, 13]);
    const b = T('b', [5]);
    expect(relL2(linearFast(x, w, b).data, linear(x, w, b).data)).toBeLessThan(1e-15);
    expect(linearFast(x, w).shape).toEqual([2, 7, 5]);
    expect(relL2(linearFast(x, w).data, linear(x, w).data)).toBeLessThan(1e-15);
  });

  for (const [k, s, p, H, W] of [[3, 2, 1, 9, 8], [7, 4, 3, 23, 17], [1, 1, 0, 5, 6], [5, 2, 2, 7, 7], [3, 1, 1, 1, 4]]) {
    it(`convFast k${k} s${s} p${p} on ${H}×${W}, batch 2`, () => {
      const x = T(`cx${k}`, [2, 3, H, W]);
      const w = T(`cw${k}`, [4, 3, k, k]);
      const b = T(`cb${k}`, [4]);
      const want = conv2d(x, w, b, { stride: s, padding: p });
      const got = convFast(x, w, b, { stride: s, padding: p });
      expect(got.shape).toEqual(want.shape);
      expect(relL2(got.data, want.data)).toBeLessThan(1e-14);
    });

    it(`depthwiseFast k${k} s${s} p${p} on ${H}×${W}, batch 2`, () => {
      const x = T(`dx${k}`, [2, 6, H, W]);
      const w = T(`dw${k}`, [6, 1, k, k]);
      const b = T(`db${k}`, [6]);
      const want = depthwiseConv2d(x, w, b, { stride: s, padding: p });
      const got = depthwiseFast(x, w, b, { stride: s, padding: p });
      expect(got.shape).toEqual(want.shape);
      expect(relL2(got.data, want.data)).toBeLessThan(1e-14);
    });
  }

  it('a 7×7 depthwise kernel larger than a 3×3 map (stage-4 grids)', () => {
    const x = T('sx', [1, 4, 3, 3]);
    const w = T('sw', [4, 1, 7, 7]);
    expect(relL2(depthwiseFast(x, w, undefined, { padding: 3 }).data, depthwiseConv2d(x, w, undefined, { padding: 3 }).data)).toBeLessThan(1e-14);
  });

  it('pointwiseConv and the token/image round trip', () => {
    const x = T('px', [2, 5, 3, 4]);
    const w = T('pw', [7, 5, 1, 1]);
    expect(relL2(pointwiseConv(x, w).data, conv2d(x, w, undefined).data)).toBeLessThan(1e-15);
    const t = imageToTokens(x);
    expect(t.shape).toEqual([2, 12, 5]);
    expect(t.data[(1 * 12 + 2 * 4 + 3) * 5 + 4]).toBe(x.data[((1 * 5 + 4) * 3 + 2) * 4 + 3]);
    expect(Array.from(tokensToImage(t, 3, 4).data)).toEqual(Array.from(x.data));
  });
});
