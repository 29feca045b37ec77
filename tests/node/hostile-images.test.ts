/**
 * Images: the declared size is read from the header before anything is decoded, and the pixel
 * budget refuses huge, tiny and extremely thin images (issue 15, "Images"). Seeded adversarial
 * headers: ≥1000 in the default run, many more with ATTN_SLOW=1.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readImageHeader, type ImageHeader } from '../../src/image/header';
import { downscaledSize, imageSizeRefusal, MAX_ASPECT, MAX_DECODE_PIXELS, MAX_SIDE, MIN_SIDE } from '../../src/image/size-budget';
import { openFixture, fixtureTensor } from '../../src/parity/fixture-file';
import { fixtureBytes } from './fixtures';
import { avifDeclaring, bmpDeclaring, gifDeclaring, jpegDeclaring, pngDeclaring, prng, SLOW, webpDeclaring, type Prng } from './hostile-inputs';

const sample = (f: string) => new Uint8Array(readFileSync(resolve(__dirname, '../../public/samples', f)));

describe('header sizes', () => {
  it('every format, as declared', () => {
    const cases: Array<[Uint8Array, ImageHeader]> = [
      [pngDeclaring(640, 480), { format: 'png', width: 640, height: 480 }],
      [pngDeclaring(100000, 100000), { format: 'png', width: 100000, height: 100000 }],
      [pngDeclaring(2 ** 31 - 1, 1), { format: 'png', width: 2 ** 31 - 1, height: 1 }],
      [jpegDeclaring(4000, 3000), { format: 'jpeg', width: 4000, height: 3000 }],
      [jpegDeclaring(65535, 65535, 200_000), { format: 'jpeg', width: 65535, height: 65535 }],
      [jpegDeclaring(300, 200, 0, 0xc2), { format: 'jpeg', width: 300, height: 200 }],
      [gifDeclaring(320, 240), { format: 'gif', width: 320, height: 240 }],
      [gifDeclaring(10, 10, { left: 60000, top: 0, width: 5000, height: 10 }), { format: 'gif', width: 65000, height: 10 }],
      [webpDeclaring(1024, 768, 'VP8 '), { format: 'webp', width: 1024, height: 768 }],
      [webpDeclaring(16383, 16383, 'VP8L'), { format: 'webp', width: 16383, height: 16383 }],
      [webpDeclaring(2 ** 24, 2 ** 24, 'VP8X'), { format: 'webp', width: 2 ** 24, height: 2 ** 24 }],
      [bmpDeclaring(800, 600), { format: 'bmp', width: 800, height: 600 }],
      [bmpDeclaring(800, -600 >>> 0), { format: 'bmp', width: 800, height: 600 }],
      [bmpDeclaring(50, 40, true), { format: 'bmp', width: 50, height: 40 }],
      [avifDeclaring(70000, 70000), { format: 'avif', width: 70000, height: 70000 }],
    ];
    for (const [bytes, want] of cases) expect(readImageHeader(bytes), JSON.stringify(want)).toEqual(want);
  });

  it('the shipped samples: PNG sizes agree with the decoded fixture, the JPEG is found past its metadata', () => {
    const rgb = fixtureTensor(openFixture('preprocess/chelsea.safetensors', fixtureBytes('preprocess/chelsea.safetensors')), 'rgb');
    expect(readImageHeader(sample('chelsea.png'))).toEqual({ format: 'png', width: rgb.shape[1], height: rgb.shape[0] });
    for (const f of ['astronaut.png', 'coffee.png', 'rocket.jpg']) {
      const h = readImageHeader(sample(f))!;
      expect(h.format).toBe(f.endsWith('.jpg') ? 'jpeg' : 'png');
      expect(imageSizeRefusal(f, h.width, h.height), f).toBeNull();
    }
  });

  it('unknown or sizeless: null (decoded under the conservative budget)', () => {
    for (const b of [new Uint8Array(0), new TextEncoder().encode('not an image'), new Uint8Array([0x89, 0x50]), jpegDeclaring(10, 0), new Uint8Array([0xff, 0xd8, 0xff, 0xda, 0, 2])]) {
      expect(readImageHeader(b)).toBeNull();
    }
  });
});

describe('pixel budget (regressions)', () => {
  it('a few dozen bytes declaring 100000×100000 are refused before decoding', () => {
    const png = pngDeclaring(100000, 100000);
    expect(png.length).toBeLessThan(100);
    const h = readImageHeader(png)!;
    expect(imageSizeRefusal('huge.png', h.width, h.height)).toBe(
      'huge.png is 100,000×100,000 pixels (10,000 megapixels); photos up to 64 megapixels are decoded. Downscale it first.',
    );
  });

  it('extremely thin images are refused, before and after the downscale', () => {
    expect(imageSizeRefusal('strip.png', 100000, 1)).toMatch(/only 100,000×1 pixels; at least 8×8/);
    expect(imageSizeRefusal('strip.png', 2048, 1)).toMatch(/only 2,048×1 pixels/);
    expect(imageSizeRefusal('strip.png', 40000, 100)).toMatch(/a strip 400 times longer than wide; photos up to 20:1/);
    // at the limit the downscaled short side stays well above MIN_SIDE
    const d = downscaledSize(MAX_ASPECT * 500, 500);
    expect(d.width).toBe(MAX_SIDE);
    expect(d.height).toBeGreaterThan(100);
    expect(imageSizeRefusal('pano.jpg', MAX_ASPECT * 500, 500)).toBeNull();
    expect(imageSizeRefusal('photo.jpg', 8000, 6000)).toBeNull(); // 48 MP
    expect(imageSizeRefusal('zero.png', 0, 100)).toMatch(/no usable size/);
  });
});

/** A header of a random format and size, then maybe truncated, bit-flipped or padded. */
function hostileHeader(r: Prng, big: boolean): { bytes: Uint8Array; intact: boolean; want?: [number, number] } {
  const dim = () => r.pick([0, 1, 7, 8, 9, 255, 256, 2048, 4096, 16383, 65535, 100000, 2 ** 24, 2 ** 31 - 1, r.int(70000)]);
  const w = dim();
  const h = dim();
  const kind = r.int(9);
  const u16 = (v: number) => v & 0xffff;
  const u14 = (v: number) => v & 0x3fff;
  let bytes: Uint8Array;
  let want: [number, number] | undefined;
  switch (kind) {
    case 0: bytes = pngDeclaring(w, h); want = [w, h]; break;
    case 1: bytes = jpegDeclaring(u16(w), u16(h) || 1, big ? r.int(300_000) : r.int(3000), r.pick([0xc0, 0xc1, 0xc2, 0xcf])); want = [u16(w), u16(h) || 1]; break;
    case 2: bytes = gifDeclaring(u16(w), u16(h)); want = [u16(w), u16(h)]; break;
    case 3: bytes = webpDeclaring(u14(w), u14(h), 'VP8 '); want = [u14(w), u14(h)]; break;
    case 4: bytes = webpDeclaring(u14(w) || 1, u14(h) || 1, 'VP8L'); want = [u14(w) || 1, u14(h) || 1]; break;
    case 5: bytes = webpDeclaring((w % 2 ** 24) || 1, (h % 2 ** 24) || 1, 'VP8X'); want = [(w % 2 ** 24) || 1, (h % 2 ** 24) || 1]; break;
    case 6: bytes = bmpDeclaring(w % 2 ** 31, h % 2 ** 31); want = [w % 2 ** 31, h % 2 ** 31]; break;
    case 7: bytes = avifDeclaring(w || 1, h || 1); want = [w || 1, h || 1]; break;
    default: {
      bytes = new Uint8Array(r.int(big ? 100_000 : 600));
      for (let i = 0; i < bytes.length; i++) bytes[i] = r.int(256);
      // random bytes behind a real signature, so the format parsers see garbage
      const sig = r.pick([[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], [0xff, 0xd8, 0xff], [0x47, 0x49, 0x46, 0x38, 0x39, 0x61], [0x42, 0x4d], []]);
      bytes.set(sig.slice(0, bytes.length));
      return { bytes, intact: false };
    }
  }
  const mutation = r.int(4);
  if (mutation === 0) return { bytes, intact: true, want };
  const out = mutation === 1 ? bytes.slice(0, r.int(bytes.length)) : Uint8Array.from(bytes);
  if (mutation === 2) for (let k = 1 + r.int(4); k > 0; k--) out[r.int(out.length)] = r.int(256);
  if (mutation === 3) {
    const padded = new Uint8Array(out.length + r.int(64));
    padded.set(out);
    for (let i = out.length; i < padded.length; i++) padded[i] = r.int(256);
    return { bytes: padded, intact: kind !== 7, want };
  }
  return { bytes: out, intact: false };
}

