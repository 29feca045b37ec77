/**
 * Drawn maps of FASA for a clicked pixel:
 * - global: the clicked query's softmax over the M pooled keys, spread back over the H×W grid
 *   (every pixel shows the weight of the pooled cell it falls in: cell (⌊y/ws⌋, ⌊x/ws⌋); the
 *   strided convs centre cell i on input 2i, so this is the cell→pixel block a viewer expects);
 * - local: the modulation map `local_mod` [heads, N] (mean sigmoid(G) of the head: how strongly the
 *   global branch lets the local branch through at each pixel) plus the clicked pixel's k×k
 *   local_mixer window, which the UI outlines.
 */
import { pooledHW, type FasaConfig } from './spec';

type Arr = ArrayLike<number>;

/** Pooled cell index (row-major over H'×W') that pixel t lies in. */
export function pooledCellOf(c: FasaConfig, t: number): number {
  const [, Wp] = pooledHW(c);
  const y = Math.floor(t / c.W);
  const x = t % c.W;
  return Math.floor(y / c.ws) * Wp + Math.floor(x / c.ws);
}

/** Spread one row over M pooled keys onto the H×W grid. */
export function spreadPooled(c: FasaConfig, row: Arr): Float32Array {
  const N = c.H * c.W;
  const out = new Float32Array(N);
  for (let t = 0; t < N; t++) out[t] = row[pooledCellOf(c, t)];
  return out;
}

/**
 * Global map of query `row` (index into the rows the map was computed for; the pixel itself when
 * attn holds all N rows). attn: [heads, rowsPerHead, M]. Returns per-head pooled rows, their
 * H×W spreads and the head mean of the spreads.
 */
export function fasaGlobalMaps(attn: Arr, c: FasaConfig, rowsPerHead: number, row: number): { pooled: Float32Array[]; perHead: Float32Array[]; mean: Float32Array } {
  const [Hp, Wp] = pooledHW(c);
  const M = Hp * Wp;
  const N = c.H * c.W;
  const pooled: Float32Array[] = [];
  const perHead: Float32Array[] = [];
  const mean = new Float32Array(N);
  for (let h = 0; h < c.heads; h++) {
    const off = (h * rowsPerHead + row) * M;
    const r = Float32Array.from({ length: M }, (_, i) => attn[off + i]);
    pooled.push(r);
    const s = spreadPooled(c, r);
    perHead.push(s);
    for (let t = 0; t < N; t++) mean[t] += s[t] / c.heads;
  }
  return { pooled, perHead, mean };
}

export interface LocalWindow {
  y0: number;
  y1: number;
  x0: number;
  x1: number;
}

/** The clicked pixel's k×k local_mixer window clipped to the grid (inclusive bounds). */
export function fasaLocalWindow(c: FasaConfig, t: number): LocalWindow {
  const r = c.kernelSize >> 1;
  const y = Math.floor(t / c.W);
  const x = t % c.W;
  return { y0: Math.max(0, y - r), y1: Math.min(c.H - 1, y + r), x0: Math.max(0, x - r), x1: Math.min(c.W - 1, x + r) };
}

/** Local modulation map: per-head H×W maps of `local_mod` [heads, N], the head mean, the clicked window. */
export function fasaLocalMaps(localMod: Arr, c: FasaConfig, t: number): { perHead: Float32Array[]; mean: Float32Array; window: LocalWindow; value: number } {
  const N = c.H * c.W;
  const perHead: Float32Array[] = [];
  const mean = new Float32Array(N);
  for (let h = 0; h < c.heads; h++) {
    const m = Float32Array.from({ length: N }, (_, i) => localMod[h * N + i]);
    perHead.push(m);
    for (let i = 0; i < N; i++) mean[i] += m[i] / c.heads;
  }
  return { perHead, mean, window: fasaLocalWindow(c, t), value: mean[t] };
}
