/**
 * Pixel-level image work that needs no DOM: RGB images as plain arrays, centre crop, resize, and the
 * seeded patch embedding that turns a photo into the token grid the op views attend over.
 */
import { conv2d, layerNorm } from '../tensor/ops';
import type { Tensor } from '../tensor/tensor';
import { prngTensorF32 } from '../weights/prng';

/** 8-bit RGB, row-major, 3 bytes a pixel (alpha already composited). */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export const IMAGENET_MEAN = [0.485, 0.456, 0.406];
export const IMAGENET_STD = [0.229, 0.224, 0.225];

/** RGBA (canvas ImageData) → RGB, compositing transparency onto white as a viewer would show it. */
export function rgbaToRgb(width: number, height: number, rgba: Uint8ClampedArray | Uint8Array): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const a = rgba[i * 4 + 3] / 255;
    for (let c = 0; c < 3; c++) data[i * 3 + c] = Math.round(rgba[i * 4 + c] * a + 255 * (1 - a));
  }
  return { width, height, data };
}

/** The largest centred square. */
export function centerSquare(img: RgbImage): RgbImage {
  const s = Math.min(img.width, img.height);
  const x0 = Math.floor((img.width - s) / 2);
  const y0 = Math.floor((img.height - s) / 2);
  const data = new Uint8Array(s * s * 3);
  for (let y = 0; y < s; y++) data.set(img.data.subarray(((y0 + y) * img.width + x0) * 3, ((y0 + y) * img.width + x0 + s) * 3), y * s * 3);
  return { width: s, height: s, data };
}

/**
 * Area-averaging resize (box filter over the source footprint of each output pixel; bilinear when
 * enlarging). Good enough for the op views; classification uses the PIL-exact resampler.
 */
export function resizeArea(img: RgbImage, outW: number, outH: number): Float32Array {
  const out = new Float32Array(outW * outH * 3);
  const sx = img.width / outW;
  const sy = img.height / outH;
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++) {
      if (sx <= 1 && sy <= 1) {
        const fx = Math.min(Math.max((ox + 0.5) * sx - 0.5, 0), img.width - 1);
        const fy = Math.min(Math.max((oy + 0.5) * sy - 0.5, 0), img.height - 1);
        const x0 = Math.floor(fx), y0 = Math.floor(fy);
        const x1 = Math.min(x0 + 1, img.width - 1), y1 = Math.min(y0 + 1, img.height - 1);
        const ax = fx - x0, ay = fy - y0;
        for (let c = 0; c < 3; c++) {
          const p = (x: number, y: number) => img.data[(y * img.width + x) * 3 + c];
          out[(oy * outW + ox) * 3 + c] =
            (p(x0, y0) * (1 - ax) + p(x1, y0) * ax) * (1 - ay) + (p(x0, y1) * (1 - ax) + p(x1, y1) * ax) * ay;
        }
        continue;
      }
      const x0 = ox * sx, x1 = (ox + 1) * sx, y0 = oy * sy, y1 = (oy + 1) * sy;
      const acc = [0, 0, 0];
      let wsum = 0;
      for (let y = Math.floor(y0); y < Math.ceil(y1); y++) {
        const wy = Math.min(y + 1, y1) - Math.max(y, y0);
        for (let x = Math.floor(x0); x < Math.ceil(x1); x++) {
          const wx = Math.min(x + 1, x1) - Math.max(x, x0);
          const w = wx * wy;
          const o = (Math.min(y, img.height - 1) * img.width + Math.min(x, img.width - 1)) * 3;
          acc[0] += img.data[o] * w;
          acc[1] += img.data[o + 1] * w;
          acc[2] += img.data[o + 2] * w;
          wsum += w;
        }
      }
      for (let c = 0; c < 3; c++) out[(oy * outW + ox) * 3 + c] = acc[c] / wsum;
    }
  }
  return out;
}

/** HWC 0..255 → CHW tensor normalised with ImageNet mean/std. */
export function normalizeChw(hwc: Float32Array, width: number, height: number): Tensor {
  const data = new Float64Array(3 * width * height);
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < 3; c++) data[c * width * height + i] = (hwc[i * 3 + c] / 255 - IMAGENET_MEAN[c]) / IMAGENET_STD[c];
  }
  return { shape: [1, 3, height, width], data };
}

export const EMBED_IMAGE_SIZE = 224;

/**
 * Tokens of the photo for an op view: centre square → 224×224 → Conv2d(3, dim, p, stride p) with
 * seeded weights (ViT patch embedding, p = 224 / grid) → LayerNorm without affine (as a block's
 * norm1 before attention). Returns [grid·grid, dim], tokens row-major.
 */
export function patchEmbed(img: RgbImage, grid: number, dim: number): Tensor {
  if (EMBED_IMAGE_SIZE % grid !== 0) throw new Error(`grid ${grid} does not divide ${EMBED_IMAGE_SIZE}`);
  const p = EMBED_IMAGE_SIZE / grid;
  const sq = centerSquare(img);
  const x = normalizeChw(resizeArea(sq, EMBED_IMAGE_SIZE, EMBED_IMAGE_SIZE), EMBED_IMAGE_SIZE, EMBED_IMAGE_SIZE);
  const wShape = [dim, 3, p, p];
  const w = { shape: wShape, data: prngTensorF32('patch_embed.proj.weight', wShape)! };
  const b = { shape: [dim], data: prngTensorF32('patch_embed.proj.bias', [dim])! };
  const y = conv2d(x, w, b, { stride: p }); // [1, dim, grid, grid]
  const N = grid * grid;
  const tokens = new Float64Array(N * dim);
  for (let c = 0; c < dim; c++) for (let t = 0; t < N; t++) tokens[t * dim + c] = y.data[c * N + t];
  return layerNorm({ shape: [N, dim], data: tokens });
}

/** Tokens [N, C] → the op's input layout ([1,N,C] or channel-first [1,C,H,W]). */
export function tokensToLayout(tokens: Tensor, inputShape: number[]): Float32Array {
  const [N, C] = tokens.shape;
  if (inputShape.length === 3) return Float32Array.from(tokens.data);
  const out = new Float32Array(N * C);
  for (let t = 0; t < N; t++) for (let c = 0; c < C; c++) out[c * N + t] = tokens.data[t * C + c];
  return out;
}

/** RGBA bytes of the centre square at size×size, for drawing the photo under a map. */
export function previewRgba(img: RgbImage, size: number): Uint8ClampedArray<ArrayBuffer> {
  const rgb = resizeArea(centerSquare(img), size, size);
  const out = new Uint8ClampedArray(size * size * 4);
  for (let i = 0; i < size * size; i++) {
    out[i * 4] = rgb[i * 3];
    out[i * 4 + 1] = rgb[i * 3 + 1];
    out[i * 4 + 2] = rgb[i * 3 + 2];
    out[i * 4 + 3] = 255;
  }
  return out;
}
