/**
 * Model fixtures: `*-mini.safetensors` (logits + stage outputs of a small official config),
 * `<variant>.keys.json` (exact state_dict), `<variant>.prng.safetensors` (full variant: logits,
 * top-5, stage mean/std) and `*-mini.pth` (the same weights through the checkpoint loader).
 * Weights are the PRNG weights of the listed keys; the input is the preprocess fixture named in
 * meta.input_ref. A family whose implementation does not exist yet is SKIP.
 */
import { relL2, type Tensor } from '../tensor/tensor';
import { prngTensorF32, DEFAULT_SALT } from '../weights/prng';
import { loadCheckpoint } from '../weights/checkpoint';
import { modelForFixture } from '../models/registry';
import type { AnyModel, ModelForwardOutput } from '../models/types';
import type { Params } from '../ops/types';
import { fixtureTensor, openFixture, type FixtureFile } from './fixture-file';
import type { CheckResult } from './op-check';
import type { FixtureChecker, ReadSibling } from './check-file';
import type { GpuContext } from '../gpu/context';

type KeyList = Array<[string, number[], string?]>;

const skip = (why: string): CheckResult => ({ status: 'SKIP', worst: 0, notes: [why] });

export function prngParams(keys: KeyList, salt = DEFAULT_SALT): Params {
  const p: Params = {};
  for (const [k, shape] of keys) {
    const v = prngTensorF32(k, shape, salt);
    if (v) p[k] = { shape: [...shape], data: v };
  }
  return p;
}

export function compareKeys(got: Array<[string, number[]]>, want: KeyList): string[] {
  const notes: string[] = [];
  const g = new Map(got.map(([k, s]) => [k, s]));
  const w = new Map(want.map(([k, s]) => [k, s]));
  const missing = want.filter(([k]) => !g.has(k)).map(([k]) => k);
  const unexpected = got.filter(([k]) => !w.has(k)).map(([k]) => k);
  const misShaped = want.filter(([k, s]) => g.has(k) && g.get(k)!.join(',') !== s.join(',')).map(([k, s]) => `${k} [${g.get(k)}] vs [${s}]`);
  if (missing.length) notes.push(`missing ${missing.length}: ${missing.slice(0, 5).join(', ')}`);
  if (unexpected.length) notes.push(`unexpected ${unexpected.length}: ${unexpected.slice(0, 5).join(', ')}`);
  if (misShaped.length) notes.push(`mis-shaped ${misShaped.length}: ${misShaped.slice(0, 5).join(', ')}`);
  if (!notes.length && got.map(([k]) => k).join('\n') !== want.map(([k]) => k).join('\n')) notes.push('same keys, different order');
  return notes;
}

export function top5(logits: ArrayLike<number>): number[] {
  return Array.from(logits, (v, i) => [v, i] as const)
    .sort((a, b) => b[0] - a[0])
    .slice(0, 5)
    .map(([, i]) => i);
}

function stats(t: ArrayLike<number>): { mean: number; std: number } {
  let m = 0;
  for (let i = 0; i < t.length; i++) m += t[i];
  m /= t.length;
  let v = 0;
  for (let i = 0; i < t.length; i++) v += (t[i] - m) ** 2;
  return { mean: m, std: Math.sqrt(v / t.length) };
}

async function inputOf(meta: FixtureFile['meta'], read: ReadSibling | undefined): Promise<Tensor> {
  const ref = meta.input_ref as { file: string; tensor: string; shape: number[] } | undefined;
  if (!ref || !read) throw new Error('no input_ref or no way to read it');
  const f = openFixture(ref.file, await read(ref.file));
  const t = fixtureTensor(f, ref.tensor);
  return { shape: ref.shape, data: t.data };
}

