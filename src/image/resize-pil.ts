/**
 * Eval preprocessing that reproduces torchvision-on-PIL bit for bit: PIL's `Image.resize(size,
 * BICUBIC)` (ImagingResample in libImaging/Resample.c), torchvision's Resize/CenterCrop size
 * arithmetic, ToTensor and Normalize in float32. Checkpoints were evaluated on exactly these pixels,
 * so a softer browser resampler would shift logits; this one matches PIL exactly (fixture error 0).
 * No DOM: plain arrays in and out.
 */
import { IMAGENET_MEAN, IMAGENET_STD, type RgbImage } from './pixels';

/** Resample.c: coefficients are fixed point with 22 fractional bits (32 − 8 − 2). */
const PRECISION_BITS = 22;

/** PIL's bicubic kernel, a = −0.5 (Keys), support 2. */
function bicubic(x: number): number {
  const a = -0.5;
  if (x < 0) x = -x;
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}
const BICUBIC_SUPPORT = 2;

/** Per output pixel: the first input index, the tap count and the fixed-point weights. */
interface Coeffs {
  ksize: number;
  min: Int32Array;
  count: Int32Array;
  /** [outSize·ksize] fixed-point weights, zero past count */
  k: Int32Array;
}

/**
 * precompute_coeffs + normalize_coeffs_8bpc. When shrinking, the kernel is stretched by the scale
 * (antialiasing); weights are normalised to sum 1 in double, then rounded half away from zero.
 */
export function pilCoeffs(inSize: number, outSize: number): Coeffs {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = BICUBIC_SUPPORT * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const min = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const k = new Int32Array(outSize * ksize);
  const w = new Float64Array(ksize);
  const ss = 1 / filterscale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    // C's (int) truncates toward zero; both bounds are then clamped to the image.
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      w[x] = bicubic((x + xmin - center + 0.5) * ss);
      ww += w[x];
    }
    for (let x = 0; x < xmax; x++) {
      const v = (ww !== 0 ? w[x] / ww : w[x]) * (1 << PRECISION_BITS);
      k[xx * ksize + x] = v < 0 ? Math.trunc(-0.5 + v) : Math.trunc(0.5 + v);
    }
    min[xx] = xmin;
    count[xx] = xmax;
  }
  return { ksize, min, count, k };
}

