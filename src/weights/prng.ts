/**
 * The seeded synthetic-weight generator of fixtures/README.md ("PRNG weights"), bit for bit:
 * FNV-1a over salt+key, then a murmur-style finaliser per element. Used for op views without a
 * checkpoint and to regenerate the weights that model fixtures do not store.
 */
export const DEFAULT_SALT = 'attnbook-v1';

const utf8 = new TextEncoder();

export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const b of utf8.encode(text)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** u_i in [0,1) for element i of the stream seeded by h. */
export function prngUniform(h: number, i: number): number {
  let x = (h ^ Math.imul(i, 0x9e3779b1)) >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b) >>> 0;
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35) >>> 0;
  x ^= x >>> 16;
  return (x >>> 8) / 16777216;
}

/** The value rule of the README, in float64; null for tensors that are not generated. */
export function prngValues(key: string, shape: readonly number[], salt = DEFAULT_SALT): Float64Array | null {
  if (key.endsWith('num_batches_tracked')) return null;
  const h = fnv1a32(salt + key);
  let n = 1;
  for (const s of shape) n *= s;
  const out = new Float64Array(n);
  let fanIn = 1;
  for (const s of shape.slice(1)) fanIn *= s;
  const sqrtFan = Math.sqrt(fanIn);
  for (let i = 0; i < n; i++) {
    const u = prngUniform(h, i);
    const r = 2 * u - 1;
    let v: number;
    if (key.endsWith('running_var')) v = 0.5 + u;
    else if (key.endsWith('running_mean')) v = 0.1 * r;
    else if (shape.length >= 2) v = r / sqrtFan;
    else if (shape.length === 1 && key.endsWith('weight')) v = 1 + 0.1 * r;
    else if (shape.length === 1) v = 0.05 * r;
    else v = 0;
    out[i] = v;
  }
  return out;
}

/** Weights "as used": float64 values rounded to float32 (the fixtures' convention). */
export function prngTensorF32(key: string, shape: readonly number[], salt = DEFAULT_SALT): Float64Array | null {
  const v = prngValues(key, shape, salt);
  return v ? Float64Array.from(Float32Array.from(v)) : null;
}

/** Op inputs: x = 2·(2u − 1) with key `input:<op>__<case>`. */
export function prngInput(key: string, n: number, salt = DEFAULT_SALT): Float64Array {
  const h = fnv1a32(salt + key);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.fround(2 * (2 * prngUniform(h, i) - 1));
  return out;
}
