/**
 * PNG / JPEG files → RGB pixels in Node (the command line), with pngjs and jpeg-js; transparency is
 * composited on white as the app does (src/image/pixels.ts rgbaToRgb). Node-only.
 * Not applied (unlike the browser's decoder): JPEG EXIF orientation.
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
