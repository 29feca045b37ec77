/**
 * Browser decoding of anything the user gives us (file, paste, URL) into RGB pixels, with EXIF
 * orientation applied and transparency composited. Browser-only (createImageBitmap + canvas).
 */
import { rgbaToRgb, type RgbImage } from './pixels';

export class ImageInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageInputError';
  }
}

/** Larger photos are downscaled while decoding: the views never need more than this. */
const MAX_SIDE = 2048;
const MAX_BYTES = 64 * 1024 * 1024;
const MIN_SIDE = 8;

export async function decodeImage(blob: Blob, name = 'image'): Promise<RgbImage> {
  if (blob.size === 0) throw new ImageInputError(`${name} is empty.`);
  if (blob.size > MAX_BYTES) throw new ImageInputError(`${name} is ${(blob.size / 2 ** 20).toFixed(0)} MB; photos up to 64 MB are accepted.`);
  let bmp: ImageBitmap;
  try {
    bmp = await createImageBitmap(blob, { imageOrientation: 'from-image', colorSpaceConversion: 'default', premultiplyAlpha: 'none' });
  } catch {
    throw new ImageInputError(`${name} is not an image this browser can decode (try PNG, JPEG, WebP, GIF or AVIF).`);
  }
  if (bmp.width < MIN_SIDE || bmp.height < MIN_SIDE) {
    const s = `${bmp.width}×${bmp.height}`;
    bmp.close();
    throw new ImageInputError(`${name} is only ${s} pixels; at least ${MIN_SIDE}×${MIN_SIDE} is needed.`);
  }
  const scale = Math.min(1, MAX_SIDE / Math.max(bmp.width, bmp.height));
  const w = Math.max(1, Math.round(bmp.width * scale));
  const h = Math.max(1, Math.round(bmp.height * scale));
  if (scale < 1) {
    const small = await createImageBitmap(bmp, { resizeWidth: w, resizeHeight: h, resizeQuality: 'high' });
    bmp.close();
    bmp = small;
  }
  const canvas = new OffscreenCanvas(w, h);
  const g = canvas.getContext('2d', { willReadFrequently: true });
  if (!g) throw new ImageInputError('This browser cannot read pixels from a canvas.');
  g.drawImage(bmp, 0, 0);
  bmp.close();
  const id = g.getImageData(0, 0, w, h);
  return rgbaToRgb(w, h, id.data);
}

export const SAMPLE_IMAGES = [
  { file: 'chelsea.png', title: 'Chelsea the cat', licence: 'CC0, Stefan van der Walt' },
  { file: 'astronaut.png', title: 'Eileen Collins', licence: 'public domain, NASA' },
  { file: 'coffee.png', title: 'Coffee', licence: 'CC0, Rachel Michetti' },
  { file: 'rocket.jpg', title: 'DSCOVR launch', licence: 'public domain, SpaceX' },
] as const;

export async function loadSample(file: string, base = import.meta.env?.BASE_URL ?? '/'): Promise<RgbImage> {
  const res = await fetch(`${base}samples/${file}`);
  if (!res.ok) throw new ImageInputError(`sample ${file} could not be loaded (${res.status}).`);
  return decodeImage(await res.blob(), file);
}
