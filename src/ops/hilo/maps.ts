/**
 * What the UI draws for HiLo when a token is clicked: per Hi-Fi head the softmax inside the token's
 * window, per Lo-Fi head the probability of each pooled cell spread evenly over its pixels (p/ws²),
 * both as H×W images over the real grid (padded positions are not drawn). Plus the MAC split by
 * branch for the FLOPs chart.
 */
import type { MapPanel } from '../types';
import { hiloDerived, type HiloConfig } from './spec';

export interface HiloTokenMaps {
  /** one H×W map per Hi-Fi head (zero outside the window) */
  hifi: Float32Array[];
  /** one H×W map per Lo-Fi head */
  lofi: Float32Array[];
  /** the clicked token's window on the real grid, [y0, y1) × [x0, x1) (also its pooled cell) */
  window: { y0: number; x0: number; y1: number; x1: number };
}

/**
 * The clicked token's per-head maps. `maps` holds attn_hifi / attn_lofi either in the fixture
 * layouts ([hHeads, G, T, T], [lHeads, N, M]: all queries, pass rowIndex = token) or in the GPU
 * path's opts.rows layouts ([hHeads, R, T], [lHeads, R, M]: pass the token's index in rows).
 * The layout is told apart by size (the full Hi-Fi map has G·T·T entries per head).
 */
export function hiloTokenMaps(c: HiloConfig, maps: Record<string, ArrayLike<number>>, token: number, rowIndex = token): HiloTokenMaps {
  const g = hiloDerived(c);
  const ws = c.ws;
  const ty = Math.floor(token / c.W);
  const tx = token % c.W;
  const tw = Math.floor(ty / ws) * g.Gw + Math.floor(tx / ws);
  const ti = (ty % ws) * ws + (tx % ws);
  const y0 = Math.floor(ty / ws) * ws;
  const x0 = Math.floor(tx / ws) * ws;
  const window = { y0, x0, y1: Math.min(y0 + ws, c.H), x1: Math.min(x0 + ws, c.W) };

  const hifi: Float32Array[] = [];
  const hm = maps.attn_hifi;
  if (hm && g.hHeads > 0) {
    const full = hm.length === g.hHeads * g.G * g.T * g.T;
    const R = hm.length / (g.hHeads * g.T);
    for (let e = 0; e < g.hHeads; e++) {
      const base = full ? ((e * g.G + tw) * g.T + ti) * g.T : (e * R + rowIndex) * g.T;
      const img = new Float32Array(g.N);
      for (let y = window.y0; y < window.y1; y++) {
        for (let x = window.x0; x < window.x1; x++) img[y * c.W + x] = hm[base + (y - y0) * ws + (x - x0)];
      }
      hifi.push(img);
    }
  }

  const lofi: Float32Array[] = [];
  const lm = maps.attn_lofi;
  if (lm && g.lHeads > 0) {
    const R = lm.length / (g.lHeads * g.M);
    for (let e = 0; e < g.lHeads; e++) {
      const base = (e * R + rowIndex) * g.M;
      const img = new Float32Array(g.N);
      for (let j = 0; j < g.N; j++) {
        const cell = Math.floor(Math.floor(j / c.W) / ws) * g.Gw + Math.floor((j % c.W) / ws);
        img[j] = lm[base + cell] / g.T;
      }
      lofi.push(img);
    }
  }
  return { hifi, lofi, window };
}

/** OpImpl.queryMaps: the head mean first, then Hi-Fi heads, then Lo-Fi heads (the attn_eff order). */
export function hiloQueryMaps(maps: Record<string, ArrayLike<number>>, c: HiloConfig, token: number, rowIndex: number): MapPanel[] {
  const { hifi, lofi } = hiloTokenMaps(c, maps, token, rowIndex);
  const all = [...hifi, ...lofi];
  if (!all.length) return [];
  const N = c.H * c.W;
  const mean = new Float32Array(N);
  for (const img of all) for (let j = 0; j < N; j++) mean[j] += img[j] / all.length;
  const panels: MapPanel[] = [{ title: 'mean of heads', values: mean, H: c.H, W: c.W }];
  hifi.forEach((v, e) => panels.push({ title: `Hi-Fi head ${e + 1} (window ${c.ws}×${c.ws})`, values: v, H: c.H, W: c.W }));
  lofi.forEach((v, e) => panels.push({ title: `Lo-Fi head ${e + 1} (pooled ${c.ws}×${c.ws})`, values: v, H: c.H, W: c.W }));
  return panels;
}

/** Head split shown next to the alpha slider. */
export function hiloHeadSplit(c: HiloConfig): { hifiHeads: number; lofiHeads: number; pooledKeys: number; padded: boolean } {
  const g = hiloDerived(c);
  return { hifiHeads: g.hHeads, lofiHeads: g.lHeads, pooledKeys: g.M, padded: g.padR > 0 || g.padB > 0 };
}
