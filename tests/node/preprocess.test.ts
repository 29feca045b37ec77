/**
 * Eval preprocessing: the preprocess fixtures through the parity rule, Pillow's own resample
 * accuracy cases (expected bytes from Pillow's Tests/test_image_resample.py), the torchvision size
 * and crop arithmetic, and odd inputs (tiny, very wide, grey, shorter side already 256).
 */
import { describe, expect, it } from 'vitest';
import { IMAGENET_MEAN, IMAGENET_STD, type RgbImage } from '../../src/image/pixels';
import {
  centerCropOffsets, normalizePixels, pilCoeffs, PIXEL_LUT, preprocessForEval, resizePilBicubic, roundHalfEven, shorterSideSize,
} from '../../src/image/resize-pil';
import { checkFileCpu } from '../../src/parity/check-file';
import { fixtureBytes, fixtureFiles } from './fixtures';

function image(width: number, height: number, px: (x: number, y: number, c: number) => number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = px(x, y, c);
  return { width, height, data };
}

/** Pillow's make_case: dark (255 − colour) with bright top-left and bottom-right quadrants. */
function pillowCase(size: number, color: number): RgbImage {
  const h = size / 2;
  return image(size, size, (x, y) => ((x < h) === (y < h) ? color : 255 - color));
}

/** Pillow's make_sample: the top-left quarter given, the rest by its symmetries. */
function pillowSample(hex: string, size: number): number[] {
  const v = hex.split(/\s+/).filter(Boolean).map((s) => parseInt(s, 16));
  const out = new Array<number>(size * size).fill(-1);
  const w = size / 2;
  for (let y = 0; y < w; y++) {
    for (let x = 0; x < w; x++) {
      const val = v[y * w + x];
      out[y * size + x] = val;
      out[(size - y - 1) * size + size - x - 1] = val;
      out[(size - y - 1) * size + x] = 255 - val;
      out[y * size + size - x - 1] = 255 - val;
    }
  }
  return out;
}

const channel = (img: RgbImage, c: number) => Array.from({ length: img.width * img.height }, (_, i) => img.data[i * 3 + c]);

describe('preprocess fixtures', () => {
  for (const rel of fixtureFiles('preprocess', /\.safetensors$/)) {
    it(`reproduces ${rel} (PIL-exact)`, async () => {
      const r = await checkFileCpu(rel, fixtureBytes(rel));
      expect(r.status, r.notes.join('\n')).toBe('PASS');
      // The README allows 2/255 for browser resamplers; ours is PIL's own arithmetic.
      expect(r.worst).toBeLessThanOrEqual(1 / 255);
    });
  }
});

describe('PIL bicubic resample (Pillow test cases)', () => {
  it('enlarges 4×4 → 8×8 like Pillow', () => {
    const out = resizePilBicubic(pillowCase(4, 0xe1), 8, 8);
    const want = pillowSample('e1 e5 ee b9  e5 e9 f3 bc  ee f3 fd c1  b9 bc c1 a2', 8);
    for (let c = 0; c < 3; c++) expect(channel(out, c)).toEqual(want);
  });
  it('reduces 12×12 → 6×6 like Pillow', () => {
    const out = resizePilBicubic(pillowCase(12, 0xe1), 6, 6);
    const want = pillowSample('e1 e3 d4  e3 e5 d6  d4 d6 c9', 6);
    for (let c = 0; c < 3; c++) expect(channel(out, c)).toEqual(want);
  });
  it('keeps precision with a huge support (Pillow test_reduce: 400000 → 5)', () => {
    for (const size of [400000, 400002]) {
      const img = image(size, 1, (x) => (x < size / 2 ? 254 : 0));
      expect(resizePilBicubic(img, 5, 1).data[2 * 3]).toBe(127);
    }
  });
  it('keeps a constant image constant (Pillow test_non_zero_coefficients)', () => {
    const img = image(1280, 1280, (_x, _y, c) => [0x20, 0x40, 0x60][c]);
    const out = resizePilBicubic(img, 256, 256);
    for (let c = 0; c < 3; c++) expect(new Set(channel(out, c))).toEqual(new Set([[0x20, 0x40, 0x60][c]]));
  });
  it('fixed-point weights of each output pixel sum to 2^22 within rounding', () => {
    for (const [n, m] of [[451, 384], [300, 256], [8, 256], [50, 256], [7, 3]]) {
      const co = pilCoeffs(n, m);
      for (let o = 0; o < m; o++) {
        let s = 0;
        for (let t = 0; t < co.count[o]; t++) s += co.k[o * co.ksize + t];
        expect(Math.abs(s - (1 << 22))).toBeLessThanOrEqual(co.count[o]);
      }
    }
  });
  it('matches a float separable bicubic within one level (independent check of centres and support)', () => {
    const img = image(37, 23, (x, y, c) => (x * 53 + y * 97 + c * 31 + ((x * y) % 7) * 13) % 256);
    for (const [w, h] of [[16, 9], [80, 51], [37, 10], [5, 23]]) {
      const out = resizePilBicubic(img, w, h);
      const ref = floatBicubic(img, w, h);
      let worst = 0;
      for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(out.data[i] - ref[i]));
      expect(worst).toBeLessThanOrEqual(1);
    }
  });
});

