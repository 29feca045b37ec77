/**
 * GLA's maps (fixture definitions, meta.notes), shared by the CPU reference and the UI:
 * - log_decay_f/b [h,L,dk]: γ = logsigmoid(z)/τ per key channel;
 * - gate [L,V]: the locality-injection gate G (sigmoid(g_proj(xs)) when learned);
 * - attn_f/attn_b [h,L,L]: signed effective weights, of = attn_f·v, ob = attn_b·v (scale included,
 *   before the merge division): attn_f[t,j] = Σ_c s·q_t[c]·k_j[c]·exp(Gf_t[c] − Gf_j[c]) for j ≤ t;
 * - decay_f/decay_b [h,L,L]: the content-free decay field mean_c exp(G_t[c] − G_j[c]) on the
 *   scanned side (j ≤ t forward, j ≥ t backward), 0 elsewhere.
 * Gf_t = Σ_{r≤t} γf_r, Gb_t = Σ_{r≥t} γb_r (spec/vig.md §5). A scan switched off by the direction
 * knob has all-zero attn/decay maps; gate is the G actually applied (1 or 0 when forced).
 */

/** Cumulative log-decay of one head, [L,dk] → [L,dk]: prefix sums (forward) or suffix sums (backward). */
export function cumulativeLogDecay(gam: ArrayLike<number>, L: number, dk: number, reverse: boolean): Float64Array {
  const G = new Float64Array(L * dk);
  for (let c = 0; c < dk; c++) {
    let acc = 0;
    for (let s = 0; s < L; s++) {
      const t = reverse ? L - 1 - s : s;
      acc += gam[t * dk + c];
      G[t * dk + c] = acc;
    }
  }
  return G;
}

/**
 * Effective-weight and decay rows of one head and direction for query tokens `rows`
 * (q, k [L,dk]; G from cumulativeLogDecay). Returns [rows.length, L] each.
 */
export function effectiveRows(
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  G: ArrayLike<number>,
  L: number,
  dk: number,
  scale: number,
  reverse: boolean,
  rows: readonly number[],
): { attn: Float64Array; decay: Float64Array } {
  const attn = new Float64Array(rows.length * L);
  const decay = new Float64Array(rows.length * L);
  rows.forEach((t, r) => {
    const [j0, j1] = reverse ? [t, L - 1] : [0, t];
    for (let j = j0; j <= j1; j++) {
      let a = 0;
      let d = 0;
      for (let c = 0; c < dk; c++) {
        const e = Math.exp(G[t * dk + c] - G[j * dk + c]);
        a += q[t * dk + c] * k[j * dk + c] * e;
        d += e;
      }
      attn[r * L + j] = a * scale;
      decay[r * L + j] = d / dk;
    }
  });
  return { attn, decay };
}

/** The clicked token's rows per head from a [h, rowsPerHead, L] map (full map: rowsPerHead = L). */
export function tokenRows(map: ArrayLike<number>, heads: number, rowsPerHead: number, L: number, row: number): { perHead: Float32Array[]; mean: Float32Array } {
  const perHead: Float32Array[] = [];
  const mean = new Float32Array(L);
  for (let h = 0; h < heads; h++) {
    const off = (h * rowsPerHead + row) * L;
    const r = new Float32Array(L);
    for (let j = 0; j < L; j++) {
      r[j] = map[off + j];
      mean[j] += r[j] / heads;
    }
    perHead.push(r);
  }
  return { perHead, mean };
}

export interface GlaTokenMaps {
  /** signed effective weights per direction and their sum (what the merged scan applies to v, before ÷merge) */
  forward: { perHead: Float32Array[]; mean: Float32Array };
  backward: { perHead: Float32Array[]; mean: Float32Array };
  both: Float32Array;
  decayForward: { perHead: Float32Array[]; mean: Float32Array };
  decayBackward: { perHead: Float32Array[]; mean: Float32Array };
}

/** Everything drawn for a clicked token from the op's maps (full [h,L,L] or per-row [h,R,L]). */
export function glaTokenMaps(maps: Record<string, ArrayLike<number>>, heads: number, L: number, row: number, rowsPerHead = L): GlaTokenMaps {
  const forward = tokenRows(maps.attn_f, heads, rowsPerHead, L, row);
  const backward = tokenRows(maps.attn_b, heads, rowsPerHead, L, row);
  const both = new Float32Array(L);
  for (let j = 0; j < L; j++) both[j] = forward.mean[j] + backward.mean[j];
  return {
    forward,
    backward,
    both,
    decayForward: tokenRows(maps.decay_f, heads, rowsPerHead, L, row),
    decayBackward: tokenRows(maps.decay_b, heads, rowsPerHead, L, row),
  };
}

/**
 * The content-free decay field of token t straight from log_decay [h,L,dk] (no N×N map needed):
 * per head, mean_c exp(G_t − G_j) on the scanned side. O(L·dk) per head.
 */
export function decayRowFromLogDecay(logDecay: ArrayLike<number>, heads: number, L: number, dk: number, t: number, reverse: boolean): Float32Array[] {
  const out: Float32Array[] = [];
  for (let h = 0; h < heads; h++) {
    const row = new Float32Array(L);
    const acc = new Float64Array(dk); // G_t − G_j, grown one token at a time away from t
    row[t] = 1;
    const step = reverse ? 1 : -1;
    for (let j = t + step; j >= 0 && j < L; j += step) {
      // moving from j−step to j adds the decay of the token the state passed through (j−step)
      const via = j - step;
      let d = 0;
      for (let c = 0; c < dk; c++) {
        acc[c] += logDecay[(h * L + via) * dk + c];
        d += Math.exp(acc[c]);
      }
      row[j] = d / dk;
    }
    out.push(row);
  }
  return out;
}

/** The gate G as an image [H·W]: mean over channels of gate [L,V]. */
export function gateImage(gate: ArrayLike<number>, L: number, V: number): Float32Array {
  const img = new Float32Array(L);
  for (let t = 0; t < L; t++) {
    let s = 0;
    for (let c = 0; c < V; c++) s += gate[t * V + c];
    img[t] = s / V;
  }
  return img;
}
