/**
 * Browser decoding of anything the user gives us (file, paste, URL) into RGB pixels, with EXIF
 * orientation applied and transparency composited. Browser-only (createImageBitmap + canvas).
 *
 * Nothing is decoded before its declared size is known to be within the budget (size-budget.ts):
 * the header is read first (header.ts); a file whose header tells no size is decoded only when it
 * is small (MAX_UNKNOWN_BYTES), and every decoded bitmap is checked again before its pixels are
 * read. A refusal is an ImageInputError with a plain message; the caller keeps its current photo.
 */
import { rgbaToRgb, type RgbImage } from './pixels';
import { HEADER_BYTES, readImageHeader } from './header';
import { downscaledSize, imageSizeRefusal, MAX_FILE_BYTES, MAX_UNKNOWN_BYTES } from './size-budget';

export class ImageInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageInputError';
  }
}

const mb = (n: number) => `${(n / 2 ** 20).toFixed(0)} MB`;

export async function decodeImage(blob: Blob, name = 'image'): Promise<RgbImage> {
  if (blob.size === 0) throw new ImageInputError(`${name} is empty.`);
  if (blob.size > MAX_FILE_BYTES) throw new ImageInputError(`${name} is ${mb(blob.size)}; photos up to ${mb(MAX_FILE_BYTES)} are accepted.`);
  const header = readImageHeader(new Uint8Array(await blob.slice(0, HEADER_BYTES).arrayBuffer()));
  if (header) {
    const refused = imageSizeRefusal(name, header.width, header.height);
    if (refused) throw new ImageInputError(refused);
  } else if (blob.size > MAX_UNKNOWN_BYTES) {
    throw new ImageInputError(`${name} does not say its size in a form this app reads (PNG, JPEG, GIF, WebP, BMP, AVIF), and at ${mb(blob.size)} it is too large to decode blind (limit ${mb(MAX_UNKNOWN_BYTES)}).`);
  }
  let bmp: ImageBitmap;
  try {
    bmp = await createImageBitmap(blob, { imageOrientation: 'from-image', colorSpaceConversion: 'default', premultiplyAlpha: 'none' });
  } catch {
    throw new ImageInputError(`${name} is not an image this browser can decode (try PNG, JPEG, WebP, GIF or AVIF).`);
  }
  // the decoded size can differ from the header's (a GIF frame, an unknown format): check it too
  const refused = imageSizeRefusal(name, bmp.width, bmp.height);
  if (refused) {
    bmp.close();
    throw new ImageInputError(refused);
  }
  const { width: w, height: h, scale } = downscaledSize(bmp.width, bmp.height);
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
