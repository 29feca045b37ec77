/**
 * Pieces shared by ViG and ViG-H (spec/vig.md): layout helpers, LayerNorm2d, SwiGLU and the GLA
 * token mixer. The mixer is the op reference's math (src/ops/gla/reference.ts: same spec helpers,
 * same `glaScan` recurrence) without the L×L effective-weight maps: glaReference always builds
 * those, which is O(L²·K) time and memory — 0.9 GB per ViG-H stage-1 block — so a backbone
 * forward cannot call it. tests/node/model-vig.test.ts checks this function equals glaReference.
 */
import { depthwiseConv2d, linear, logSigmoid, sigmoid, silu } from '../../tensor/ops';
import type { Tensor } from '../../tensor/tensor';
import type { Params } from '../../ops/types';
import { applyInPlace, need } from '../nn-cpu';
import { glaScan } from '../../ops/gla/reference';
import { directionWeights, glaDims, validateGla, type GlaConfig } from '../../ops/gla/spec';

/** Row-major [rows, cols] → [cols, rows]. */
export function transpose(m: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(m.length);
  for (let r = 0; r < rows; r++) {
    const ro = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = m[ro + c];
  }
  return out;
}

/** One image [1,C,H,W] → tokens [L,C] (row-major t = row·W + col). */
export function imageToTokens(img: Tensor): Tensor {
  const [, C, H, W] = img.shape;
  return { shape: [H * W, C], data: transpose(img.data, C, H * W) };
}

/** Tokens [L,C] → one image [1,C,H,W]. */
export function tokensToImage(t: Tensor, H: number, W: number): Tensor {
  const C = t.shape[t.shape.length - 1];
  return { shape: [1, C, H, W], data: transpose(t.data, H * W, C) };
}

/** LayerNorm2d: LayerNorm over the channels at each pixel of [B,C,H,W] (biased variance). */
export function layerNorm2d(x: Tensor, w: Tensor | undefined, b: Tensor | undefined, eps = 1e-5): Tensor {
  const [B, C] = x.shape;
  const hw = x.data.length / (B * C);
  const out = new Float64Array(x.data.length);
  const mean = new Float64Array(hw);
  const sq = new Float64Array(hw);
  for (let n = 0; n < B; n++) {
    const base = n * C * hw;
    mean.fill(0);
    sq.fill(0);
    for (let c = 0; c < C; c++) for (let i = 0; i < hw; i++) mean[i] += x.data[base + c * hw + i];
    for (let i = 0; i < hw; i++) mean[i] /= C;
    for (let c = 0; c < C; c++) {
      for (let i = 0; i < hw; i++) {
        const d = x.data[base + c * hw + i] - mean[i];
        sq[i] += d * d;
      }
    }
    for (let i = 0; i < hw; i++) sq[i] = 1 / Math.sqrt(sq[i] / C + eps);
    for (let c = 0; c < C; c++) {
      const wc = w ? w.data[c] : 1;
      const bc = b ? b.data[c] : 0;
      for (let i = 0; i < hw; i++) {
        const o = base + c * hw + i;
        out[o] = (x.data[o] - mean[i]) * sq[i] * wc + bc;
      }
    }
  }
  return { shape: [...x.shape], data: out };
}

/** fla swiglu on [L, 2I]: first half = gate, second half = value → silu(gate)·value [L, I]. */
export function swigluHalves(y: Tensor): Tensor {
  const two = y.shape[y.shape.length - 1];
  const I = two / 2;
  const rows = y.data.length / two;
  const out = new Float64Array(rows * I);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < I; i++) out[r * I + i] = silu(y.data[r * two + i]) * y.data[r * two + I + i];
  }
  return { shape: [...y.shape.slice(0, -1), I], data: out };
}

/** a + b elementwise (same length), into a new tensor shaped like a. */
export function addT(a: Tensor, b: Tensor): Tensor {
  const out = new Float64Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = a.data[i] + b.data[i];
  return { shape: [...a.shape], data: out };
}

