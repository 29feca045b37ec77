/** Weights as the ops see them: float64 tensors by state_dict key, from fixtures or the PRNG. */
import type { Params } from '../types';
import { prngTensorF32, DEFAULT_SALT } from '../../weights/prng';
import type { GpuContext } from '../../gpu/context';

/** Seeded synthetic weights for a config's keys (fixtures/README.md rule, rounded to f32). */
export function syntheticParams(shapes: Array<[string, number[]]>, salt = DEFAULT_SALT): Params {
  const p: Params = {};
  for (const [key, shape] of shapes) {
    const v = prngTensorF32(key, shape, salt);
    if (v) p[key] = { shape: [...shape], data: v };
  }
  return p;
}

/** Upload one weight as float32; throws with the key name when it is missing. */
export function uploadParam(ctx: GpuContext, p: Params, key: string): GPUBuffer {
  const t = p[key];
  if (!t) throw new Error(`missing weight '${key}'`);
  return ctx.upload(Float32Array.from(t.data));
}

export function requireParam(p: Params, key: string) {
  const t = p[key];
  if (!t) throw new Error(`missing weight '${key}'`);
  return t;
}
