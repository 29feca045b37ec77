/**
 * The drawn maps of Vicinity attention for a clicked query token t:
 * - per head z_t·φ(q_t)·φ(k_j) (the quadratic form the linear attention equals while no clamp
 *   triggers; the fixtures' `attn`), and their mean first;
 * - the content-free locality kernel cos(a_t − a_j) + cos(b_t − b_j) (range [0, 2] for θ ≤ π/2).
 * `maps.attn` is [heads, R, N] and `maps.locality` [R, N]: R = N from the CPU reference
 * (rowIndex = token), R = 1 from the GPU with opts.rows = [token] (rowIndex = 0).
 * For θ > π/2 the cosines go negative, so both become signed maps.
 */
import type { MapPanel } from '../types';
import type { VicinityConfig } from './spec';
import { vicinityAngles } from './angles';
import { headRowPanels } from '../common/maps';

/** Locality row of token t straight from the angles (no GPU round trip needed). */
export function vicinityLocalityRow(c: VicinityConfig, t: number): Float32Array {
  const { a, b } = vicinityAngles(c);
  const out = new Float32Array(a.length);
  for (let j = 0; j < a.length; j++) out[j] = Math.cos(a[t] - a[j]) + Math.cos(b[t] - b[j]);
  return out;
}

export function vicinityQueryMaps(maps: Record<string, ArrayLike<number>>, c: VicinityConfig, token: number, rowIndex: number): MapPanel[] {
  const N = c.H * c.W;
  const signed = c.theta > Math.PI / 2;
  const panels: MapPanel[] = [];
  if (maps.attn) {
    panels.push(...headRowPanels(maps.attn, c.heads, c.H, c.W, rowIndex, { headTitle: (h) => `head ${h}: z·φ(q)·φ(k)`, signed }));
  }
  let loc: Float32Array;
  if (maps.locality) {
    loc = new Float32Array(N);
    for (let j = 0; j < N; j++) loc[j] = maps.locality[rowIndex * N + j];
  } else {
    loc = vicinityLocalityRow(c, token);
  }
  panels.push({ title: `locality cos Δa + cos Δb (θ = ${c.theta.toFixed(3)})`, values: loc, H: c.H, W: c.W, signed });
  return panels;
}
