/**
 * PNG / JPEG files → RGB pixels in Node (the command line), with pngjs and jpeg-js; transparency is
 * composited on white and a JPEG's EXIF orientation is applied, as the app's browser decoder does
 * (src/image/pixels.ts rgbaToRgb, createImageBitmap's imageOrientation 'from-image'). Node-only.
 */
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { rgbaToRgb, type RgbImage } from '../image/pixels';

export class ImageFileError extends Error {}

const MIN_SIDE = 8;
/** jpeg-js refuses to allocate more than this (MB) — a guard against decompression bombs */
const MAX_MB = 1024;

function isPng(b: Uint8Array): boolean {
  return b.length > 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
}

function isJpeg(b: Uint8Array): boolean {
  return b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
}

/** Decode by content (not by file name); `name` is for messages. */
export function decodeImageFile(bytes: Uint8Array, name: string): RgbImage {
  if (bytes.length === 0) throw new ImageFileError(`${name}: empty file`);
  let w: number;
  let h: number;
  let rgba: Uint8Array;
  try {
    if (isPng(bytes)) {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      [w, h, rgba] = [png.width, png.height, png.data];
    } else if (isJpeg(bytes)) {
      const j = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: MAX_MB });
      [w, h, rgba] = [j.width, j.height, j.data];
      const o = exifOrientation(bytes);
      if (o > 1) [w, h, rgba] = orient(rgba, w, h, o);
    } else {
      throw new ImageFileError(`${name}: not a PNG or JPEG file`);
    }
  } catch (e) {
    if (e instanceof ImageFileError) throw e;
    throw new ImageFileError(`${name}: cannot decode (${(e as Error).message.split('\n')[0]})`);
  }
  if (w < MIN_SIDE || h < MIN_SIDE) throw new ImageFileError(`${name}: only ${w}×${h} pixels; at least ${MIN_SIDE}×${MIN_SIDE} is needed`);
  return rgbaToRgb(w, h, rgba);
}

/** The EXIF Orientation tag (0x0112) of a JPEG's APP1 segment: 1…8, 1 when absent or unreadable. */
export function exifOrientation(b: Uint8Array): number {
  let p = 2;
  while (p + 4 <= b.length && b[p] === 0xff) {
    const marker = b[p + 1];
    const len = (b[p + 2] << 8) | b[p + 3];
    if (marker === 0xda || len < 2) break; // start of scan: no more metadata
    const seg = p + 4;
    if (marker === 0xe1 && String.fromCharCode(...b.subarray(seg, seg + 6)) === 'Exif\0\0') {
      const t = seg + 6;
      const le = b[t] === 0x49;
      const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
      const u16 = (o: number) => (o + 2 <= Math.min(b.length, p + 2 + len) ? dv.getUint16(o, le) : 0);
      const ifd = t + (t + 8 <= b.length ? dv.getUint32(t + 4, le) : 0);
      const n = u16(ifd);
      for (let i = 0; i < n; i++) {
        const e = ifd + 2 + 12 * i;
        if (u16(e) === 0x0112) {
          const v = u16(e + 8);
          return v >= 1 && v <= 8 ? v : 1;
        }
      }
      return 1;
    }
    p += 2 + len;
  }
  return 1;
}

/** RGBA w×h → the upright picture for EXIF orientation o (5–8 swap width and height). */
function orient(src: Uint8Array, w: number, h: number, o: number): [number, number, Uint8Array] {
  const swap = o >= 5;
  const [W, H] = swap ? [h, w] : [w, h];
  const out = new Uint8Array(W * H * 4);
  type Map = (x: number, y: number) => [number, number];
  const maps: Map[] = [
    (x, y) => [x, y], (x, y) => [x, y], (x, y) => [w - 1 - x, y], (x, y) => [w - 1 - x, h - 1 - y], (x, y) => [x, h - 1 - y],
    (x, y) => [y, x], (x, y) => [y, h - 1 - x], (x, y) => [w - 1 - y, h - 1 - x], (x, y) => [w - 1 - y, x],
  ];
  const from = maps[o];
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const [sx, sy] = from(x, y);
      out.set(src.subarray((sy * w + sx) * 4, (sy * w + sx) * 4 + 4), (y * W + x) * 4);
    }
  }
  return [W, H, out];
}
