/** Order statistics of timing samples, as every benchmark and timed view reports them. */

/** The upper median (element ⌊n/2⌋ of the sorted values), as the timings have always been reported. */
export function median(xs: number[]): number {
  return percentile(xs, 0.5);
}

/** Element ⌊q·n⌋ (clamped to the last) of the sorted values. */
export function percentile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}
