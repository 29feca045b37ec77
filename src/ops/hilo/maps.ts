/**
 * What the UI draws for HiLo when a token is clicked: per Hi-Fi head the softmax inside the token's
 * window, per Lo-Fi head the probability of each pooled cell spread evenly over its pixels (p/ws²),
 * both as H×W images over the real grid (padded positions are not drawn). Plus the MAC split by
 * branch for the FLOPs chart.
 */
import { hiloDerived, type HiloConfig } from './spec';
import { hiloBranchMacs, type HiloBranchMacs } from './flops';

export interface HiloTokenMaps {
  /** one H×W map per Hi-Fi head (zero outside the window) */
  hifi: Float32Array[];
  /** one H×W map per Lo-Fi head */
  lofi: Float32Array[];
  /** the clicked token's window on the real grid, [y0, x0, y1, x1) (also its pooled cell) */
  window: { y0: number; x0: number; y1: number; x1: number };
}

/**
 * `maps` as returned by the op: either the fixture layouts (attn_hifi [hHeads, G, T, T],
 * attn_lofi [lHeads, N, M]; leave `rows` out) or the GPU path's per-query layouts for
 * `opts.rows` (attn_hifi [hHeads, R, T], attn_lofi [lHeads, R, M]; pass `rows` and the token's
 * index `r` in it).
 */
export function hiloTokenMaps(
  c: HiloConfig,
  maps: Record<string, ArrayLike<number>>,
  token: number,
  rowsLayout?: { rows: number; r: number },
): HiloTokenMaps {
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
  for (let e = 0; e < g.hHeads && hm; e++) {
    const base = rowsLayout ? (e * rowsLayout.rows + rowsLayout.r) * g.T : ((e * g.G + tw) * g.T + ti) * g.T;
    const img = new Float32Array(g.N);
    for (let y = window.y0; y < window.y1; y++) {
      for (let x = window.x0; x < window.x1; x++) img[y * c.W + x] = hm[base + (y - y0) * ws + (x - x0)];
    }
    hifi.push(img);
  }

  const lofi: Float32Array[] = [];
  const lm = maps.attn_lofi;
  for (let e = 0; e < g.lHeads && lm; e++) {
    const base = rowsLayout ? (e * rowsLayout.rows + rowsLayout.r) * g.M : (e * g.N + token) * g.M;
    const img = new Float32Array(g.N);
    for (let j = 0; j < g.N; j++) {
      const jy = Math.floor(j / c.W);
      const jx = j % c.W;
      img[j] = lm[base + Math.floor(jy / ws) * g.Gw + Math.floor(jx / ws)] / g.T;
    }
    lofi.push(img);
  }
  return { hifi, lofi, window };
}

/** MACs per branch (sum = macs(cfg)), for the chart that shows how alpha and ws move the cost. */
export function hiloMacsByBranch(c: HiloConfig): HiloBranchMacs {
  return hiloBranchMacs(c);
}

/** Head split shown next to the alpha slider. */
export function hiloHeadSplit(c: HiloConfig): { hifiHeads: number; lofiHeads: number; pooledKeys: number } {
  const g = hiloDerived(c);
  return { hifiHeads: g.hHeads, lofiHeads: g.lHeads, pooledKeys: g.M };
}
