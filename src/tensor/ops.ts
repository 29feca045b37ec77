/**
 * Float64 reference ops. Readable loops, no tricks: these are what the GPU paths are checked
 * against, alongside the fixtures. Layouts follow PyTorch (Linear weight [out, in], conv NCHW).
 */
import { type Tensor, numel, tensor } from './tensor';

/** a [M,K] @ b [K,N] → [M,N]. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  const [M, K] = a.shape;
  const [K2, N] = b.shape;
  if (K !== K2) throw new Error(`matmul: [${a.shape}] @ [${b.shape}]`);
  const out = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let k = 0; k < K; k++) {
      const av = a.data[i * K + k];
      if (av === 0) continue;
      const bo = k * N;
      const oo = i * N;
      for (let j = 0; j < N; j++) out[oo + j] += av * b.data[bo + j];
    }
  }
  return { shape: [M, N], data: out };
}

/** torch.nn.Linear: x [..., in] · Wᵀ (W [out, in]) + b. */
export function linear(x: Tensor, w: Tensor, b?: Tensor): Tensor {
  const [outF, inF] = w.shape;
  const rows = numel(x.shape) / inF;
  if (x.shape[x.shape.length - 1] !== inF) throw new Error(`linear: x [${x.shape}] vs W [${w.shape}]`);
  const out = new Float64Array(rows * outF);
  for (let r = 0; r < rows; r++) {
    const xo = r * inF;
    for (let o = 0; o < outF; o++) {
      let s = b ? b.data[o] : 0;
      const wo = o * inF;
      for (let i = 0; i < inF; i++) s += x.data[xo + i] * w.data[wo + i];
      out[r * outF + o] = s;
    }
  }
  return { shape: [...x.shape.slice(0, -1), outF], data: out };
}

/** Softmax over the last axis. */
export function softmax(x: Tensor): Tensor {
  const n = x.shape[x.shape.length - 1];
  const out = new Float64Array(x.data.length);
  for (let r = 0; r < x.data.length; r += n) {
    let m = -Infinity;
    for (let i = 0; i < n; i++) m = Math.max(m, x.data[r + i]);
    let s = 0;
    for (let i = 0; i < n; i++) {
      const e = Math.exp(x.data[r + i] - m);
      out[r + i] = e;
      s += e;
    }
    for (let i = 0; i < n; i++) out[r + i] /= s;
  }
  return { shape: [...x.shape], data: out };
}

/** LayerNorm over the last axis (biased variance, as torch). */
export function layerNorm(x: Tensor, weight?: Tensor, bias?: Tensor, eps = 1e-5): Tensor {
  const n = x.shape[x.shape.length - 1];
  const out = new Float64Array(x.data.length);
  for (let r = 0; r < x.data.length; r += n) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += x.data[r + i];
    mean /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (x.data[r + i] - mean) ** 2;
    const inv = 1 / Math.sqrt(v / n + eps);
    for (let i = 0; i < n; i++) {
      out[r + i] = (x.data[r + i] - mean) * inv * (weight ? weight.data[i] : 1) + (bias ? bias.data[i] : 0);
    }
  }
  return { shape: [...x.shape], data: out };
}

/** RMSNorm over the last axis: x / sqrt(mean(x²) + eps) · w. */
export function rmsNorm(x: Tensor, weight?: Tensor, eps = 1e-6): Tensor {
  const n = x.shape[x.shape.length - 1];
  const out = new Float64Array(x.data.length);
  for (let r = 0; r < x.data.length; r += n) {
    let ms = 0;
    for (let i = 0; i < n; i++) ms += x.data[r + i] ** 2;
    const inv = 1 / Math.sqrt(ms / n + eps);
    for (let i = 0; i < n; i++) out[r + i] = x.data[r + i] * inv * (weight ? weight.data[i] : 1);
  }
  return { shape: [...x.shape], data: out };
}

