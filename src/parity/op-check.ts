/**
 * Checks one op fixture against an implementation: PRNG vectors, MACs (exact), output and every
 * map tensor the file holds (relative L2). The same function runs in Node (CPU reference) and in
 * the browser (WebGPU path), so both halves of the parity suite judge by one rule.
 */
import { relL2 } from '../tensor/tensor';
import type { Tensor } from '../tensor/tensor';
import { fnv1a32, prngTensorF32, DEFAULT_SALT } from '../weights/prng';
import { opForFixture } from '../ops/registry';
import type { GpuContext } from '../gpu/context';
import type { AnyOp, Params } from '../ops/types';
import { fixtureTensor, type FixtureFile } from './fixture-file';

export type Status = 'PASS' | 'FAIL' | 'SKIP';

export interface CheckResult {
  status: Status;
  /** worst relative error over everything compared (0 for exact checks) */
  worst: number;
  notes: string[];
}

const MAP_NAMES = new Set([
  'attn', 'attn_hifi', 'attn_lofi', 'attn_eff', 'attn_f', 'attn_b', 'decay_f', 'decay_b',
  'log_decay_f', 'log_decay_b', 'gate', 'locality', 'k_softmax',
]);

export function opFixtureImpl(f: FixtureFile): AnyOp | undefined {
  return typeof f.meta.op === 'string' ? opForFixture(f.meta.op) : undefined;
}

/** Weights: stored `p.*` tensors, or regenerated from `meta.param_keys` when not stored. */
export function fixtureParams(f: FixtureFile): Params {
  const p: Params = {};
  for (const [name, t] of f.st.tensors) {
    if (name.startsWith('p.') && t.dtype !== 'I64') p[name.slice(2)] = { shape: [...t.shape], data: t.values() };
  }
  const keys = f.meta.param_keys as Array<[string, number[], string]> | undefined;
  if (Array.isArray(keys)) {
    const salt = typeof f.meta.salt === 'string' ? f.meta.salt : DEFAULT_SALT;
    for (const [key, shape] of keys) {
      if (p[key]) continue;
      const v = prngTensorF32(key, shape, salt);
      if (v) p[key] = { shape: [...shape], data: v };
    }
  }
  return p;
}

/** The file's prng_check vectors against our generator (exact hash, values to f32). */
export function checkPrngVectors(f: FixtureFile): string[] {
  const pc = f.meta.prng_check as { salt?: string; entries?: Array<{ key: string; shape: number[]; fnv1a32: number; values: number[] }> } | undefined;
  const errs: string[] = [];
  if (!pc?.entries) return errs;
  const salt = pc.salt ?? DEFAULT_SALT;
  for (const e of pc.entries) {
    const h = fnv1a32(salt + e.key);
    if (h !== e.fnv1a32) errs.push(`prng hash of '${e.key}': ${h} != ${e.fnv1a32}`);
    const v = prngTensorF32(e.key, e.shape, salt);
    e.values.forEach((want, i) => {
      if (!v || Math.fround(v[i]) !== Math.fround(want)) errs.push(`prng value ${i} of '${e.key}': ${v?.[i]} != ${want}`);
    });
  }
  return errs;
}

export interface OpRun {
  y: ArrayLike<number>;
  maps: Record<string, ArrayLike<number>>;
}

export function compareOpRun(f: FixtureFile, run: OpRun, tol: number): CheckResult {
  const notes: string[] = [];
  let worst = 0;
  const cmp = (name: string, got: ArrayLike<number> | undefined) => {
    const ref = fixtureTensor(f, name);
    if (!got) {
      notes.push(`${name}: not produced`);
      worst = Infinity;
      return;
    }
    const e = relL2(got, ref.data);
    if (e > tol) notes.push(`${name}: rel L2 ${e.toExponential(2)} > ${tol}`);
    worst = Math.max(worst, e);
  };
  cmp('y', run.y);
  for (const name of f.st.tensors.keys()) if (MAP_NAMES.has(name)) cmp(name, run.maps[name]);
  return { status: notes.length ? 'FAIL' : 'PASS', worst, notes };
}

function opTolerance(f: FixtureFile): number {
  const th = f.meta.tolerance_hint as { y_rel_l2?: number } | undefined;
  return th?.y_rel_l2 ?? 1e-4;
}

/** Everything about an op fixture that does not need a backend: PRNG vectors, MACs, config. */
export function checkOpStatics(f: FixtureFile, impl: AnyOp): { cfg: unknown; notes: string[] } {
  const notes = checkPrngVectors(f);
  const cfg = impl.configFromFixture(f.meta.op as string, f.meta.config ?? {});
  const want = f.meta.macs_counted;
  if (typeof want === 'number') {
    const got = impl.macs(cfg);
    if (got !== want) notes.push(`MACs ${got} != macs_counted ${want}`);
  }
  const official = f.meta.flops_official;
  if (typeof official === 'number' && impl.officialFlops) {
    const got = impl.officialFlops(cfg);
    if (got !== official) notes.push(`official flops() ${got} != ${official}`);
  }
  return { cfg, notes };
}

function merge(statics: string[], r: CheckResult): CheckResult {
  if (!statics.length) return r;
  return { status: 'FAIL', worst: Math.max(r.worst, 0), notes: [...statics, ...r.notes] };
}

export function checkOpCpu(f: FixtureFile): CheckResult {
  const impl = opFixtureImpl(f);
  if (!impl) return { status: 'SKIP', worst: 0, notes: [`op '${String(f.meta.op)}' not implemented`] };
  const { cfg, notes } = checkOpStatics(f, impl);
  const x: Tensor = fixtureTensor(f, 'x');
  const out = impl.reference(x, fixtureParams(f), cfg);
  const maps: Record<string, ArrayLike<number>> = {};
  for (const [k, v] of Object.entries(out.maps)) maps[k] = v.data;
  return merge(notes, compareOpRun(f, { y: out.y.data, maps }, opTolerance(f)));
}

export async function checkOpGpu(f: FixtureFile, ctx: GpuContext): Promise<CheckResult> {
  const impl = opFixtureImpl(f);
  if (!impl) return { status: 'SKIP', worst: 0, notes: [`op '${String(f.meta.op)}' not implemented`] };
  if (!impl.gpu) return { status: 'FAIL', worst: Infinity, notes: [`op '${impl.name}' has no WebGPU path`] };
  const { cfg, notes } = checkOpStatics(f, impl);
  const x = Float32Array.from(fixtureTensor(f, 'x').data);
  const out = await impl.gpu(ctx, x, fixtureParams(f), cfg, { maps: true });
  return merge(notes, compareOpRun(f, out, opTolerance(f)));
}
