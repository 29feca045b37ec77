/**
 * Parity checker for `checkpoints/`: every file is judged by what `checkpoints/INDEX.json` says a
 * loader must do with it. A loadable file passes when its tensors are exactly the PRNG weights of
 * the named mini model (key list and shapes from `models/<model>.safetensors`), rounded to the
 * stored dtype the way torch does (float64 → float32 → fp16/bf16), and the entry count matches. A
 * file to refuse passes when `loadCheckpoint` throws a CheckpointFormatError whose message says
 * what is wrong (truncated, not a checkpoint, the offending global), so nothing was returned.
 */
import { loadCheckpoint, type LoadedCheckpoint } from '../weights/checkpoint';
import { prngValues, DEFAULT_SALT } from '../weights/prng';
import { roundToBF16, roundToF16 } from '../weights/round';
import { CheckpointFormatError, readSafetensors, type DType } from '../weights/safetensors';
import { validateStateDict, type ExpectedKeys } from '../weights/validate';
import type { CheckResult, FixtureChecker, ReadSibling } from './check-file';

interface IndexEntry {
  file: string;
  model?: string;
  layout?: string;
  dtype?: string;
  expect: string;
  entries?: number;
}

interface CheckpointIndex {
  salt?: string;
  files: IndexEntry[];
}

const dirOf = (rel: string) => rel.slice(0, rel.lastIndexOf('/') + 1);
const baseOf = (rel: string) => rel.slice(rel.lastIndexOf('/') + 1);

async function readIndex(rel: string, read: ReadSibling): Promise<CheckpointIndex> {
  const text = new TextDecoder().decode(await read(`${dirOf(rel)}INDEX.json`));
  const idx = JSON.parse(text) as CheckpointIndex;
  if (!idx || !Array.isArray(idx.files)) throw new Error('checkpoints/INDEX.json has no "files" list');
  return idx;
}

/** The mini model's state_dict keys, from the model fixture beside the checkpoints folder. */
async function modelKeys(rel: string, model: string, read: ReadSibling): Promise<Array<[string, number[], string]>> {
  const parent = dirOf(dirOf(rel).replace(/\/$/, ''));
  const path = `${parent}models/${model}.safetensors`;
  const st = readSafetensors(await read(path), path);
  const meta = JSON.parse(st.metadata.meta ?? '{}') as { keys?: Array<[string, number[], string]> };
  if (!Array.isArray(meta.keys)) throw new Error(`${path}: meta.keys missing`);
  return meta.keys;
}

/** What a stored value must be: the float32 PRNG value, rounded again for fp16/bf16 files. */
function storedRounding(dtype: DType): (v: number) => number {
  if (dtype === 'F16') return (v) => roundToF16(Math.fround(v));
  if (dtype === 'BF16') return (v) => roundToBF16(Math.fround(v));
  if (dtype === 'F64') return (v) => v;
  return (v) => Math.fround(v);
}

/** Compares every tensor with the PRNG rule; returns failure notes and the worst relative L2. */
function compareValues(ck: LoadedCheckpoint, dtype: DType, salt: string, notes: string[]): { fails: string[]; worst: number } {
  const fails: string[] = [];
  let worst = 0;
  let compared = 0;
  let directDiffers = 0;
  const round = storedRounding(dtype);
  const direct = dtype === 'F16' ? roundToF16 : dtype === 'BF16' ? roundToBF16 : null;
  for (const [key, t] of ck.tensors) {
    const ref = prngValues(key, t.shape, salt);
    if (!ref) {
      // num_batches_tracked: an int64 counter, not generated
      if (t.dtype !== 'I64') fails.push(`${key}: expected an I64 counter, got ${t.dtype}`);
      continue;
    }
    if (t.dtype !== dtype) fails.push(`${key}: dtype ${t.dtype}, expected ${dtype}`);
    const v = t.values();
    let bad = 0;
    let num = 0;
    let den = 0;
    for (let i = 0; i < v.length; i++) {
      const want = round(ref[i]);
      if (v[i] !== want) bad++;
      if (direct && direct(ref[i]) !== want) directDiffers++;
      num += (v[i] - want) ** 2;
      den += want * want;
    }
    compared += v.length;
    const rel = den ? Math.sqrt(num / den) : Math.sqrt(num);
    worst = Math.max(worst, rel);
    if (bad) fails.push(`${key}: ${bad}/${v.length} values differ from the PRNG weights rounded to ${dtype} (rel L2 ${rel.toExponential(2)})`);
  }
  notes.push(`${compared} values compared exactly with the PRNG weights (salt '${salt}') rounded float64→float32${dtype === 'F16' || dtype === 'BF16' ? `→${dtype}` : ''}`);
  if (direct) notes.push(`${directDiffers} of them would differ if rounded float64→${dtype} directly (double rounding): torch's float32 path is the one the file holds`);
  return { fails, worst };
}

/** The globals a hostile entry's message must name: `calls os.system` accepts os/posix/nt.system. */
function offendingGlobals(layout: string): string[] {
  const m = /calls ([\w.]+)/.exec(layout);
  if (!m) return [];
  const g = m[1];
  const [mod, ...rest] = g.split('.');
  return mod === 'os' ? [g, ...['posix', 'nt'].map((p) => [p, ...rest].join('.'))] : [g];
}