/** GroupNorm on NCHW (per sample, per group over C/G·H·W). */
export function groupNorm(x: Tensor, groups: number, weight?: Tensor, bias?: Tensor, eps = 1e-5): Tensor {
  const [B, C] = x.shape;
  const hw = numel(x.shape.slice(2));
  const cpg = C / groups;
  const out = new Float64Array(x.data.length);
  for (let b = 0; b < B; b++) {
    for (let g = 0; g < groups; g++) {
      const start = (b * C + g * cpg) * hw;
      const len = cpg * hw;
      let mean = 0;
      for (let i = 0; i < len; i++) mean += x.data[start + i];
      mean /= len;
      let v = 0;
      for (let i = 0; i < len; i++) v += (x.data[start + i] - mean) ** 2;
      const inv = 1 / Math.sqrt(v / len + eps);
      for (let c = 0; c < cpg; c++) {
        const ch = g * cpg + c;
        const w = weight ? weight.data[ch] : 1;
        const bb = bias ? bias.data[ch] : 0;
        for (let i = 0; i < hw; i++) {
          const o = start + c * hw + i;
          out[o] = (x.data[o] - mean) * inv * w + bb;
        }
      }
    }
  }
  return { shape: [...x.shape], data: out };
}

/** BatchNorm in eval mode on NC… (running statistics). */
export function batchNormEval(
  x: Tensor,
  p: { weight?: Tensor; bias?: Tensor; mean: Tensor; variance: Tensor },
  eps = 1e-5,
): Tensor {
  const [B, C] = x.shape;
  const hw = numel(x.shape.slice(2));
  const out = new Float64Array(x.data.length);
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      const inv = 1 / Math.sqrt(p.variance.data[c] + eps);
      const w = p.weight ? p.weight.data[c] : 1;
      const bb = p.bias ? p.bias.data[c] : 0;
      const m = p.mean.data[c];
      const o = (b * C + c) * hw;
      for (let i = 0; i < hw; i++) out[o + i] = (x.data[o + i] - m) * inv * w + bb;
    }
  }
  return { shape: [...x.shape], data: out };
}

export interface Conv2dOptions {
  stride?: number | [number, number];
  padding?: number | [number, number];
  dilation?: number | [number, number];
  groups?: number;
}

const pair = (v: number | [number, number] | undefined, d: number): [number, number] =>
  v === undefined ? [d, d] : typeof v === 'number' ? [v, v] : v;