/** Textbook antialiased bicubic in float64 per pass (rounded and clipped to bytes in between). */
function floatBicubic(img: RgbImage, outW: number, outH: number): number[] {
  const cubic = (x: number) => {
    x = Math.abs(x);
    return x < 1 ? 1.5 * x ** 3 - 2.5 * x ** 2 + 1 : x < 2 ? -0.5 * x ** 3 + 2.5 * x ** 2 - 4 * x + 2 : 0;
  };
  const weights = (n: number, m: number) =>
    Array.from({ length: m }, (_, o) => {
      const s = Math.max(n / m, 1);
      const centre = ((o + 0.5) * n) / m;
      const w = Array.from({ length: n }, (_, i) => (Math.abs(i + 0.5 - centre) < 2 * s + 0.5 ? cubic((i + 0.5 - centre) / s) : 0));
      const sum = w.reduce((a, b) => a + b, 0);
      return w.map((v) => v / sum);
    });
  const byte = (v: number) => Math.min(255, Math.max(0, Math.round(v)));
  const wx = outW === img.width ? null : weights(img.width, outW);
  const wy = outH === img.height ? null : weights(img.height, outH);
  const tmp: number[] = [];
  for (let y = 0; y < img.height; y++) for (let x = 0; x < outW; x++) for (let c = 0; c < 3; c++) {
    if (!wx) tmp.push(img.data[(y * img.width + x) * 3 + c]);
    else tmp.push(byte(wx[x].reduce((a, w, i) => a + w * img.data[(y * img.width + i) * 3 + c], 0)));
  }
  const out: number[] = [];
  for (let y = 0; y < outH; y++) for (let x = 0; x < outW; x++) for (let c = 0; c < 3; c++) {
    if (!wy) out.push(tmp[(y * outW + x) * 3 + c]);
    else out.push(byte(wy[y].reduce((a, w, i) => a + w * tmp[(i * outW + x) * 3 + c], 0)));
  }
  return out;
}

describe('torchvision size and crop arithmetic', () => {
  it('Resize(256) truncates the long side', () => {
    expect(shorterSideSize(451, 300, 256)).toEqual({ width: 384, height: 256 });
    expect(shorterSideSize(300, 451, 256)).toEqual({ width: 256, height: 384 });
    expect(shorterSideSize(2000, 50, 256)).toEqual({ width: 10240, height: 256 });
    expect(shorterSideSize(333, 333, 256)).toEqual({ width: 256, height: 256 });
  });
  it('centre-crop offsets use round half to even', () => {
    expect(roundHalfEven(16.5)).toBe(16);
    expect(roundHalfEven(17.5)).toBe(18);
    expect(roundHalfEven(2.4)).toBe(2);
    expect(centerCropOffsets(384, 256, 224, 224)).toEqual({ top: 16, left: 80 });
    expect(centerCropOffsets(257, 259, 224, 224)).toEqual({ top: 18, left: 16 });
  });
});

