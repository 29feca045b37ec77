/**
 * The drawn map of softmax attention: the clicked query's softmax row per head, plus the head
 * mean. `attn` is [heads, N, N] (fixture layout) or [heads, 1, N] for one query.
 */
export function mhsaQueryMaps(attn: Float32Array | Float64Array, heads: number, N: number, rowsPerHead: number, row: number): { perHead: Float32Array[]; mean: Float32Array } {
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