/** torch.nn.functional.conv2d: x [B,Cin,H,W], w [Cout, Cin/groups, kh, kw], zero padding. */
export function conv2d(x: Tensor, w: Tensor, b: Tensor | undefined, opt: Conv2dOptions = {}): Tensor {
  const [B, Cin, H, W] = x.shape;
  const [Cout, cpg, kh, kw] = w.shape;
  const groups = opt.groups ?? 1;
  const [sh, sw] = pair(opt.stride, 1);
  const [ph, pw] = pair(opt.padding, 0);
  const [dh, dw] = pair(opt.dilation, 1);
  if (cpg * groups !== Cin) throw new Error(`conv2d: Cin ${Cin} vs weight [${w.shape}] groups ${groups}`);
  const Ho = Math.floor((H + 2 * ph - dh * (kh - 1) - 1) / sh) + 1;
  const Wo = Math.floor((W + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
  const opg = Cout / groups;
  const out = new Float64Array(B * Cout * Ho * Wo);
  for (let n = 0; n < B; n++) {
    for (let co = 0; co < Cout; co++) {
      const g = Math.floor(co / opg);
      const bias = b ? b.data[co] : 0;
      for (let oy = 0; oy < Ho; oy++) {
        for (let ox = 0; ox < Wo; ox++) {
          let s = bias;
          for (let ci = 0; ci < cpg; ci++) {
            const cin = g * cpg + ci;
            for (let ky = 0; ky < kh; ky++) {
              const iy = oy * sh - ph + ky * dh;
              if (iy < 0 || iy >= H) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = ox * sw - pw + kx * dw;
                if (ix < 0 || ix >= W) continue;
                s += x.data[((n * Cin + cin) * H + iy) * W + ix] * w.data[((co * cpg + ci) * kh + ky) * kw + kx];
              }
            }
          }
          out[((n * Cout + co) * Ho + oy) * Wo + ox] = s;
        }
      }
    }
  }
  return { shape: [B, Cout, Ho, Wo], data: out };
}

/** Depthwise conv (groups = C), the common special case. */
export function depthwiseConv2d(x: Tensor, w: Tensor, b: Tensor | undefined, opt: Omit<Conv2dOptions, 'groups'> = {}): Tensor {
  return conv2d(x, w, b, { ...opt, groups: x.shape[1] });
}

/** avg_pool2d on NCHW with count_include_pad (torch default) and optional ceil_mode=false. */
export function avgPool2d(x: Tensor, kernel: number, stride = kernel, padding = 0): Tensor {
  const [B, C, H, W] = x.shape;
  const Ho = Math.floor((H + 2 * padding - kernel) / stride) + 1;
  const Wo = Math.floor((W + 2 * padding - kernel) / stride) + 1;
  const out = new Float64Array(B * C * Ho * Wo);
  for (let nc = 0; nc < B * C; nc++) {
    for (let oy = 0; oy < Ho; oy++) {
      for (let ox = 0; ox < Wo; ox++) {
        let s = 0;
        for (let ky = 0; ky < kernel; ky++) {
          const iy = oy * stride - padding + ky;
          if (iy < 0 || iy >= H) continue;
          for (let kx = 0; kx < kernel; kx++) {
            const ix = ox * stride - padding + kx;
            if (ix < 0 || ix >= W) continue;
            s += x.data[(nc * H + iy) * W + ix];
          }
        }
        out[(nc * Ho + oy) * Wo + ox] = s / (kernel * kernel);
      }
    }
  }
  return { shape: [B, C, Ho, Wo], data: out };
}

/** Elementwise map (activations: gelu, silu, relu, sigmoid … are one-liners on top). */
export function map(x: Tensor, f: (v: number, i: number) => number): Tensor {
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < out.length; i++) out[i] = f(x.data[i], i);
  return { shape: [...x.shape], data: out };
}

export function add(a: Tensor, b: Tensor): Tensor {
  if (a.data.length !== b.data.length) throw new Error(`add: [${a.shape}] + [${b.shape}]`);
  return map(a, (v, i) => v + b.data[i]);
}

export const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));
export const silu = (v: number): number => v * sigmoid(v);
export const relu = (v: number): number => (v > 0 ? v : 0);
/** log(sigmoid(v)) computed without overflow. */
export const logSigmoid = (v: number): number => (v >= 0 ? -Math.log1p(Math.exp(-v)) : v - Math.log1p(Math.exp(v)));
/** Exact (erf) GELU as torch.nn.GELU(). */
export const gelu = (v: number): number => 0.5 * v * (1 + erf(v / Math.SQRT2));
export const hardswish = (v: number): number => (v * Math.min(Math.max(v + 3, 0), 6)) / 6;

/** erf to ~1e-15 (series for small |x|, continued fraction via erfc otherwise). */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    // Maclaurin series: converges fast for |x| < 2.5 in float64.
    let term = x;
    let sum = x;
    const x2 = x * x;
    for (let n = 1; n < 60; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // Lentz continued fraction for erfc.
  const z = ax;
  let f = z;
  let C = z;
  let D = 0;
  for (let n = 1; n < 200; n++) {
    const an = n / 2;
    D = z + an * D;
    D = 1 / D;
    C = z + an / C;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-z * z) / Math.sqrt(Math.PI) / f;
  return x > 0 ? 1 - erfc : erfc - 1;
}

export { tensor };