async function checkEntry(rel: string, bytes: Uint8Array, e: IndexEntry, salt: string, read: ReadSibling): Promise<CheckResult> {
  const notes: string[] = [`expect: ${e.expect}`];
  const expect = e.expect.toLowerCase();
  const canLoad = /\bloads\b|ignored/.test(expect);
  const canRefuse = /error|refused|clear message/.test(expect);
  const mustName: RegExp[] = [];
  if (/truncat/.test(expect)) mustName.push(/truncat|corrupt/i);
  if (/not a pytorch/.test(expect)) mustName.push(/not a PyTorch checkpoint/i);
  if (/naming the legacy/.test(expect)) mustName.push(/legacy/i);
  const globals = /offending global/.test(expect) ? offendingGlobals(e.layout ?? '') : [];

  let ck: LoadedCheckpoint | null = null;
  try {
    ck = loadCheckpoint(bytes, baseOf(rel));
  } catch (err) {
    if (!(err instanceof CheckpointFormatError)) {
      return { status: 'FAIL', worst: Infinity, notes: [...notes, `threw a non-format error: ${(err as Error).message}`] };
    }
    notes.push(`refused: ${err.message}`);
    if (!canRefuse) return { status: 'FAIL', worst: Infinity, notes: [...notes, 'this file must load'] };
    const missing = mustName.filter((r) => !r.test(err.message)).map(String);
    if (globals.length && !globals.some((g) => err.message.includes(g))) missing.push(`one of ${globals.join(' / ')}`);
    if (missing.length) return { status: 'FAIL', worst: Infinity, notes: [...notes, `the message does not name ${missing.join(', ')}`] };
    return { status: 'PASS', worst: 0, notes };
  }

  notes.push(`loaded as ${ck.format}: ${ck.notes.join('; ')}`);
  if (!canLoad) return { status: 'FAIL', worst: Infinity, notes: [...notes, 'this file must be refused, but it loaded'] };
  const fails: string[] = [];
  if (globals.length && !ck.notes.some((n) => globals.some((g) => n.includes(g)))) fails.push(`loaded without naming ${globals.join(' / ')}`);
  if (e.entries !== undefined && ck.tensors.size !== e.entries) fails.push(`${ck.tensors.size} entries, INDEX.json says ${e.entries}`);
  if (e.model) {
    const keys = await modelKeys(rel, e.model, read);
    const expected: ExpectedKeys = keys.map(([k, s]) => [k, s] as const);
    const rep = validateStateDict(ck.tensors, expected, { optional: () => false });
    if (!rep.ok) fails.push(`keys differ from ${e.model}: missing [${rep.missing.slice(0, 5)}] unexpected [${rep.unexpected.slice(0, 5)}] mis-shaped [${rep.misShaped.slice(0, 5).map((m) => m.key)}]`);
    else notes.push(`keys and shapes = ${e.model} (${keys.length} entries)`);
  }
  const dtype = (/^(F32|F16|BF16|F64)\b/.exec(e.dtype ?? 'F32')?.[1] ?? 'F32') as DType;
  const { fails: vf, worst } = compareValues(ck, dtype, salt, notes);
  fails.push(...vf);
  if (fails.length) return { status: 'FAIL', worst: Math.max(worst, Number.MIN_VALUE), notes: [...notes, ...fails.slice(0, 12)] };
  return { status: 'PASS', worst, notes };
}

/** INDEX.json itself: PASS when it is well-formed and every file it lists exists. */
async function checkIndex(rel: string, bytes: Uint8Array, read: ReadSibling): Promise<CheckResult> {
  const idx = JSON.parse(new TextDecoder().decode(bytes)) as CheckpointIndex;
  if (!Array.isArray(idx.files)) return { status: 'FAIL', worst: Infinity, notes: ['no "files" list'] };
  const missing: string[] = [];
  for (const e of idx.files) {
    if (typeof e.file !== 'string' || typeof e.expect !== 'string') missing.push(`malformed entry ${JSON.stringify(e)}`);
    else {
      try {
        await read(`${dirOf(rel)}${e.file}`);
      } catch {
        missing.push(`${e.file} (listed, not found)`);
      }
    }
  }
  const notes = [`${idx.files.length} files listed; files not listed fail on their own line`];
  return missing.length ? { status: 'FAIL', worst: Infinity, notes: [...notes, ...missing] } : { status: 'PASS', worst: 0, notes };
}

export const checkpointChecker: FixtureChecker = {
  owns: (rel) => rel.startsWith('checkpoints/'),
  async cpu(rel, bytes, _f, read) {
    if (!read) return { status: 'SKIP', worst: 0, notes: ['no sibling reader: INDEX.json cannot be read'] };
    if (baseOf(rel) === 'INDEX.json') return checkIndex(rel, bytes, read);
    const idx = await readIndex(rel, read);
    const e = idx.files.find((x) => x.file === baseOf(rel));
    if (!e) return { status: 'FAIL', worst: Infinity, notes: ['not listed in checkpoints/INDEX.json'] };
    return checkEntry(rel, bytes, e, idx.salt ?? DEFAULT_SALT, read);
  },
};
