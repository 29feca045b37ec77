/**
 * The drawn maps of Vicinity attention for a clicked query token t:
 * - attn: z_t·φ(q_t)·φ(k_j) per head (the quadratic form the linear attention equals while no
 *   clamp triggers), plus the head mean; rows may be negative-free but are not normalised to 1
 *   exactly (the +1e-4 in z).
 * - locality: the content-free kernel cos(a_t − a_j) + cos(b_t − b_j) (range [0, 2] at θ = π/2).
 * Layouts: attn [heads, rowsPerHead, N] (fixture layout when rowsPerHead = N), locality [rows, N].
 */
import type { VicinityConfig } from './spec';
import { vicinityAngles } from './angles';

export function vicinityQueryMaps(
  attn: Float32Array | Float64Array,
  heads: number,
  N: number,
  rowsPerHead: number,
  row: number,
): { perHead: Float32Array[]; mean: Float32Array } {
  const perHead: Float32Array[] = [];
  const mean = new Float32Array(N);
  for (let h = 0; h < heads; h++) {
    const off = (h * rowsPerHead + row) * N;
    const r = Float32Array.from(attn.subarray(off, off + N));
    perHead.push(r);
    for (let j = 0; j < N; j++) mean[j] += r[j] / heads;
  }
  return { perHead, mean };
}

/** Locality row of token t, straight from the angles (cheap: no GPU round trip needed). */
export function vicinityLocalityRow(c: VicinityConfig, t: number): Float32Array {
  const { a, b } = vicinityAngles(c);
  const out = new Float32Array(a.length);
  for (let j = 0; j < a.length; j++) out[j] = Math.cos(a[t] - a[j]) + Math.cos(b[t] - b[j]);
  return out;
}