describe('seeded adversarial headers', () => {
  const run = (seed: number, n: number, big: boolean) => {
    const r = prng(seed);
    let refused = 0;
    let accepted = 0;
    for (let k = 0; k < n; k++) {
      const { bytes, intact, want } = hostileHeader(r, big);
      const t0 = performance.now();
      const h = readImageHeader(bytes);
      expect(performance.now() - t0, `input ${k}`).toBeLessThan(2000);
      if (intact && want) expect(h, `input ${k}`).toMatchObject({ width: want[0], height: want[1] });
      if (h === null) continue;
      expect(Number.isInteger(h.width) && Number.isInteger(h.height) && h.width >= 0 && h.height >= 0, `input ${k}`).toBe(true);
      const why = imageSizeRefusal('x', h.width, h.height);
      if (why !== null) {
        refused++;
        expect(why).toMatch(/^x (declares no usable size|is only|is [\d,]+×[\d,]+ pixels)/);
        continue;
      }
      accepted++;
      // whatever passes is small enough to decode and leaves a usable photo after the downscale
      expect(h.width * h.height).toBeLessThanOrEqual(MAX_DECODE_PIXELS);
      const d = downscaledSize(h.width, h.height);
      expect(Math.min(d.width, d.height)).toBeGreaterThanOrEqual(MIN_SIDE);
      expect(Math.max(d.width, d.height)).toBeLessThanOrEqual(MAX_SIDE);
    }
    return { refused, accepted };
  };

  it('1,200 headers: a size or null, never a throw; whatever the budget passes is decodable', () => {
    const { refused, accepted } = run(15, 1200, false);
    expect(refused).toBeGreaterThan(300);
    expect(accepted).toBeGreaterThan(50);
  });

  it.skipIf(!SLOW)('ATTN_SLOW: 30,000 headers, some with 300 kB of metadata or 100 kB of noise', () => {
    run(1515, 30_000, true);
  }, 600_000);
});