describe('preprocessForEval on odd inputs', () => {
  const normalised = (v: number, c: number) => Math.fround(Math.fround(Math.fround(v / 255) - Math.fround(IMAGENET_MEAN[c])) / Math.fround(IMAGENET_STD[c]));

  it('tiny 8×8 is enlarged to 256×256 and cropped at [16, 16]', () => {
    const img = image(8, 8, (x, y, c) => (x * 32 + y * 8 + c * 50) % 256);
    const r = preprocessForEval(img, { size: 224, crop: true });
    expect([r.resized.width, r.resized.height]).toEqual([256, 256]);
    expect(r.crop).toEqual({ top: 16, left: 16 });
    expect(r.tensor.shape).toEqual([1, 3, 224, 224]);
    expect(r.tensor.data.every(Number.isFinite)).toBe(true);
    // the crop is a window of the resized image
    const px = r.resized.data[((16 + 5) * 256 + 16 + 7) * 3 + 1];
    expect(r.tensor.data[224 * 224 + 5 * 224 + 7]).toBe(normalised(px, 1));
    // the 8-bit crop the GPU forward takes is the same window, and the tensor is its normalisation
    expect(r.pixels.length).toBe(224 * 224 * 3);
    expect(r.pixels[(5 * 224 + 7) * 3 + 1]).toBe(px);
    expect(normalizePixels(r.pixels, [1, 3, 224, 224]).data).toEqual(r.tensor.data);
  });
  it('the normalisation table is the torch float32 formula for every byte and channel', () => {
    for (let c = 0; c < 3; c++) for (let v = 0; v < 256; v++) expect(PIXEL_LUT[c * 256 + v]).toBe(normalised(v, c));
  });
  it('very wide 2000×50 keeps its aspect: 10240×256, crop at [16, 5008]', () => {
    const img = image(2000, 50, (x, y, c) => (x + 3 * y + 70 * c) % 256);
    const r = preprocessForEval(img, { size: 224, crop: true });
    expect([r.resized.width, r.resized.height]).toEqual([10240, 256]);
    expect(r.crop).toEqual({ top: 16, left: 5008 });
    expect(r.tensor.data.length).toBe(3 * 224 * 224);
  });
  it('grey input stays grey and a flat grey is exactly (g/255 − mean)/std', () => {
    const ramp = image(90, 61, (x, y) => (x * 3 + y * 2) % 256);
    const rr = preprocessForEval(ramp, { size: 224, crop: true });
    const d = rr.resized.data;
    let coloured = 0;
    for (let i = 0; i < d.length; i += 3) if (d[i + 1] !== d[i] || d[i + 2] !== d[i]) coloured++;
    expect(coloured).toBe(0);
    const flat = preprocessForEval(image(301, 177, () => 128), { size: 224, crop: true });
    for (let c = 0; c < 3; c++) {
      const plane = flat.tensor.data.subarray(c * 224 * 224, (c + 1) * 224 * 224);
      expect(new Set(plane)).toEqual(new Set([normalised(128, c)]));
    }
  });
  it('an image whose shorter side is already 256 is not resampled', () => {
    const img = image(256, 300, (x, y, c) => (x * 7 + y * 11 + c * 3) % 256);
    const r = preprocessForEval(img, { size: 224, crop: true });
    expect([r.resized.width, r.resized.height]).toEqual([256, 300]);
    expect(r.resized.data.every((v, i) => v === img.data[i])).toBe(true);
    expect(r.crop).toEqual({ top: 38, left: 16 });
    expect(r.tensor.data[0]).toBe(normalised(img.data[(38 * 256 + 16) * 3], 0));
  });
  it('only one axis changes: a 256-high image is filtered horizontally only', () => {
    const img = image(512, 256, (x, y, c) => (x * 5 + y * 9 + c) % 256);
    const out = resizePilBicubic(img, 256, 256);
    // no vertical pass: each output row is the horizontal resample of its own input row
    const row = (im: RgbImage, y: number) => im.data.subarray(y * im.width * 3, (y + 1) * im.width * 3);
    const one = resizePilBicubic({ width: 512, height: 1, data: row(img, 100).slice() }, 256, 1);
    expect(row(out, 100)).toEqual(one.data);
  });
  it('LITv2-B-384: straight to 384×384, no crop', () => {
    const img = image(451, 300, (x, y, c) => (x ^ y ^ (c * 85)) & 255);
    const r = preprocessForEval(img, { size: 384, crop: false });
    expect([r.resized.width, r.resized.height]).toEqual([384, 384]);
    expect(r.crop).toEqual({ top: 0, left: 0 });
    expect(r.tensor.shape).toEqual([1, 3, 384, 384]);
    expect(r.tensor.data[2 * 384 * 384 + 383]).toBe(normalised(r.resized.data[383 * 3 + 2], 2));
  });
});
