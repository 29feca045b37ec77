/**
 * Shared by the adversarial suites (tests/node/hostile-*.test.ts) and scripts/e2e.ts: a seeded
 * PRNG, the slow-tier switch, and minimal image files of every format the header reader knows,
 * declaring whatever size we ask for.
 */

/** ATTN_SLOW=1 runs the larger tier of every adversarial suite. */
export const SLOW = process.env.ATTN_SLOW === '1';

/** mulberry32: small, fast, deterministic. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  return { next, int, pick };
}
export type Prng = ReturnType<typeof prng>;

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of b) c = CRC_TABLE[(c ^ x) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const be32 = (v: number) => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
const le16 = (v: number) => [v & 255, (v >>> 8) & 255];
const le32 = (v: number) => [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, (v >>> 24) & 255];
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

function pngChunk(type: string, data: number[]): number[] {
  const body = new Uint8Array([...ascii(type), ...data]);
  return [...be32(data.length), ...body, ...be32(crc32(body))];
}

/** A valid-looking PNG (signature, IHDR with a correct CRC, an empty IDAT, IEND): a few dozen bytes. */
export function pngDeclaring(width: number, height: number): Uint8Array {
  const ihdr = [...be32(width), ...be32(height), 8, 2, 0, 0, 0]; // 8-bit RGB
  const idat = [0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]; // zlib of nothing
  return new Uint8Array([0x89, ...ascii('PNG\r\n\x1a\n'), ...pngChunk('IHDR', ihdr), ...pngChunk('IDAT', idat), ...pngChunk('IEND', [])]);
}

/** JPEG: SOI, an APP0 segment, `extra` bytes of APP1 padding (EXIF-like), SOF0, then EOI. */
export function jpegDeclaring(width: number, height: number, extra = 0, sof = 0xc0): Uint8Array {
  const app0 = [0xff, 0xe0, 0, 16, ...ascii('JFIF\0'), 1, 1, 0, 0, 1, 0, 1, 0, 0];
  const segments = Math.ceil(extra / 65533);
  const app1 = new Uint8Array(extra + 4 * segments).fill(0x45);
  for (let k = 0, at = 0, left = extra; left > 0; k++) {
    const n = Math.min(left, 65533);
    app1.set([0xff, 0xe1, ((n + 2) >> 8) & 255, (n + 2) & 255], at);
    at += n + 4;
    left -= n;
  }
  const head = [0xff, 0xd8, ...app0];
  const sof0 = [0xff, sof, 0, 17, 8, (height >> 8) & 255, height & 255, (width >> 8) & 255, width & 255, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xff, 0xd9];
  const out = new Uint8Array(head.length + app1.length + sof0.length);
  out.set(head);
  out.set(app1, head.length);
  out.set(sof0, head.length + app1.length);
  return out;
}

/** GIF89a: logical screen `screen`, a comment extension, then the first frame at (left, top) of size frame. */
export function gifDeclaring(width: number, height: number, frame?: { left: number; top: number; width: number; height: number }): Uint8Array {
  const f = frame ?? { left: 0, top: 0, width, height };
  return new Uint8Array([
    ...ascii('GIF89a'), ...le16(width), ...le16(height), 0x80, 0, 0, 0, 0, 0, 255, 255, 255,
    0x21, 0xfe, 3, ...ascii('abc'), 0,
    0x2c, ...le16(f.left), ...le16(f.top), ...le16(f.width), ...le16(f.height), 0, 2, 2, 0x4c, 0x01, 0, 0x3b,
  ]);
}

export function webpDeclaring(width: number, height: number, kind: 'VP8 ' | 'VP8L' | 'VP8X'): Uint8Array {
  let chunk: number[];
  if (kind === 'VP8 ') chunk = [0x50, 0x01, 0x00, 0x9d, 0x01, 0x2a, ...le16(width & 0x3fff), ...le16(height & 0x3fff), 0, 0];
  else if (kind === 'VP8L') {
    const bits = ((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14);
    chunk = [0x2f, ...le32(bits >>> 0), 0, 0, 0, 0, 0];
  } else chunk = [0x10, 0, 0, 0, (width - 1) & 255, ((width - 1) >> 8) & 255, ((width - 1) >> 16) & 255, (height - 1) & 255, ((height - 1) >> 8) & 255, ((height - 1) >> 16) & 255];
  const body = [...ascii('WEBP'), ...ascii(kind), ...le32(chunk.length), ...chunk];
  return new Uint8Array([...ascii('RIFF'), ...le32(body.length), ...body]);
}

export function bmpDeclaring(width: number, height: number, core = false): Uint8Array {
  const dib = core ? [...le32(12), ...le16(width), ...le16(height), 1, 0, 24, 0] : [...le32(40), ...le32(width), ...le32(height), 1, 0, 24, 0, ...new Array(24).fill(0)];
  return new Uint8Array([...ascii('BM'), ...le32(14 + dib.length), 0, 0, 0, 0, ...le32(14 + dib.length), ...dib]);
}

/** AVIF: ftyp, then a meta box holding one `ispe` property (the rest of the box tree is omitted). */
export function avifDeclaring(width: number, height: number): Uint8Array {
  const ftyp = [...be32(20), ...ascii('ftypavif'), 0, 0, 0, 0, ...ascii('avifmif1')];
  const ispe = [...be32(20), ...ascii('ispe'), 0, 0, 0, 0, ...be32(width), ...be32(height)];
  return new Uint8Array([...ftyp, ...be32(8 + 4 + ispe.length), ...ascii('meta'), 0, 0, 0, 0, ...ispe]);
}
