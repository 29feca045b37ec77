import { describe, expect, it } from 'vitest';
import { centerSquare, patchEmbed, resizeArea, rgbaToRgb, tokensToLayout } from '../../src/image/pixels';

describe('image helpers', () => {
  it('composites alpha onto white', () => {
    const rgb = rgbaToRgb(2, 1, new Uint8Array([0, 0, 0, 0, 10, 20, 30, 255]));
    expect(Array.from(rgb.data)).toEqual([255, 255, 255, 10, 20, 30]);
  });
  it('centre square and area resize keep a constant image constant', () => {
    const img = { width: 7, height: 5, data: new Uint8Array(7 * 5 * 3).fill(100) };
    const sq = centerSquare(img);
    expect([sq.width, sq.height]).toEqual([5, 5]);
    expect(resizeArea(sq, 3, 3).every((v) => Math.abs(v - 100) < 1e-9)).toBe(true);
    expect(resizeArea(sq, 11, 11).every((v) => Math.abs(v - 100) < 1e-9)).toBe(true);
  });
  it('patch embedding gives normalised tokens for every grid', () => {
    const img = { width: 40, height: 30, data: Uint8Array.from({ length: 40 * 30 * 3 }, (_, i) => (i * 37) % 256) };
    for (const g of [7, 14]) {
      const t = patchEmbed(img, g, 32);
      expect(t.shape).toEqual([g * g, 32]);
      let m = 0;
      for (let c = 0; c < 32; c++) m += t.data[c];
      expect(Math.abs(m / 32)).toBeLessThan(1e-9);
    }
    expect(() => patchEmbed(img, 15, 8)).toThrow(/divide/);
  });
  it('lays tokens out channel-first when the op wants it', () => {
    const t = { shape: [2, 3], data: Float64Array.from([1, 2, 3, 4, 5, 6]) };
    expect(Array.from(tokensToLayout(t, [1, 3, 1, 2]))).toEqual([1, 4, 2, 5, 3, 6]);
    expect(Array.from(tokensToLayout(t, [1, 2, 3]))).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
