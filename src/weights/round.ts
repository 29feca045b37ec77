/**
 * Round-to-nearest-even into narrower float formats, in the value domain (exact in float64).
 * torch's `.half()` / `.bfloat16()` of a float32 tensor rounds the float32 value, so a PRNG weight
 * stored as fp16 is `roundToF16(Math.fround(v))`; rounding the float64 value directly can differ
 * when the float32 rounding lands exactly on an fp16 halfway point (double rounding).
 */
function roundToFormat(x: number, mantBits: number, emin: number, emax: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const a = Math.abs(x);
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  const q = 2 ** (Math.max(e, emin) - mantBits); // spacing of representable values around a
  const v = a / q; // exact: q is a power of two
  const f = Math.floor(v);
  const d = v - f;
  const n = d > 0.5 || (d === 0.5 && f % 2 === 1) ? f + 1 : f;
  const r = n * q;
  const max = (2 - 2 ** -mantBits) * 2 ** emax;
  return Math.sign(x) * (r > max ? Infinity : r);
}

export const roundToF16 = (x: number) => roundToFormat(x, 10, -14, 15);
export const roundToBF16 = (x: number) => roundToFormat(x, 7, -126, 127);