/** The rounding bias, then `>> 22` and clamp to 0..255 (clip8). */
function clip8(ss: number): number {
  const v = ss >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/**
 * One separable pass over `rows` lines of `len` taps each: out[line][o] from in[line][min..min+count]
 * where `stride` steps along the taps. Sums stay below 2^31 (|Σk| < 1.4·2^22, pixels ≤ 255), so int32
 * `>>` is exact, as in C.
 */
function pass(
  src: Uint8Array, dst: Uint8Array, c: Coeffs, outSize: number, lines: number,
  srcIndex: (line: number, tap: number) => number, dstIndex: (line: number, o: number) => number,
): void {
  const bias = 1 << (PRECISION_BITS - 1);
  for (let line = 0; line < lines; line++) {
    for (let o = 0; o < outSize; o++) {
      const kOff = o * c.ksize;
      const m = c.min[o];
      let s0 = bias, s1 = bias, s2 = bias;
      for (let t = 0; t < c.count[o]; t++) {
        const kk = c.k[kOff + t];
        const i = srcIndex(line, m + t);
        s0 += src[i] * kk;
        s1 += src[i + 1] * kk;
        s2 += src[i + 2] * kk;
      }
      const d = dstIndex(line, o);
      dst[d] = clip8(s0);
      dst[d + 1] = clip8(s1);
      dst[d + 2] = clip8(s2);
    }
  }
}

/**
 * PIL `Image.resize((outW, outH), Image.BICUBIC)` of an RGB image: horizontal pass into a uint8
 * intermediate holding only the rows the vertical pass reads, then the vertical pass. A pass whose
 * size does not change is skipped, as PIL does (so an unchanged axis is copied, not filtered).
 */
export function resizePilBicubic(img: RgbImage, outW: number, outH: number): RgbImage {
  if (outW < 1 || outH < 1) throw new Error(`resize to ${outW}×${outH}: sizes must be positive`);
  const { width: W, height: H } = img;
  let cur = img;
  const needH = outW !== W;
  const needV = outH !== H;
  const cv = pilCoeffs(H, outH);
  if (needH) {
    const ch = pilCoeffs(W, outW);
    // Only the source rows the vertical pass touches are filtered (ybox_first..ybox_last).
    const first = needV ? cv.min[0] : 0;
    const last = needV ? cv.min[outH - 1] + cv.count[outH - 1] : H;
    const rows = last - first;
    const tmp = new Uint8Array(outW * rows * 3);
    pass(img.data, tmp, ch, outW, rows, (y, x) => ((y + first) * W + x) * 3, (y, x) => (y * outW + x) * 3);
    if (needV) for (let i = 0; i < outH; i++) cv.min[i] -= first;
    cur = { width: outW, height: rows, data: tmp };
  }
  if (needV) {
    const out = new Uint8Array(outW * outH * 3);
    pass(cur.data, out, cv, outH, outW, (x, y) => (y * outW + x) * 3, (x, y) => (y * outW + x) * 3);
    return { width: outW, height: outH, data: out };
  }
  return needH ? cur : { width: W, height: H, data: img.data.slice() };
}

/** torchvision Resize(int): the shorter side becomes `size`, the longer int(size·long/short). */
export function shorterSideSize(width: number, height: number, size: number): { width: number; height: number } {
  if (width <= height) return { width: size, height: Math.trunc((size * height) / width) };
  return { width: Math.trunc((size * width) / height), height: size };
}

/** Python's round(): half to even, as torchvision's centre-crop offsets use it. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** torchvision center_crop offsets: [top, left] = round((H − h)/2), round((W − w)/2). */
export function centerCropOffsets(width: number, height: number, cropW: number, cropH: number): { top: number; left: number } {
  return { top: roundHalfEven((height - cropH) / 2), left: roundHalfEven((width - cropW) / 2) };
}

export interface EvalTensor {
  /** [1, 3, size, size] */
  shape: number[];
  data: Float32Array;
}

export interface EvalPreprocessed {
  /** the network input: ToTensor + Normalize(ImageNet mean/std), float32 as torch computes it */
  tensor: EvalTensor;
  /**
   * The same input as the 8-bit crop it is normalised from: size·size RGB bytes, row-major, 3 a
   * pixel. A backbone's WebGPU forward takes these (4× less to upload) and normalises them on the
   * GPU through PIXEL_LUT, bit-identical to `tensor`.
   */
  pixels: Uint8Array;
  /** the image after Resize, before the crop (uint8, as PIL returns it) */
  resized: RgbImage;
  /** [row, col] of the crop in `resized` (0, 0 without a crop) */
  crop: { top: number; left: number };
}

const F_MEAN = IMAGENET_MEAN.map(Math.fround);
const F_STD = IMAGENET_STD.map(Math.fround);

/**
 * ToTensor then Normalize of one byte, per channel, each step rounded to float32 like torch's
 * in-place float ops: PIXEL_LUT[c·256 + v] = f32(f32(f32(v/255) − mean_c) / std_c). A table (here
 * and on the GPU, kernels/pixels_normalize.wgsl) rather than arithmetic, so the GPU's division,
 * which WGSL lets be 2.5 ULP off, cannot change a value.
 */
export const PIXEL_LUT: Float32Array = (() => {
  const t = new Float32Array(3 * 256);
  for (let c = 0; c < 3; c++) for (let v = 0; v < 256; v++) t[c * 256 + v] = Math.fround(Math.fround(v / 255) - F_MEAN[c]) / F_STD[c];
  return t;
})();

/** The size×size crop at (top, left) as RGB bytes, row-major. */
export function cropPixels(img: RgbImage, top: number, left: number, size: number): Uint8Array {
  const out = new Uint8Array(3 * size * size);
  for (let y = 0; y < size; y++) {
    const i = ((y + top) * img.width + left) * 3;
    out.set(img.data.subarray(i, i + 3 * size), y * size * 3);
  }
  return out;
}

/** RGB bytes of B H×W images (row-major, 3 a pixel) → the normalised network input [B, 3, H, W] (PIXEL_LUT). */
export function normalizePixels(pixels: Uint8Array, shape: [number, 3, number, number]): EvalTensor {
  const [B, , H, W] = shape;
  const plane = H * W;
  const data = new Float32Array(B * 3 * plane);
  for (let b = 0; b < B; b++) {
    for (let p = 0; p < plane; p++) {
      const i = (b * plane + p) * 3;
      for (let c = 0; c < 3; c++) data[(b * 3 + c) * plane + p] = PIXEL_LUT[c * 256 + pixels[i + c]];
    }
  }
  return { shape: [...shape], data };
}

/** The crop at (top, left) of `img`, its bytes and its normalised tensor. */
function evalInput(resized: RgbImage, crop: { top: number; left: number }, size: number): EvalPreprocessed {
  const pixels = cropPixels(resized, crop.top, crop.left, size);
  return { tensor: normalizePixels(pixels, [1, 3, size, size]), pixels, resized, crop };
}

/**
 * The Swin-style eval transform every family uses (classification/data/build.py):
 * crop → Resize(int(256/224·size)) on the shorter side, CenterCrop(size); no crop (LITv2-B-384) →
 * Resize((size, size)). Then ToTensor and ImageNet Normalize.
 */
export function preprocessForEval(img: RgbImage, opts: { size: number; crop: boolean }): EvalPreprocessed {
  const { size, crop } = opts;
  if (!crop) return evalInput(resizePilBicubic(img, size, size), { top: 0, left: 0 }, size);
  const short = Math.trunc((256 / 224) * size);
  const dims = shorterSideSize(img.width, img.height, short);
  const resized = resizePilBicubic(img, dims.width, dims.height);
  return evalInput(resized, centerCropOffsets(resized.width, resized.height, size, size), size);
}