/** Logits, top-5 and stage checks of a forward against a fixture (mini or full variant). */
export function compareForward(f: FixtureFile, out: ModelForwardOutput | { logits: ArrayLike<number>; stages: ArrayLike<number>[] }, tol = 1e-3): CheckResult {
  const notes: string[] = [];
  let worst = 0;
  const logits = 'data' in out.logits ? (out.logits as Tensor).data : (out.logits as ArrayLike<number>);
  const e = relL2(logits, fixtureTensor(f, 'logits').data);
  worst = Math.max(worst, e);
  if (e > tol) notes.push(`logits rel L2 ${e.toExponential(2)}`);
  const want5 = (f.meta.top5 as number[] | undefined) ?? (f.st.tensors.has('top5') ? Array.from(fixtureTensor(f, 'top5').data) : undefined);
  const got5 = top5(logits);
  if (want5 && got5.join(',') !== want5.join(',')) notes.push(`top5 [${got5}] vs [${want5}]`);
  out.stages.forEach((s, i) => {
    const data = 'data' in s ? (s as Tensor).data : (s as ArrayLike<number>);
    if (f.st.tensors.has(`stage${i}`)) {
      const es = relL2(data, fixtureTensor(f, `stage${i}`).data);
      worst = Math.max(worst, es);
      if (es > tol) notes.push(`stage${i} rel L2 ${es.toExponential(2)}`);
    } else if (f.st.tensors.has(`stage${i}_mean`)) {
      const st = stats(data);
      const wm = fixtureTensor(f, `stage${i}_mean`).data[0];
      const ws = fixtureTensor(f, `stage${i}_std`).data[0];
      const em = Math.abs(st.mean - wm) / Math.max(Math.abs(wm), ws * 1e-3, 1e-12);
      const es = Math.abs(st.std - ws) / Math.abs(ws);
      worst = Math.max(worst, Math.min(em, 1), es);
      if (em > tol || es > tol) notes.push(`stage${i} mean/std ${st.mean.toPrecision(5)}/${st.std.toPrecision(5)} vs ${wm.toPrecision(5)}/${ws.toPrecision(5)}`);
    }
  });
  const nStages = Object.keys(f.meta.stage_modules ?? {}).length;
  if (nStages && out.stages.length !== nStages) notes.push(`${out.stages.length} stages, fixture has ${nStages}`);
  return { status: notes.length ? 'FAIL' : 'PASS', worst, notes };
}

interface KeysJson {
  variant: string;
  config: Record<string, unknown>;
  keys: KeyList;
  macs_counted?: number;
}

/** 'vig-h-t' → 'vig_h', 'groupmixformer-m' → 'gmf', 'litv2-s' → 'litv2', … */
export function variantFamily(variant: string): string {
  if (variant.startsWith('vig-h') || variant.startsWith('vig_h')) return 'vig_h';
  if (variant.startsWith('groupmixformer') || variant.startsWith('gmf')) return 'gmf';
  return variant.split('-')[0];
}

