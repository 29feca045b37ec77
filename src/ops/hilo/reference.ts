/**
 * Float64 reference of HiLo, following the seg/det `forward(x, H, W)` of spec/litv2.md §1-2:
 * zero-pad to Hp×Wp, run Hi-Fi (window attention) and Lo-Fi (attention to pooled keys) on the
 * padded map, crop both back to H×W and concatenate Hi-Fi first. With no padding needed this is
 * line for line the classification module too.
 */
import { avgPool2d, linear, softmax } from '../../tensor/ops';
import { permute, type Tensor } from '../../tensor/tensor';
import type { OpOutput, Params } from '../types';
import { requireParam } from '../common/params';
import { hiloDerived, type HiloConfig, type HiloDerived } from './spec';

/** Zero-pad tokens [H·W, C] (row-major) to the padded grid [Hp·Wp, C]. */
function padTokens(x: Float64Array, c: HiloConfig, g: HiloDerived): Float64Array {
  const C = g.C;
  const out = new Float64Array(g.Hp * g.Wp * C);
  for (let y = 0; y < c.H; y++) {
    for (let xx = 0; xx < c.W; xx++) {
      out.set(x.subarray((y * c.W + xx) * C, (y * c.W + xx + 1) * C), (y * g.Wp + xx) * C);
    }
  }
  return out;
}

/** Padded-grid index of window-local token i of window w (both row-major). */
export function windowToken(g: HiloDerived, ws: number, w: number, i: number): number {
  const wy = Math.floor(w / g.Gw);
  const wx = w % g.Gw;
  return (wy * ws + Math.floor(i / ws)) * g.Wp + wx * ws + (i % ws);
}

/** Hi-Fi: per window and head, softmax(q·kᵀ·scale)·v over the window's T tokens; then h_proj. */
function hifi(xp: Float64Array, p: Params, c: HiloConfig, g: HiloDerived): { out: Float64Array; attn: Float64Array } {
  const Np = g.Hp * g.Wp;
  const hd = g.hDim;
  const qkv = linear({ shape: [Np, g.C], data: xp }, requireParam(p, 'h_qkv.weight'), p['h_qkv.bias']).data;
  // qkv row: [3, hHeads, d] — q | k | v, head-major inside each
  const at = (t: number, which: number, e: number, j: number) => qkv[t * 3 * hd + which * hd + e * g.d + j];
  const attn = new Float64Array(g.hHeads * g.G * g.T * g.T);
  const o = new Float64Array(Np * hd);
  for (let w = 0; w < g.G; w++) {
    const tok = Array.from({ length: g.T }, (_, i) => windowToken(g, c.ws, w, i));
    for (let e = 0; e < g.hHeads; e++) {
      const s = new Float64Array(g.T * g.T);
      for (let i = 0; i < g.T; i++) {
        for (let j = 0; j < g.T; j++) {
          let dot = 0;
          for (let k = 0; k < g.d; k++) dot += at(tok[i], 0, e, k) * at(tok[j], 1, e, k);
          s[i * g.T + j] = dot * g.scale;
        }
      }
      const pr = softmax({ shape: [g.T, g.T], data: s }).data;
      attn.set(pr, (e * g.G + w) * g.T * g.T);
      for (let i = 0; i < g.T; i++) {
        for (let j = 0; j < g.T; j++) {
          for (let k = 0; k < g.d; k++) o[tok[i] * hd + e * g.d + k] += pr[i * g.T + j] * at(tok[j], 2, e, k);
        }
      }
    }
  }
  const out = linear({ shape: [Np, hd], data: o }, requireParam(p, 'h_proj.weight'), p['h_proj.bias']).data;
  return { out, attn };
}

/** Lo-Fi: queries from every token, keys/values from AvgPool(ws) of the input (x itself if ws = 1). */
function lofi(xp: Float64Array, p: Params, c: HiloConfig, g: HiloDerived): { out: Float64Array; attn: Float64Array } {
  const Np = g.Hp * g.Wp;
  const C = g.C;
  const ld = g.lDim;
  const xt: Tensor = { shape: [Np, C], data: xp };
  const q = linear(xt, requireParam(p, 'l_q.weight'), p['l_q.bias']).data;
  let src: Tensor = xt;
  if (c.ws > 1) {
    // sr = AvgPool2d(ws, ws) on the channels-first map, back to M row-major tokens
    const nchw = permute({ shape: [1, g.Hp, g.Wp, C], data: xp }, [0, 3, 1, 2]);
    const pooled = avgPool2d(nchw, c.ws, c.ws);
    src = { shape: [g.M, C], data: permute({ shape: [C, g.M], data: pooled.data }, [1, 0]).data };
  }
  const kv = linear(src, requireParam(p, 'l_kv.weight'), p['l_kv.bias']).data; // [M, 2, lHeads, d]
  const logits = new Float64Array(g.lHeads * Np * g.M);
  for (let e = 0; e < g.lHeads; e++) {
    for (let t = 0; t < Np; t++) {
      for (let m = 0; m < g.M; m++) {
        let dot = 0;
        for (let k = 0; k < g.d; k++) dot += q[t * ld + e * g.d + k] * kv[m * 2 * ld + e * g.d + k];
        logits[(e * Np + t) * g.M + m] = dot * g.scale;
      }
    }
  }
  const attn = softmax({ shape: [g.lHeads, Np, g.M], data: logits }).data;
  const o = new Float64Array(Np * ld);
  for (let e = 0; e < g.lHeads; e++) {
    for (let t = 0; t < Np; t++) {
      for (let m = 0; m < g.M; m++) {
        const a = attn[(e * Np + t) * g.M + m];
        for (let k = 0; k < g.d; k++) o[t * ld + e * g.d + k] += a * kv[m * 2 * ld + ld + e * g.d + k];
      }
    }
  }
  const out = linear({ shape: [Np, ld], data: o }, requireParam(p, 'l_proj.weight'), p['l_proj.bias']).data;
  return { out, attn };
}

