/**
 * Token angles of get_index(W, H): a_t = c·(t div W)/H, b_t = c·(t mod W)/W. The official code
 * evaluates them in float32 (python scalar × int64 arange → float32, then ÷ int) and only then
 * casts to the compute dtype, so we round the same way before taking cos/sin in float64.
 */
import type { VicinityConfig } from './spec';

export function vicinityAngles(c: VicinityConfig): { a: Float64Array; b: Float64Array } {
  const N = c.H * c.W;
  const cf = Math.fround(c.theta);
  const a = new Float64Array(N);
  const b = new Float64Array(N);
  for (let t = 0; t < N; t++) {
    a[t] = Math.fround(Math.fround(cf * Math.floor(t / c.W)) / c.H);
    b[t] = Math.fround(Math.fround(cf * (t % c.W)) / c.W);
  }
  return { a, b };
}

/** [N, 4] table of (cos a, sin a, cos b, sin b) per token: the 4 feature blocks of φ. */
export function vicinityTrig(c: VicinityConfig): Float64Array {
  const { a, b } = vicinityAngles(c);
  const out = new Float64Array(a.length * 4);
  for (let t = 0; t < a.length; t++) {
    out[4 * t] = Math.cos(a[t]);
    out[4 * t + 1] = Math.sin(a[t]);
    out[4 * t + 2] = Math.cos(b[t]);
    out[4 * t + 3] = Math.sin(b[t]);
  }
  return out;
}

/** abs_clamp: sign(t)·clamp(|t|, 1e-4, 1e4); exact zeros stay zero (sign(0) = 0). */
export function absClamp(v: number): number {
  if (v === 0 || Number.isNaN(v)) return v;
  const m = Math.min(Math.max(Math.abs(v), 1e-4), 1e4);
  return v > 0 ? m : -m;
}
