/**
 * Deformable convolution v1 (mm_modules/DCN, `deform_2d_im2col_cuda.cuh`) and LITv2's DTM, float64.
 *
 * Sampling rule (spec/litv2.md §4): tap (i,j) of output (oy,ox) reads the point
 *   py = oy·s − p + i + Δy,  px = ox·s − p + j + Δx,  Δy = off[2(i·kw+j)], Δx = off[2(i·kw+j)+1]
 * bilinearly; the point is 0 when py ≤ −1, py ≥ H, px ≤ −1 or px ≥ W, and each of the four corners
 * outside [0,H−1]×[0,W−1] contributes 0 (zero padding). One deformable group.
 */
import { batchNormEval, conv2d, gelu, linear } from '../../tensor/ops';
import { permute, type Tensor } from '../../tensor/tensor';
import type { Params } from '../../ops/types';

export interface DeformOptions {
  kernel: number;
  stride: number;
  padding: number;
}

/**
 * The deformable im2col: x tokens [H·W, C] (row-major grid, channels last), offsets [2·k², Ho, Wo]
 * → columns [Ho·Wo, C·k²] with column c·k² + i·k + j, i.e. the flattened torch weight [O, C, k, k].
 */
export function deformIm2col(x: Float64Array, H: number, W: number, C: number, offset: Tensor, o: DeformOptions): Tensor {
  const k = o.kernel;
  const [offC, Ho, Wo] = offset.shape;
  if (offC !== 2 * k * k) throw new Error(`deform conv: offset has ${offC} channels, expected ${2 * k * k}`);
  const K2 = k * k;
  const cols = new Float64Array(Ho * Wo * C * K2);
  const off = offset.data;
  const plane = Ho * Wo;
  for (let oy = 0; oy < Ho; oy++) {
    for (let ox = 0; ox < Wo; ox++) {
      const pos = oy * Wo + ox;
      const row = pos * C * K2;
      for (let i = 0; i < k; i++) {
        for (let j = 0; j < k; j++) {
          const tap = i * k + j;
          const py = oy * o.stride - o.padding + i + off[2 * tap * plane + pos];
          const px = ox * o.stride - o.padding + j + off[(2 * tap + 1) * plane + pos];
          if (!(py > -1 && px > -1 && py < H && px < W)) continue; // column stays 0
          const y0 = Math.floor(py);
          const x0 = Math.floor(px);
          const ly = py - y0;
          const lx = px - x0;
          // corner token offsets into x and their weights; a corner off the grid weighs 0
          const yIn0 = y0 >= 0;
          const yIn1 = y0 + 1 <= H - 1;
          const xIn0 = x0 >= 0;
          const xIn1 = x0 + 1 <= W - 1;
          const w00 = yIn0 && xIn0 ? (1 - ly) * (1 - lx) : 0;
          const w01 = yIn0 && xIn1 ? (1 - ly) * lx : 0;
          const w10 = yIn1 && xIn0 ? ly * (1 - lx) : 0;
          const w11 = yIn1 && xIn1 ? ly * lx : 0;
          const t00 = (y0 * W + x0) * C;
          const t01 = t00 + C;
          const t10 = t00 + W * C;
          const t11 = t10 + C;
          for (let c = 0; c < C; c++) {
            let v = 0;
            if (w00 !== 0) v += w00 * x[t00 + c];
            if (w01 !== 0) v += w01 * x[t01 + c];
            if (w10 !== 0) v += w10 * x[t10 + c];
            if (w11 !== 0) v += w11 * x[t11 + c];
            cols[row + c * K2 + tap] = v;
          }
        }
      }
    }
  }
  return { shape: [Ho * Wo, C * K2], data: cols };
}

/**
 * DeformConv2dPack on one image: offsets = conv_offset(x) (a plain conv with the same k/s/p), then
 * the deformable conv. x tokens [H·W, C]; returns tokens [Ho·Wo, O] and the offsets [2k², Ho, Wo].
 */
export function deformConv2dPack(x: Float64Array, H: number, W: number, C: number, p: Params, prefix: string, o: DeformOptions): { y: Tensor; offset: Tensor } {
  const nchw = permute({ shape: [1, H, W, C], data: x }, [0, 3, 1, 2]);
  const offW = p[`${prefix}conv_offset.weight`];
  const weight = p[`${prefix}weight`];
  if (!offW || !weight) throw new Error(`missing weight '${prefix}${offW ? 'weight' : 'conv_offset.weight'}'`);
  const offset4 = conv2d(nchw, offW, p[`${prefix}conv_offset.bias`], { stride: o.stride, padding: o.padding });
  const offset: Tensor = { shape: offset4.shape.slice(1), data: offset4.data };
  const cols = deformIm2col(x, H, W, C, offset, o);
  const O = weight.shape[0];
  const y = linear(cols, { shape: [O, C * o.kernel * o.kernel], data: weight.data }, p[`${prefix}bias`]);
  return { y, offset };
}

/** DTM: tokens [H·W, C] → DeformConv(k 2, s 2) → BatchNorm2d (eval) → GELU → tokens [H/2·W/2, 2C]. */
export function dtmForward(x: Float64Array, H: number, W: number, C: number, p: Params, prefix: string): { y: Float64Array; offset: Tensor } {
  if (H % 2 !== 0 || W % 2 !== 0) throw new Error(`DTM: grid ${H}x${W} is not even`);
  const { y, offset } = deformConv2dPack(x, H, W, C, p, `${prefix}dconv.`, { kernel: 2, stride: 2, padding: 0 });
  const bn = (k: string) => {
    const t = p[`${prefix}norm_layer.${k}`];
    if (!t) throw new Error(`missing weight '${prefix}norm_layer.${k}'`);
    return t;
  };
  // tokens [M, 2C] read as [B=M, C=2C] (spatial size 1): the same per-channel eval BatchNorm
  const normed = batchNormEval(y, { weight: bn('weight'), bias: bn('bias'), mean: bn('running_mean'), variance: bn('running_var') });
  const out = normed.data;
  for (let i = 0; i < out.length; i++) out[i] = gelu(out[i]);
  return { y: out, offset };
}
