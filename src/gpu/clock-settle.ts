/**
 * Clock settling before a measurement. A GPU drops its clocks within about half a second of light
 * load and its driver raises them again only under sustained load. Measured on an H100 (Node +
 * Dawn, `scripts/steady-probe.ts`, BENCHMARKS.md 2026-12-05): the SM clock fell from 1980 to
 * 345 MHz while tfjs's CPU-bound compositions or the host's weight generation left the GPU idle,
 * and 20 timed LITv2-S forwards right after read 7.6–12.9 ms of GPU time instead of 3.18. The same
 * forwards after a few hundred ms of back-to-back work read 3.18 again, whatever ran before.
 *
 * `settleClocks` runs the work back to back until at least `minMs` have passed and the last three
 * times agree within `tol`, or `maxMs` is spent. It is a warm-up for whoever times anything: the
 * benchmark, the latency views and the compare-backbones view.
 */
export interface SettleOptions {
  /**
   * shortest warm-up in ms (default 800: the H100's ramp from idle took 250 ms to 1.2 s under load,
   * sometimes resting on a 1305–1410 MHz plateau where three times already agree)
   */
  minMs?: number;
  /** longest warm-up in ms (default 2000) */
  maxMs?: number;
  /** relative spread of the last three times that counts as settled (default 0.05) */
  tol?: number;
  signal?: AbortSignal;
  /** skip it (a software adapter such as SwiftShader has no clocks to raise) */
  skip?: boolean;
}

/** `run` does one unit of the measured work and returns its time in ms (GPU or wall). Returns the runs made. */
export async function settleClocks(run: () => Promise<number | null | undefined>, o: SettleOptions = {}): Promise<number> {
  if (o.skip) return 0;
  const minMs = o.minMs ?? 800;
  const maxMs = o.maxMs ?? 2000;
  const tol = o.tol ?? 0.05;
  const t0 = performance.now();
  const last: number[] = [];
  let runs = 0;
  for (;;) {
    if (o.signal?.aborted) throw new DOMException('timing cancelled', 'AbortError');
    const r0 = performance.now();
    const t = await run();
    runs++;
    last.push(typeof t === 'number' && Number.isFinite(t) ? t : performance.now() - r0);
    if (last.length > 3) last.shift();
    const spent = performance.now() - t0;
    if (spent >= maxMs) return runs;
    if (spent >= minMs && last.length === 3 && Math.max(...last) <= (1 + tol) * Math.min(...last)) return runs;
  }
}
