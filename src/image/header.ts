/**
 * The pixel size an image file declares, read from its header before anything is decoded (a few
 * hundred bytes of PNG can declare 100000×100000). Pure byte parsing: no DOM, never throws, linear
 * in the bytes it is given, and it never reads past them.
 *
 *   readImageHeader(bytes) → { format, width, height } | null
 *     PNG/APNG (IHDR), JPEG (the first SOFn frame header), GIF (logical screen and first frame,
 *     whichever is larger), WebP (VP8, VP8L, VP8X canvas), BMP (core and info headers),
 *     AVIF/HEIF (the largest `ispe` property). null: not one of these, or no size found in
 *     `bytes` (the caller then decodes under a conservative budget).
 *   HEADER_BYTES: how much of a file to hand over (JPEG metadata before the frame header can be long).
 */

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp' | 'bmp' | 'avif';

export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
}

export const HEADER_BYTES = 2 * 1024 * 1024;

const u16be = (b: Uint8Array, i: number) => (b[i] << 8) | b[i + 1];
const u16le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8);
const u24le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16);
const u32be = (b: Uint8Array, i: number) => ((b[i] << 24) >>> 0) + ((b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]);
const u32le = (b: Uint8Array, i: number) => ((b[i + 3] << 24) >>> 0) + ((b[i + 2] << 16) | (b[i + 1] << 8) | b[i]);
const i32le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);

function ascii(b: Uint8Array, i: number, s: string): boolean {
  if (i < 0 || i + s.length > b.length) return false;
  for (let k = 0; k < s.length; k++) if (b[i + k] !== s.charCodeAt(k)) return false;
  return true;
}

const size = (format: ImageFormat, width: number, height: number): ImageHeader => ({ format, width, height });

function png(b: Uint8Array): ImageHeader | null {
  // signature, then the IHDR chunk: length, "IHDR", width, height (big-endian)
  if (b.length < 24 || !ascii(b, 12, 'IHDR')) return null;
  return size('png', u32be(b, 16), u32be(b, 20));
}

/** SOF0…SOF15 except DHT (C4), JPG (C8) and DAC (CC). */
const isSof = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

function jpeg(b: Uint8Array): ImageHeader | null {
  let i = 2;
  while (i + 1 < b.length) {
    if (b[i] !== 0xff) return null; // not at a marker: corrupt
    let m = b[i + 1];
    while (m === 0xff && i + 2 < b.length) m = b[++i + 1]; // fill bytes
    i += 2;
    if (m === 0xd8 || m === 0x01 || (m >= 0xd0 && m <= 0xd7)) continue; // no payload
    if (m === 0xd9 || m === 0xda) return null; // end of image or start of scan before any frame header
    if (i + 2 > b.length) return null;
    const len = u16be(b, i);
    if (len < 2) return null;
    if (isSof(m)) {
      if (i + 7 > b.length || len < 7) return null;
      const height = u16be(b, i + 3);
      const width = u16be(b, i + 5);
      // height 0: given later by a DNL marker; treat as unknown
      return height === 0 ? null : size('jpeg', width, height);
    }
    i += len;
  }
  return null;
}

function gif(b: Uint8Array): ImageHeader | null {
  if (b.length < 10) return null;
  let width = u16le(b, 6);
  let height = u16le(b, 8);
  // the first frame may be larger than the logical screen (browsers then grow the canvas)
  let i = 13;
  if (b.length > 10 && b[10] & 0x80) i += 3 * (1 << ((b[10] & 7) + 1));
  while (i < b.length) {
    const block = b[i];
    if (block === 0x2c) {
      if (i + 9 > b.length) break;
      width = Math.max(width, u16le(b, i + 1) + u16le(b, i + 5));
      height = Math.max(height, u16le(b, i + 3) + u16le(b, i + 7));
      break;
    }
    if (block !== 0x21 || i + 2 > b.length) break;
    // extension: label, then data sub-blocks until a zero-length one
    i += 2;
    while (i < b.length && b[i] !== 0) i += b[i] + 1;
    i++;
  }
  return size('gif', width, height);
}

function webp(b: Uint8Array): ImageHeader | null {
  if (b.length < 30) return null;
  if (ascii(b, 12, 'VP8 ')) {
    // frame tag (3 bytes), start code 9d 01 2a, then 14-bit width and height
    if (b[23] !== 0x9d || b[24] !== 0x01 || b[25] !== 0x2a) return null;
    return size('webp', u16le(b, 26) & 0x3fff, u16le(b, 28) & 0x3fff);
  }
  if (ascii(b, 12, 'VP8L')) {
    if (b[20] !== 0x2f) return null;
    const bits = u32le(b, 21);
    return size('webp', (bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
  }
  if (ascii(b, 12, 'VP8X')) return size('webp', u24le(b, 24) + 1, u24le(b, 27) + 1);
  return null;
}

function bmp(b: Uint8Array): ImageHeader | null {
  if (b.length < 26) return null;
  const dib = u32le(b, 14);
  if (dib === 12) return size('bmp', u16le(b, 18), u16le(b, 20));
  if (dib < 40) return null;
  // height is negative for top-down bitmaps
  return size('bmp', Math.abs(i32le(b, 18)), Math.abs(i32le(b, 22)));
}

function avif(b: Uint8Array): ImageHeader | null {
  // the ISO-BMFF image spatial extents property: "ispe", version/flags, width, height (big-endian).
  // A file may hold several (thumbnails, grid tiles, the whole grid): the largest bounds them all.
  let width = 0;
  let height = 0;
  const end = b.length - 16;
  for (let i = 8; i <= end; i++) {
    if (b[i] === 0x69 && b[i + 1] === 0x73 && b[i + 2] === 0x70 && b[i + 3] === 0x65) {
      width = Math.max(width, u32be(b, i + 8));
      height = Math.max(height, u32be(b, i + 12));
    }
  }
  return width > 0 && height > 0 ? size('avif', width, height) : null;
}

export function readImageHeader(bytes: Uint8Array): ImageHeader | null {
  const b = bytes;
  try {
    if (b.length >= 8 && b[0] === 0x89 && ascii(b, 1, 'PNG\r\n\x1a\n')) return png(b);
    if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return jpeg(b);
    if (ascii(b, 0, 'GIF87a') || ascii(b, 0, 'GIF89a')) return gif(b);
    if (ascii(b, 0, 'RIFF') && ascii(b, 8, 'WEBP')) return webp(b);
    if (ascii(b, 0, 'BM')) return bmp(b);
    if (ascii(b, 4, 'ftyp')) return avif(b);
    return null;
  } catch {
    return null; // unreachable by construction (every read is bounds-checked); unknown, never a throw
  }
}