const EFF_MAX_ENTRIES = 2 ** 24;

export function hiloReference(x: Tensor, p: Params, c: HiloConfig): OpOutput {
  const g = hiloDerived(c);
  const C = g.C;
  const N = g.N;
  const Np = g.Hp * g.Wp;
  const xp = padTokens(x.data, c, g);
  const hi = g.hHeads > 0 ? hifi(xp, p, c, g) : null;
  const lo = g.lHeads > 0 ? lofi(xp, p, c, g) : null;
  const padIdx = (t: number) => Math.floor(t / c.W) * g.Wp + (t % c.W);

  // crop to the real tokens, concat [Hi-Fi | Lo-Fi]
  const y = new Float64Array(N * C);
  for (let t = 0; t < N; t++) {
    const tp = padIdx(t);
    if (hi) y.set(hi.out.subarray(tp * g.hDim, (tp + 1) * g.hDim), t * C);
    if (lo) y.set(lo.out.subarray(tp * g.lDim, (tp + 1) * g.lDim), t * C + g.hDim);
  }

  const maps: Record<string, Tensor> = {};
  if (hi) maps.attn_hifi = { shape: [g.hHeads, g.G, g.T, g.T], data: hi.attn };
  if (lo) {
    // rows of the real tokens only
    const lofiRows = new Float64Array(g.lHeads * N * g.M);
    for (let e = 0; e < g.lHeads; e++) {
      for (let t = 0; t < N; t++) lofiRows.set(lo.attn.subarray((e * Np + padIdx(t)) * g.M, (e * Np + padIdx(t) + 1) * g.M), (e * N + t) * g.M);
    }
    maps.attn_lofi = { shape: [g.lHeads, N, g.M], data: lofiRows };
  }
  // attn_eff only restates the two maps over N×N; past 2^24 entries (e.g. 12 heads at 56×56, ~1 GB
  // of float64) it is left out — the op view draws from attn_hifi / attn_lofi.
  if (c.heads * N * N <= EFF_MAX_ENTRIES) {
    maps.attn_eff = { shape: [c.heads, N, N], data: hiloEffRows(c, g, maps.attn_hifi?.data, maps.attn_lofi?.data, N, (r) => r) };
  }
  return { y: { shape: [1, N, C], data: y }, maps };
}

/**
 * attn_eff rows [heads, R, N] over the real tokens: Hi-Fi heads first (window probability when key j
 * shares the query's window, else 0), then Lo-Fi heads (p of j's pooled cell / ws²). `hifi` is the full
 * [hHeads, G, T, T] map, `lofi` is [lHeads, R, M] for the R query rows `row(r)`.
 */
export function hiloEffRows(
  c: HiloConfig,
  g: HiloDerived,
  hifiMap: ArrayLike<number> | undefined,
  lofiRows: ArrayLike<number> | undefined,
  R: number,
  row: (r: number) => number,
): Float64Array {
  const N = g.N;
  const ws = c.ws;
  const out = new Float64Array(c.heads * R * N);
  for (let r = 0; r < R; r++) {
    const t = row(r);
    const ty = Math.floor(t / c.W);
    const tx = t % c.W;
    const tw = Math.floor(ty / ws) * g.Gw + Math.floor(tx / ws);
    const ti = (ty % ws) * ws + (tx % ws);
    for (let j = 0; j < N; j++) {
      const jy = Math.floor(j / c.W);
      const jx = j % c.W;
      const jw = Math.floor(jy / ws) * g.Gw + Math.floor(jx / ws); // window = pooled cell
      const ji = (jy % ws) * ws + (jx % ws);
      for (let e = 0; e < g.hHeads; e++) {
        if (jw === tw) out[(e * R + r) * N + j] = hifiMap![((e * g.G + tw) * g.T + ti) * g.T + ji];
      }
      for (let e = 0; e < g.lHeads; e++) {
        out[((g.hHeads + e) * R + r) * N + j] = lofiRows![(e * R + r) * g.M + jw] / g.T;
      }
    }
  }
  return out;
}