/** The block's GLA config (official knobs) for a grid H×W. */
export function blockGlaConfig(o: { layout: 'tokens' | 'channels'; dim: number; heads: number; expandK: number; expandV: number; actInConv: boolean; outAct: boolean; mergeDiv: number; H: number; W: number }): GlaConfig {
  return { ...o, lowRank: 16, tau: 16, clampMin: null, eps: 1e-6, direction: 'both', locality: 'learned' };
}

/**
 * The ViG/ViG-H token mixer (spec §4, GLA2D §6 is the same math) on tokens [L,C] of an H×W grid,
 * p = the module's own state_dict. Returns o_proj's output as tokens [L,C].
 */
export function glaMixer(x: Tensor, p: Params, c: GlaConfig): Tensor {
  validateGla(c);
  const { L, C, K, V, dk, dv, scale } = glaDims(c);
  const h = c.heads;
  // 1. local branch on the image; every projection reads the conv output xs
  const loc = depthwiseConv2d(tokensToImage(x, c.H, c.W), need(p, 'in_proj.0.weight'), undefined, { padding: 1 });
  if (c.actInConv) applyInPlace(loc, silu);
  const xs = imageToTokens(loc);
  const qkv = linear(xs, need(p, 'qkv_proj.weight')).data; // [L, 2K+V]
  const z = linear(linear(xs, need(p, 'gk_proj.0.weight')), need(p, 'gk_proj.1.weight'), need(p, 'gk_proj.1.bias')).data; // [L, 2K]
  const gRaw = linear(xs, need(p, 'g_proj.weight'), need(p, 'g_proj.bias')).data; // [L, V]
  // 2.–5. per head: q,k,v slices, both log-decays, both scans, eval merge
  const [wf, wb] = directionWeights(c);
  const o = new Float64Array(L * V);
  const S = 2 * K + V;
  const q = new Float64Array(L * dk);
  const k = new Float64Array(L * dk);
  const v = new Float64Array(L * dv);
  const gam = [new Float64Array(L * dk), new Float64Array(L * dk)];
  for (let n = 0; n < h; n++) {
    for (let t = 0; t < L; t++) {
      for (let i = 0; i < dk; i++) {
        q[t * dk + i] = qkv[t * S + n * dk + i];
        k[t * dk + i] = qkv[t * S + K + n * dk + i];
        for (let dir = 0; dir < 2; dir++) {
          let g = logSigmoid(z[t * 2 * K + dir * K + n * dk + i]) / c.tau;
          if (c.clampMin !== null) g = Math.max(g, c.clampMin);
          gam[dir][t * dk + i] = g;
        }
      }
      for (let e = 0; e < dv; e++) v[t * dv + e] = qkv[t * S + 2 * K + n * dv + e];
    }
    [wf, wb].forEach((w, dir) => {
      if (w === 0) return;
      const od = glaScan(q, k, v, gam[dir], L, dk, dv, scale, dir === 1);
      for (let t = 0; t < L; t++) for (let e = 0; e < dv; e++) o[t * V + n * dv + e] += w * od[t * dv + e];
    });
  }
  // 6.–9. g_norm(o)·G + l_norm(loc)·(1−G) per head, optional SiLU
  const gw = need(p, 'g_norm.weight').data;
  const lw = need(p, 'l_norm.weight').data;
  const y = new Float64Array(L * V);
  for (let t = 0; t < L; t++) {
    for (let n = 0; n < h; n++) {
      const oo = t * V + n * dv;
      const lo = t * C + n * dv;
      let so = 0;
      let sl = 0;
      for (let e = 0; e < dv; e++) {
        so += o[oo + e] ** 2;
        sl += xs.data[lo + e] ** 2;
      }
      const io = 1 / Math.sqrt(so / dv + c.eps);
      const il = 1 / Math.sqrt(sl / dv + c.eps);
      for (let e = 0; e < dv; e++) {
        const G = c.locality === 'learned' ? sigmoid(gRaw[oo + e]) : c.locality === 'off' ? 1 : 0;
        const val = o[oo + e] * io * gw[e] * G + xs.data[lo + e] * il * lw[e] * (1 - G);
        y[oo + e] = c.outAct ? silu(val) : val;
      }
    }
  }
  // 10. o_proj
  return linear({ shape: [L, V], data: y }, need(p, 'o_proj.weight'));
}
