/**
 * What image sizes are decoded, checked on the size a file declares (header.ts) before decoding
 * and again on the decoded bitmap. Pure: no DOM.
 *
 *   imageSizeRefusal(name, width, height) → a message saying why the image is refused, or null.
 *     Refused: no size; fewer than MIN_SIDE pixels on a side; more than MAX_DECODE_PIXELS pixels
 *     (a full decode would take MAX_DECODE_PIXELS × 4 bytes); a side ratio above MAX_ASPECT (after
 *     the downscale to MAX_SIDE such an image would be a sliver, and the 256-pixel shorter side of
 *     preprocessing would blow its long side up to tens of thousands of pixels).
 *   downscaledSize(width, height) → the size the photo is kept at (longer side at most MAX_SIDE).
 *   MAX_UNKNOWN_BYTES: a file whose size no header tells is decoded only up to this many bytes.
 */

/** The longest side kept: the views never need more. */
export const MAX_SIDE = 2048;
export const MIN_SIDE = 8;
/** 64 megapixels (a 256 MB RGBA decode): above every common camera's full-resolution output. */
export const MAX_DECODE_PIXELS = 64_000_000;
/** Panoramas are up to about 10:1; 20:1 leaves a 102-pixel shorter side at MAX_SIDE. */
export const MAX_ASPECT = 20;
export const MAX_FILE_BYTES = 64 * 1024 * 1024;
export const MAX_UNKNOWN_BYTES = 16 * 1024 * 1024;

const en = (n: number) => n.toLocaleString('en-US');

export function imageSizeRefusal(name: string, width: number, height: number): string | null {
  if (!(width > 0 && height > 0) || !Number.isFinite(width * height)) return `${name} declares no usable size (${en(width)}×${en(height)} pixels).`;
  const dims = `${en(width)}×${en(height)}`;
  if (width < MIN_SIDE || height < MIN_SIDE) return `${name} is only ${dims} pixels; at least ${MIN_SIDE}×${MIN_SIDE} is needed.`;
  if (width * height > MAX_DECODE_PIXELS) {
    return `${name} is ${dims} pixels (${en(Math.round((width * height) / 1e6))} megapixels); photos up to ${MAX_DECODE_PIXELS / 1e6} megapixels are decoded. Downscale it first.`;
  }
  const ratio = Math.max(width, height) / Math.min(width, height);
  if (ratio > MAX_ASPECT) return `${name} is ${dims} pixels, a strip ${ratio.toFixed(0)} times longer than wide; photos up to ${MAX_ASPECT}:1 are accepted.`;
  return null;
}

export function downscaledSize(width: number, height: number): { width: number; height: number; scale: number } {
  const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)), scale };
}