function familyOf(relPath: string, f: FixtureFile | null): { impl?: AnyModel; name: string } {
  const name = typeof f?.meta.model === 'string' ? f.meta.model : variantFamily(String(f?.meta.variant ?? relPath.replace(/^models\//, '')));
  return { impl: modelForFixture(name), name };
}

export async function checkModelCpu(relPath: string, bytes: Uint8Array, f: FixtureFile | null, read?: ReadSibling): Promise<CheckResult> {
  if (relPath.endsWith('.keys.json')) {
    const kj = JSON.parse(new TextDecoder().decode(bytes)) as KeysJson;
    const fam = variantFamily(kj.variant);
    const impl = modelForFixture(fam);
    if (!impl) return skip(`model family '${fam}' not implemented`);
    const cfg = impl.configFromFixture(kj.config);
    const notes = compareKeys(impl.expectedKeys(cfg), kj.keys);
    if (typeof kj.macs_counted === 'number' && impl.macs(cfg) !== kj.macs_counted) notes.push(`MACs ${impl.macs(cfg)} != ${kj.macs_counted}`);
    return { status: notes.length ? 'FAIL' : 'PASS', worst: 0, notes };
  }
  if (relPath.endsWith('.pth')) {
    // models/<x>-mini.pth: the official checkpoint layout of the mini model's weights.
    const base = relPath.replace(/\.pth$/, '.safetensors');
    if (!read) return skip('no sibling reader');
    const mf = openFixture(base, await read(base));
    const { impl } = familyOf(base, mf);
    if (!impl) return skip(`model '${String(mf.meta.model)}' not implemented`);
    const ck = loadCheckpoint(bytes, relPath);
    const keys = mf.meta.keys as KeyList;
    const notes = compareKeys([...ck.tensors].map(([k, t]) => [k, t.shape]), keys.filter(([k]) => ck.tensors.has(k) || !k.endsWith('num_batches_tracked')));
    const w: Params = {};
    for (const [k, t] of ck.tensors) if (!k.endsWith('num_batches_tracked')) w[k] = { shape: t.shape, data: t.values() };
    const cfg = impl.configFromFixture(mf.meta.config ?? {});
    const r = compareForward(mf, impl.forwardReference(await inputOf(mf.meta, read), w, cfg));
    return { ...r, status: notes.length || r.status === 'FAIL' ? 'FAIL' : 'PASS', notes: [...notes, ...r.notes] };
  }
  if (!f) return skip('not a model fixture');
  const { impl, name } = familyOf(relPath, f);
  if (!impl) return skip(`model '${name}' not implemented`);
  let cfg: unknown;
  let keys: KeyList;
  const notes: string[] = [];
  if (f.meta.kind === 'variant') {
    if (process.env.ATTN_PARITY_FAST === '1') return skip('full variant (slow tier) skipped by ATTN_PARITY_FAST=1');
    const kjPath = String(f.meta.keys_file);
    const kj = JSON.parse(new TextDecoder().decode(await read!(kjPath))) as KeysJson;
    cfg = impl.configFromFixture(kj.config);
    keys = kj.keys;
  } else {
    cfg = impl.configFromFixture(f.meta.config ?? {});
    keys = f.meta.keys as KeyList;
    notes.push(...compareKeys(impl.expectedKeys(cfg), keys));
  }
  const wantMacs = f.meta.macs_counted;
  if (typeof wantMacs === 'number' && impl.macs(cfg) !== wantMacs) notes.push(`MACs ${impl.macs(cfg)} != ${wantMacs}`);
  const salt = typeof f.meta.salt === 'string' ? f.meta.salt : DEFAULT_SALT;
  const out = impl.forwardReference(await inputOf(f.meta, read), prngParams(keys, salt), cfg);
  const r = compareForward(f, out);
  return { ...r, status: notes.length || r.status === 'FAIL' ? 'FAIL' : 'PASS', notes: [...notes, ...r.notes] };
}

/** Mini-model fixtures whose family has a WebGPU forward get a GPU half. */
function wantsModelGpu(relPath: string, f: FixtureFile | null): boolean {
  if (!/^models\/.*-mini\.safetensors$/.test(relPath) || !f || f.meta.kind === 'variant') return false;
  return Boolean(familyOf(relPath, f).impl?.forwardGpu);
}

/** GPU half of a mini model: forwardGpu on the same PRNG weights and input as the CPU half, same tolerances. */
export async function checkModelGpu(relPath: string, f: FixtureFile | null, ctx: GpuContext, read?: ReadSibling): Promise<CheckResult> {
  if (!f || !wantsModelGpu(relPath, f)) return skip('no GPU half for this model file');
  const { impl } = familyOf(relPath, f);
  const cfg = impl!.configFromFixture(f.meta.config ?? {});
  const salt = typeof f.meta.salt === 'string' ? f.meta.salt : DEFAULT_SALT;
  const x = await inputOf(f.meta, read);
  const w = prngParams(f.meta.keys as KeyList, salt);
  const out = await impl!.forwardGpu!(ctx, Float32Array.from(x.data), x.shape, w, cfg);
  const r = compareForward(f, out);
  // Half-precision storage (f16 where the GPU has shader-f16, else its exact emulation) against
  // the same fixture, with its own tolerance: it must keep the top-1 class and stay within
  // HALF_TOL, and its error is reported either way.
  const half = ctx.half();
  const h = await impl!.forwardGpu!(half, Float32Array.from(x.data), x.shape, w, cfg, { stages: false });
  impl!.releaseGpu?.(half, w);
  const want = fixtureTensor(f, 'logits').data;
  const e = relL2(h.logits, want);
  const top1 = (v: ArrayLike<number>) => top5(v)[0];
  const ok = e <= HALF_TOL && top1(h.logits) === top1(want);
  const note = `${half.storage} storage: logits rel L2 ${e.toExponential(2)}${ok ? '' : ` (tolerance ${HALF_TOL}, top-1 ${top1(h.logits)} vs ${top1(want)})`}`;
  return { ...r, status: ok ? r.status : 'FAIL', notes: [...r.notes, note] };
}

/** Logits tolerance of the half-precision-storage forward (fp32's is 1e-3; f16 keeps 11 bits). */
export const HALF_TOL = 2e-2;

export const modelChecker: FixtureChecker = {
  owns: (relPath, f) => relPath.startsWith('models/') && (Boolean(f?.meta.model) || f?.meta.kind === 'variant' || /\.(keys\.json|pth)$/.test(relPath)),
  cpu: (relPath, bytes, f, read) => checkModelCpu(relPath, bytes, f, read),
  gpu: (relPath, _bytes, f, ctx, read) => checkModelGpu(relPath, f, ctx, read),
  wantsGpu: wantsModelGpu,
};

/** A mini model (or full-variant `.prng`) fixture ready to run: its family, config, PRNG weights and input (knob tests, the CLI tests). */
export async function loadMini(relPath: string, bytes: Uint8Array, read: ReadSibling): Promise<{ impl: AnyModel; cfg: unknown; w: Params; x: Tensor; f: FixtureFile }> {
  const f = openFixture(relPath, bytes);
  const { impl, name } = familyOf(relPath, f);
  if (!impl) throw new Error(`model '${name}' not implemented`);
  const salt = typeof f.meta.salt === 'string' ? f.meta.salt : DEFAULT_SALT;
  let config = f.meta.config ?? {};
  let keys = f.meta.keys as KeyList;
  if (f.meta.kind === 'variant') {
    // a full variant (<variant>.prng.safetensors): config and keys come from its keys file
    const kj = JSON.parse(new TextDecoder().decode(await read(String(f.meta.keys_file)))) as KeysJson;
    config = kj.config;
    keys = kj.keys;
  }
  const cfg = impl.configFromFixture(config);
  return { impl, cfg, w: prngParams(keys, salt), x: await inputOf(f.meta, read), f };
}
