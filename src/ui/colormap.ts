/** Colour scales (d3-scale-chromatic): viridis for magnitudes, RdBu (reversed) for signed weights. */
import { interpolateRdBu, interpolateViridis, color } from 'd3';

export interface Scale {
  lo: number;
  hi: number;
  signed: boolean;
  interpolate: (t: number) => string;
}

export function scaleFor(values: ArrayLike<number>, signed = false): Scale {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (!Number.isFinite(lo)) lo = hi = 0;
  if (signed) {
    const m = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
    return { lo: -m, hi: m, signed, interpolate: (t) => interpolateRdBu(1 - t) };
  }
  // min..max of this panel: seeded weights give gentle maps, and contrast is what shows structure;
  // the legend states the range so nothing is hidden.
  if (hi === lo) hi = lo + (Math.abs(lo) || 1) * 1e-6;
  return { lo, hi, signed, interpolate: interpolateViridis };
}

/** RGBA bytes for each value under the scale. */
export function colorize(values: ArrayLike<number>, s: Scale): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(values.length * 4);
  const lut: Array<[number, number, number]> = [];
  for (let i = 0; i < 256; i++) {
    const c = color(s.interpolate(i / 255))!.rgb();
    lut.push([c.r, c.g, c.b]);
  }
  for (let i = 0; i < values.length; i++) {
    const t = Math.min(1, Math.max(0, (values[i] - s.lo) / (s.hi - s.lo)));
    const [r, g, b] = lut[Math.round(t * 255)];
    out[i * 4] = r;
    out[i * 4 + 1] = g;
    out[i * 4 + 2] = b;
    out[i * 4 + 3] = 255;
  }
  return out;
}
