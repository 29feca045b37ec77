/**
 * Hostile checkpoint files (issue 15). A seeded adversarial suite — mutations of the real fixture
 * checkpoints (bit flips, truncations, zip header / central-directory / ZIP64 edits, pickle opcode
 * edits, deflated variants) and generated hostile pickles and safetensors (deep nesting, long
 * containers, replays, refused and prototype-named globals, zip bombs, bad layouts) — where every
 * input must end in our refusal (CheckpointFormatError, or WeightMismatchError from strict key
 * validation) or in a load that passes strict validation; never another exception, never more
 * than 2 s of CPU time, peak memory bounded. Then one regression test per class of the issue.
 *
 * Fast tier (default): 1,320 inputs in a few seconds. `ATTN_SLOW=1`: 26,000 inputs, 10× deeper and longer containers.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unzipSync, zipSync } from 'fflate';
import { loadModelWeights, WeightMismatchError, type LoadTarget } from '../../src/models/load';
import { createModelHost } from '../../src/models/model-host';
import type { WorkerResponse } from '../../src/models/worker-protocol';
import { loadCheckpoint } from '../../src/weights/checkpoint';
import { CheckpointFormatError, readSafetensors } from '../../src/weights/safetensors';
import { ZipArchive } from '../../src/weights/zip';
import { parseZoo } from '../../src/weights/zoo';
import {
  deflateBomb, f32, P, safetensorsOf, safetensorsRaw, stateDictZip, torchZip, withDirectory, zip64Record, zipRecords,
} from './checkpoint-builders';
import { fixtureBytes } from './fixtures';
import { prng } from './hostile-inputs';

const SLOW = process.env.ATTN_SLOW === '1';
const TESTS = parseZoo(JSON.parse(readFileSync(resolve(__dirname, '../../public/zoo.json'), 'utf8'))).test;

const rng = prng; // tests/node/hostile-inputs.ts: one seeded PRNG for every hostile suite
type Rng = ReturnType<typeof rng>;

interface Case {
  name: string;
  bytes: Uint8Array;
  /** validate strictly against this configuration on success (else: structural checks of every tensor) */
  target?: LoadTarget;
}

interface Tally {
  refused: number;
  loaded: number;
  worstMs: number;
  worst: string;
  escapes: string[];
}

const tally = (): Tally => ({ refused: 0, loaded: 0, worstMs: 0, worst: '', escapes: [] });

/**
 * One input: only our refusal or a load that passes strict validation; timed in CPU time of this
 * process (user + system, GC included), which other processes on a shared machine cannot inflate.
 */
function judge(c: Case, t: Tally): void {
  const t0 = process.cpuUsage();
  try {
    if (c.target) {
      const m = loadModelWeights(c.bytes, c.name, c.target);
      if (!m.report.ok) throw new Error('loaded without passing strict validation');
      for (const [k, p] of Object.entries(m.params)) {
        if (p.data.length !== p.shape.reduce((a, b) => a * b, 1)) throw new Error(`${k}: ${p.data.length} values for shape [${p.shape}]`);
      }
    } else {
      const ck = loadCheckpoint(c.bytes, c.name);
      for (const [k, v] of ck.tensors) {
        if (!v.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new Error(`${k}: shape [${v.shape}]`);
        const n = v.shape.reduce((a, b) => a * b, 1);
        if (n !== v.numel) throw new Error(`${k}: numel ${v.numel} for [${v.shape}]`);
        if (n <= 1 << 20 && v.values().length !== n) throw new Error(`${k}: values() length`);
      }
    }
    t.loaded++;
  } catch (e) {
    const ours = e instanceof CheckpointFormatError || e instanceof WeightMismatchError;
    if (!ours || !(e as Error).message.includes(c.name)) t.escapes.push(`${c.name}: ${(e as Error).name}: ${String((e as Error).message).slice(0, 300)}`);
    else t.refused++;
  }
  const used = process.cpuUsage(t0);
  const ms = (used.user + used.system) / 1000;
  if (ms > t.worstMs) {
    t.worstMs = ms;
    t.worst = c.name;
  }
}

function expectClean(t: Tally, n: number): void {
  expect(t.escapes.slice(0, 5), `${t.escapes.length} inputs escaped`).toEqual([]);
  expect(t.refused + t.loaded).toBe(n);
  expect(t.worstMs, `slowest: ${t.worst} (${t.worstMs.toFixed(0)} ms of CPU)`).toBeLessThan(2000);
}

// ---------------------------------------------------------------------------------------------
// Bases: the real fixture checkpoints.

const VIG = fixtureBytes('checkpoints/vig-mini.bare.pth');
const VIG_FILES = unzipSync(VIG);
const VIG_PKL_NAME = Object.keys(VIG_FILES).find((k) => k.endsWith('data.pkl'))!;
const LITV2_PKL = (() => {
  const f = unzipSync(fixtureBytes('checkpoints/litv2-mini.train.pth'));
  return f[Object.keys(f).find((k) => k.endsWith('data.pkl'))!];
})();
const LEGACY = fixtureBytes('checkpoints/vvt-mini.legacy.pth');
const ST = fixtureBytes('checkpoints/vig_h-mini.bf16.safetensors');
const ST_HEADER_LEN = Number(new DataView(ST.buffer, ST.byteOffset).getBigUint64(0, true));
const ST_HEADER = JSON.parse(new TextDecoder().decode(ST.subarray(8, 8 + ST_HEADER_LEN))) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
const ST_DATA = ST.subarray(8 + ST_HEADER_LEN);
const VIG_TARGET: LoadTarget = { id: 'vig-mini', tests: TESTS };
const VIG_H_TARGET: LoadTarget = { id: 'vig_h-mini', tests: TESTS };
const VVT_TARGET: LoadTarget = { id: 'vvt-mini', tests: TESTS };

/** vig-mini with its data.pkl replaced (stored, valid CRCs: the pickle itself is what is tested). */
function vigWithPickle(pkl: Uint8Array): Uint8Array {
  return zipSync({ ...VIG_FILES, [VIG_PKL_NAME]: [pkl, { level: 0 }] } as Parameters<typeof zipSync>[0], { level: 0 });
}

const INTERESTING = [0, 1, 2, 0x7f, 0x80, 0xff, 0xfffe, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

// ---------------------------------------------------------------------------------------------
// Mutators of real files.

function flipBits(b: Uint8Array, r: Rng, k: number, from = 0, to = b.length): Uint8Array {
  const out = b.slice();
  for (let i = 0; i < k; i++) {
    const p = from + r.int(Math.max(1, to - from));
    out[p] ^= 1 << r.int(8);
  }
  return out;
}

const CD_FIELDS: Array<[number, 2 | 4]> = [[8, 2], [10, 2], [20, 4], [24, 4], [28, 2], [30, 2], [32, 2], [42, 4]];
const EOCD_FIELDS: Array<[number, 2 | 4]> = [[4, 2], [6, 2], [8, 2], [10, 2], [12, 4], [16, 4], [20, 2]];

function setField(dv: DataView, at: number, width: 2 | 4, v: number): void {
  if (width === 2) dv.setUint16(at, v & 0xffff, true);
  else dv.setUint32(at, v >>> 0, true);
}

/** Edits of a zip's metadata: a central-directory or end-record field, ZIP64 extras, duplicated/overlapping entries. */
function zipEdit(base: Uint8Array, r: Rng): [string, Uint8Array] {
  const { cdOffset, records, eocd } = zipRecords(base);
  const value = () => (r.next() < 0.6 ? r.pick(INTERESTING) : r.int(base.length * 2));
  switch (r.int(7)) {
    case 0: { // one central-directory field
      const out = base.slice();
      const dv = new DataView(out.buffer);
      const i = r.int(records.length);
      let p = cdOffset;
      for (let j = 0; j < i; j++) p += records[j].length;
      const [off, w] = r.pick(CD_FIELDS);
      setField(dv, p + off, w, value());
      return ['cd-field', out];
    }
    case 1: { // one end-record field
      const out = base.slice();
      const [off, w] = r.pick(EOCD_FIELDS);
      setField(new DataView(out.buffer), eocd + off, w, value());
      return ['eocd-field', out];
    }
    case 2: { // ZIP64 extra field: right or wrong values, declared longer or shorter than it is
      const recs = records.slice();
      const i = r.int(recs.length);
      const dv = new DataView(recs[i].buffer);
      const truth = { usize: dv.getUint32(24, true), csize: dv.getUint32(20, true), local: dv.getUint32(42, true) };
      const slots = (['usize', 'csize', 'local'] as const).filter(() => r.next() < 0.6);
      const vals = slots.map((s) => (r.next() < 0.5 ? BigInt(truth[s]) : r.next() < 0.5 ? 2n ** 64n - 1n : BigInt(r.int(2 ** 31)) * BigInt(1 + r.int(4096))));
      const keep = r.next() < 0.3 ? r.int(vals.length + 1) : vals.length;
      const declared = r.next() < 0.5 ? keep * 8 : r.pick([0, 4, 7, 9, 24, 100, 0xffff]);
      recs[i] = zip64Record(recs[i], slots as Array<'usize' | 'csize' | 'local'>, vals.slice(0, keep), declared);
      return ['zip64', withDirectory(base, recs)];
    }
    case 3: { // a duplicated entry
      const recs = records.slice();
      recs.splice(r.int(recs.length + 1), 0, recs[r.int(recs.length)]);
      return ['dup-entry', withDirectory(base, recs)];
    }
    case 4: { // an entry pointed at another entry's bytes (overlap)
      const recs = records.map((x) => x.slice());
      const i = r.int(recs.length);
      const j = r.int(recs.length);
      const dj = new DataView(recs[j].buffer).getUint32(42, true);
      new DataView(recs[i].buffer).setUint32(42, dj + (r.next() < 0.5 ? 0 : r.int(64)), true);
      return ['overlap', withDirectory(base, recs)];
    }
    case 5: { // extra or comment length declared past the record
      const recs = records.map((x) => x.slice());
      const i = r.int(recs.length);
      new DataView(recs[i].buffer).setUint16(r.pick([30, 32]), r.pick([1, 3, 8, 100, 0xffff]), true);
      return ['extra-len', withDirectory(base, recs)];
    }
    default: { // the central directory moved to an odd place: inside the data, overlapping the end record
      const out = base.slice();
      const dv = new DataView(out.buffer);
      dv.setUint32(eocd + 16, r.pick([0, 4, r.int(cdOffset), cdOffset + 1, eocd - 46, eocd]), true);
      if (r.next() < 0.5) dv.setUint32(eocd + 12, r.pick([0, 46, r.int(base.length)]), true);
      return ['cd-moved', out];
    }
  }
}

/** Pickle opcode edits: insert an opcode with random arguments, delete or duplicate a span, overwrite a byte. */
const OPCODES = [
  0x28, 0x29, 0x2e, 0x30, 0x31, 0x32, 0x42, 0x43, 0x46, 0x47, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x58,
  0x5d, 0x61, 0x62, 0x63, 0x64, 0x65, 0x67, 0x68, 0x69, 0x6a, 0x6c, 0x6f, 0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x7d, 0x80, 0x81, 0x82, 0x85, 0x86,
  0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f, 0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98,
];

function pickleEdit(pkl: Uint8Array, r: Rng): Uint8Array {
  const b = Array.from(pkl);
  const edits = 1 + r.int(4);
  for (let e = 0; e < edits; e++) {
    const at = 2 + r.int(Math.max(1, b.length - 3));
    switch (r.int(4)) {
      case 0: {
        const args = Array.from({ length: r.int(9) }, () => (r.next() < 0.5 ? r.pick([0, 1, 0x0a, 0x7f, 0x80, 0xff]) : r.int(256)));
        b.splice(at, 0, r.pick(OPCODES), ...args);
        break;
      }
      case 1: b.splice(at, 1 + r.int(32)); break;
      case 2: { const len = 1 + r.int(64); b.splice(at, 0, ...b.slice(at, at + len)); break; }
      default: b[at] = r.next() < 0.5 ? r.pick(OPCODES) : r.int(256);
    }
  }
  return new Uint8Array(b);
}

/** safetensors header edits on the real bf16 file: offsets shifted/swapped/overlapped, shapes, dtypes, duplicate or prototype keys. */
function safetensorsEdit(r: Rng): [string, Uint8Array] {
  const keys = Object.keys(ST_HEADER).filter((k) => k !== '__metadata__');
  const h: Record<string, unknown> = JSON.parse(JSON.stringify(ST_HEADER)) as Record<string, unknown>;
  const k = r.pick(keys);
  const e = h[k] as { dtype: unknown; shape: unknown; data_offsets: [number, number] };
  let raw: string | null = null;
  let dataLen = ST_DATA.length;
  let kind = '';
  switch (r.int(9)) {
    case 0: kind = 'shift'; e.data_offsets = [e.data_offsets[0] + r.pick([-2, -1, 1, 2]), e.data_offsets[1] + r.pick([-2, 0, 2])]; break;
    case 1: { kind = 'swap'; const o = h[r.pick(keys)] as typeof e; [e.data_offsets, o.data_offsets] = [o.data_offsets, e.data_offsets]; break; }
    case 2: { kind = 'overlap'; const o = h[r.pick(keys)] as typeof e; e.data_offsets = [o.data_offsets[0], o.data_offsets[0] + (e.data_offsets[1] - e.data_offsets[0])]; break; }
    case 3: kind = 'shape'; e.shape = r.pick([[], [-1], [1e400], [2 ** 53], [2 ** 60, 0], ['3'], [1.5], null, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65]]); break;
    case 4: kind = 'dtype'; e.dtype = r.pick(['toString', '__proto__', 'constructor', 'hasOwnProperty', 'F32', 'F8', 'bf16', '', 7, null]); break;
    case 5: { kind = 'proto-key'; const name = r.pick(['__proto__', 'constructor', 'toString', 'valueOf', '__defineGetter__']); h[name] = h[k]; delete h[k]; break; }
    case 6: { kind = 'dup-key'; const text = JSON.stringify(h); raw = `${text.slice(0, -1)},${JSON.stringify(k)}:${JSON.stringify(e)}}`; break; }
    case 7: kind = 'data-len'; dataLen += r.pick([-1, 1, 7, -7]); break;
    default: kind = 'metadata'; h.__metadata__ = r.pick<unknown>([{ a: 1 }, [], 'x', { toString: 'x' }, JSON.parse('{"__proto__":"y"}'), null]);
  }
  const text = raw ?? JSON.stringify(h);
  const hb = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + hb.length + Math.max(0, dataLen));
  new DataView(out.buffer).setBigUint64(0, BigInt(hb.length), true);
  out.set(hb, 8);
  out.set(ST_DATA.subarray(0, Math.max(0, dataLen)), 8 + hb.length);
  return [kind, out];
}

// ---------------------------------------------------------------------------------------------
// Generated hostile pickles (in a torch zip beside one real tensor 'w').

const ALIASES: Array<[string, string]> = [
  ['posixpath', 'os'], ['torch.serialization', 'os'], ['numpy.testing._private.utils', 'os'], ['pydoc', 'pipepager'],
  ['torch.utils.data.dataloader', 'python_multiprocessing'], ['functools', 'partial'], ['copyreg', '_reconstructor'],
  ['collections', 'Counter'], ['builtins', 'getattr'], ['__builtin__', 'eval'], ['posix', 'system'], ['nt', 'system'],
  ['subprocess', 'Popen'], ['torch.nn.modules.linear', 'Linear'], ['__main__', 'Net'], ['numpy.core.multiarray', '_reconstruct'],
  ['pathlib', 'PosixPath'], ['torch', 'load'], ['torch._C', '_set_grad_enabled'], ['yacs.config', 'CfgNode.__init__'],
];
const PROTO_NAMES = ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__lookupGetter__'];

/** {'w': tensor, <key>: <value>} where the pickle writer fills key and value. */
function withTensor(fill: (p: P) => void, level: 0 | 6 = 0): Uint8Array {
  const p = new P().op(0x7d, 0x28).str('w').tensor('0', 6, 0, [2, 3], [3, 1]);
  fill(p);
  return torchZip(p.op(0x75).done(), { 0: f32([1, 2, 3, 4, 5, 6]) }, level);
}

/** A chain of `depth` lists, each inside the previous one, left on the stack (no MARK: iterative for the VM). */
function deepList(p: P, depth: number): void {
  for (let i = 0; i < depth; i++) p.op(0x5d);
  for (let i = 1; i < depth; i++) p.op(0x61);
}

function hostilePickle(r: Rng, scale: number): [string, Uint8Array] {
  switch (r.int(10)) {
    case 0: { // a refused global, reached directly, through REDUCE, NEWOBJ or STACK_GLOBAL
      const [m, n] = r.pick(ALIASES);
      return ['global', withTensor((p) => {
        p.str('x');
        if (r.next() < 0.5) p.global(m, n); else p.str(m).str(n).op(0x93);
        p.op(...r.pick([[0x28, 0x74, 0x52], [0x29, 0x81], [], [0x29, 0x52, 0x7d, 0x62]]));
      })];
    }
    case 1: { // prototype-named storage classes and dtypes
      const name = r.pick(PROTO_NAMES);
      if (r.next() < 0.5) return ['proto-storage', torchZip(new P().op(0x7d, 0x28).str('w').tensor('0', 6, 0, [2, 3], [3, 1], name, r.pick(['torch', 'torch.storage'])).op(0x75).done(), { 0: f32([1, 2, 3, 4, 5, 6]) })];
      return ['proto-dtype', withTensor((p) => {
        p.str('v').global('torch._utils', '_rebuild_tensor_v3').op(0x28).op(0x28).str('storage').global('torch', 'UntypedStorage').str('0').str('cpu').int(24).op(0x74, 0x51);
        p.int(0).tuple([6]).tuple([1]).op(0x89).global('collections', 'OrderedDict').op(0x29, 0x52).op(0x4e).global('torch', name).op(0x74, 0x52);
      })];
    }
    case 2: { // deep nesting, as a dict key, a skipped value or a tensor argument
      const depth = 1000 + r.int(scale);
      const where = r.int(3);
      return [`deep-${where}`, withTensor((p) => {
        if (where === 0) { deepList(p, depth); p.tensor('0', 6, 0, [6], [1]); }
        else if (where === 1) { p.str('x'); deepList(p, depth); }
        else { p.str('x').global('torch._utils', '_rebuild_parameter'); deepList(p, depth); p.op(0x85, 0x52); }
      })];
    }
    case 3: { // long containers: list, tuple, set, dict
      const n = 1000 + r.int(scale * 4);
      const kind = r.int(4);
      return [`long-${kind}`, withTensor((p) => {
        p.str('x');
        p.op(kind === 2 ? 0x8f : kind === 3 ? 0x7d : 0x5d, 0x28);
        for (let i = 0; i < n; i++) { p.int(i & 0xff); if (kind === 3) p.int(i); }
        p.op(kind === 0 ? 0x65 : kind === 1 ? 0x74 : kind === 2 ? 0x90 : 0x75);
      })];
    }
    case 4: { // a big memoized container replayed through copying calls (quadratic if unbudgeted)
      const n = 500 + r.int(scale / 2);
      const reps = 100 + r.int(scale / 4);
      const fn = r.pick([['builtins', 'set'], ['collections', 'OrderedDict'], ['torch', 'Size'], ['builtins', 'frozenset']] as const);
      return ['replay', withTensor((p) => {
        p.str('x').op(0x5d, 0x28);
        for (let i = 0; i < n; i++) p.int(i & 0xff);
        p.op(0x65, 0x71, 1, 0x30, 0x5d);
        for (let i = 0; i < reps; i++) p.global(fn[0], fn[1]).op(0x68, 1, 0x85, 0x52, 0x61);
      })];
    }
    case 5: { // a million-entry memo / stack
      const n = 5000 + r.int(scale * 2);
      return ['memo', withTensor((p) => {
        p.str('x').op(0x4e);
        for (let i = 0; i < n; i++) p.op(0x94, 0x32);
        p.op(0x28, 0x74);
      })];
    }
    case 6: { // lies in a tensor: offset, size, stride, numel
      const big = r.pick([2 ** 31, 2 ** 40, 2 ** 52, 2 ** 53 + 2, 1e12]);
      const numel = r.pick([6, 0, big]);
      const shape = r.pick([[2, 3], [big, 0], [0, big], [big], [3, 2 ** 26], [big, big]]);
      const stride = r.pick([[3, 1], [0, 0], [big, 1], [1, big]]);
      const off = r.pick([0, 5, big]);
      return ['geometry', torchZip(new P().op(0x7d, 0x28).str('w').tensor('0', numel, off, shape.slice(0, 2), stride.slice(0, shape.length)).op(0x75).done(), { 0: f32([1, 2, 3, 4, 5, 6]) })];
    }
    case 7: { // random opcode soup after a valid prefix
      return ['soup', withTensor((p) => {
        p.str('x');
        const n = 1 + r.int(64);
        for (let i = 0; i < n; i++) p.op(r.pick(OPCODES), ...Array.from({ length: r.int(5) }, () => r.int(256)));
      })];
    }
    case 8: { // text opcodes with strange lines
      const line = r.pick(['', '0', '00', '01', '-', '1e9', 'nan', 'x'.repeat(1000), '9'.repeat(500), '+123L', '\x00', '__proto__']);
      const op = r.pick([0x49, 0x4c, 0x46, 0x53, 0x56, 0x67, 0x70]);
      return ['text-op', withTensor((p) => { p.str('x').op(op, ...new TextEncoder().encode(`${line}\n`)); if (op === 0x70) p.op(0x4e); })];
    }
    default: { // deflated archive whose pickle is mutated (exercises the inflater)
      const z = withTensor((p) => { p.str('cfg').global('argparse', 'Namespace').op(0x29, 0x81).op(0x7d, 0x28).str('lr').int(3).op(0x75, 0x62); }, 6);
      return ['deflated-flip', flipBits(z, r, 1 + r.int(4))];
    }
  }
}

/** Random safetensors layouts: tiling permutations that must load, and overlaps, holes, tails that must not. */
function safetensorsLayout(r: Rng): [string, Uint8Array] {
  const n = 1 + r.int(6);
  const sizes = Array.from({ length: n }, () => r.int(5));
  const header: Record<string, unknown> = {};
  let at = 0;
  const order = Array.from({ length: n }, (_, i) => i).sort(() => r.next() - 0.5);
  const offs: Array<[number, number]> = [];
  for (const i of order) {
    offs[i] = [at, at + sizes[i] * 4];
    at += sizes[i] * 4;
  }
  let dataLen = at;
  const kind = r.int(6);
  const i = r.int(n);
  if (kind === 1) offs[i] = [offs[i][0] + 4, offs[i][1] + 4]; // shifted: overlap or hole
  else if (kind === 2 && n > 1) offs[i] = [...offs[(i + 1) % n]] as [number, number]; // same range twice
  else if (kind === 3) dataLen += r.pick([4, 1]); // bytes after the last tensor
  else if (kind === 4 && n > 1) { const j = (i + 1) % n; offs[i] = [offs[j][0] + 2, offs[j][0] + 2 + sizes[i] * 4]; } // partial overlap
  for (let k = 0; k < n; k++) header[`t${k}`] = { dtype: 'F32', shape: [sizes[k]], data_offsets: offs[k] };
  return [`layout-${kind}`, safetensorsRaw(JSON.stringify(header), Math.max(0, dataLen), 0x3f)];
}

// ---------------------------------------------------------------------------------------------

/** the slow tier runs for minutes; the fast one stays within the default limit */
const TIMEOUT = SLOW ? 3_600_000 : 120_000;
const TIERS = SLOW ? { mutations: 6000, hostile: 12000, st: 8000, scale: 50_000 } : { mutations: 300, hostile: 620, st: 400, scale: 5000 };

describe(`adversarial checkpoints (seeded; ${SLOW ? 'slow' : 'fast'} tier)`, () => {
  const peakBefore = process.resourceUsage().maxRSS;

  it(`${TIERS.mutations} mutations of the real fixture checkpoints`, () => {
    const t = tally();
    const r = rng(0xc0ffee);
    const kinds = new Map<string, number>();
    for (let i = 0; i < TIERS.mutations; i++) {
      const which = r.int(100);
      let c: Case;
      if (which < 25) {
        const [kind, bytes] = zipEdit(VIG, r);
        c = { name: `zip-${kind}-${i}.pth`, bytes, target: VIG_TARGET };
      } else if (which < 45) {
        c = { name: `pkl-edit-${i}.pth`, bytes: vigWithPickle(pickleEdit(r.next() < 0.8 ? VIG_FILES[VIG_PKL_NAME] : LITV2_PKL, r)) };
      } else if (which < 55) {
        // flips in the zip's structure: local headers (file start) and the directory (file end)
        const tail = r.next() < 0.5;
        c = { name: `zip-flip-${i}.pth`, bytes: flipBits(VIG, r, 1 + r.int(6), tail ? VIG.length - 4096 : 0, tail ? VIG.length : 4096), target: VIG_TARGET };
      } else if (which < 62) {
        c = { name: `flip-${i}.pth`, bytes: flipBits(VIG, r, 1 + r.int(16)), target: VIG_TARGET };
      } else if (which < 70) {
        const src = r.pick([VIG, LEGACY, ST]);
        c = { name: `cut-${i}.pth`, bytes: src.subarray(0, r.int(src.length)), target: src === VIG ? VIG_TARGET : src === LEGACY ? VVT_TARGET : VIG_H_TARGET };
      } else if (which < 82) {
        // legacy: flips inside its pickles (first 40 KB) and in the storages' length fields
        c = { name: `legacy-flip-${i}.pth`, bytes: flipBits(LEGACY, r, 1 + r.int(4), 0, 40_000), target: VVT_TARGET };
      } else {
        const [kind, bytes] = safetensorsEdit(r);
        c = { name: `st-${kind}-${i}.safetensors`, bytes, target: VIG_H_TARGET };
      }
      kinds.set(c.name.replace(/-\d+\..*$/, ''), (kinds.get(c.name.replace(/-\d+\..*$/, '')) ?? 0) + 1);
      judge(c, t);
    }
    expectClean(t, TIERS.mutations);
    expect(t.refused).toBeGreaterThan(TIERS.mutations / 2); // most mutations break something…
    expect(t.loaded).toBeGreaterThan(0); // …and some (a flip in a float of a safetensors file) legitimately load
    expect(kinds.size).toBeGreaterThan(20);
  }, TIMEOUT);

  it(`${TIERS.hostile} generated hostile pickles and zip bombs`, () => {
    const t = tally();
    const r = rng(0xbadf00d);
    for (let i = 0; i < TIERS.hostile; i++) {
      if (i % 40 === 39) {
        // a bomb: a storage entry declared small (or exactly what its tensor needs) that inflates to far more
        const declared = r.pick([24, 4096, 1 << 20]);
        const inflates = r.pick([1 << 22, 1 << 24]);
        const z = torchZip(new P().op(0x7d, 0x28).str('w').tensor('0', declared / 4, 0, [declared / 4], [1]).op(0x75).done(), { 0: new Uint8Array(declared) }, 6);
        judge({ name: `bomb-${i}.pth`, bytes: bombed(z, 'arch/data/0', inflates, declared) }, t);
        continue;
      }
      const [kind, bytes] = hostilePickle(r, TIERS.scale);
      judge({ name: `${kind}-${i}.pth`, bytes }, t);
    }
    expectClean(t, TIERS.hostile);
    expect(t.loaded).toBeGreaterThan(0); // inert config objects and harmless shapes load
  }, TIMEOUT);

  it(`${TIERS.st} generated safetensors layouts`, () => {
    const t = tally();
    const r = rng(0x5afe);
    let tilings = 0;
    for (let i = 0; i < TIERS.st; i++) {
      const [kind, bytes] = safetensorsLayout(r);
      if (kind === 'layout-0') tilings++;
      judge({ name: `${kind}-${i}.safetensors`, bytes }, t);
    }
    expectClean(t, TIERS.st);
    expect(t.loaded).toBeGreaterThanOrEqual(tilings); // every exact tiling loads, in any order
  }, TIMEOUT);

  it('peak memory stays bounded over the whole suite', () => {
    // maxRSS is the high-water mark (KiB): what the adversarial inputs added to the peak
    const grew = (process.resourceUsage().maxRSS - peakBefore) / 1024;
    expect(grew, `peak RSS grew by ${grew.toFixed(0)} MiB`).toBeLessThan(SLOW ? 1024 : 768);
  });
});

/** Replaces a deflated entry's data with a bomb that inflates to `inflates` zeros, declaring `declared` bytes. */
function bombed(zip: Uint8Array, entry: string, inflates: number, declared: number): Uint8Array {
  const a = new ZipArchive(zip, 'x');
  const e = a.entries.get(entry)!;
  const bomb = deflateBomb(inflates);
  const head = zip.subarray(0, e.dataOffset);
  const { records } = zipRecords(zip);
  // rebuild: everything up to the entry's data, the bomb, then the rest with the directory's offsets moved
  const rest = zip.subarray(e.dataOffset + e.compressedSize, zipRecords(zip).cdOffset);
  const body = new Uint8Array(head.length + bomb.length + rest.length);
  body.set(head);
  body.set(bomb, head.length);
  body.set(rest, head.length + bomb.length);
  const shift = bomb.length - e.compressedSize;
  const recs = records.map((rec) => {
    const out = rec.slice();
    const dv = new DataView(out.buffer);
    const name = new TextDecoder().decode(out.subarray(46, 46 + dv.getUint16(28, true)));
    if (name === entry) {
      dv.setUint32(20, bomb.length, true);
      dv.setUint32(24, declared, true);
    } else if (dv.getUint32(42, true) > e.headerOffset) dv.setUint32(42, dv.getUint32(42, true) + shift, true);
    return out;
  });
  const tail = new Uint8Array(body.length + 22);
  tail.set(body);
  new DataView(tail.buffer).setUint32(body.length, 0x06054b50, true);
  new DataView(tail.buffer).setUint32(body.length + 16, body.length, true);
  return withDirectory(tail, recs);
}

// ---------------------------------------------------------------------------------------------
// One regression test per class of issue 15.

function refusal(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof CheckpointFormatError) && !(e instanceof WeightMismatchError)) throw e;
    return e;
  }
  throw new Error('expected a refusal');
}

describe('issue 15 regressions (checkpoints)', () => {
  it('globals by allow-list: aliases of dangerous or harmless callables are refused and named', () => {
    for (const [m, n] of ALIASES) {
      const e = refusal(() => loadCheckpoint(withTensor((p) => p.str('x').global(m, n).op(0x28, 0x74, 0x52)), 'alias.pth'));
      expect(e.message).toContain(`${m}.${n}`);
      expect(e.message).toMatch(/refused/);
    }
    // what the official training checkpoints carry still loads
    expect(loadCheckpoint(fixtureBytes('checkpoints/litv2-mini.train.pth'), 'litv2.pth').tensors.size).toBe(107);
  });

  it('names from the file are own-property lookups: prototype names are refused or kept as plain keys', () => {
    for (const name of PROTO_NAMES) {
      const z = torchZip(new P().op(0x7d, 0x28).str('w').tensor('0', 6, 0, [2, 3], [3, 1], name).op(0x75).done(), { 0: f32([1, 2, 3, 4, 5, 6]) });
      expect(refusal(() => loadCheckpoint(z, 'proto.pth')).message).toContain(`torch.${name}`);
      const st = safetensorsRaw(JSON.stringify({ w: { dtype: name, shape: [1], data_offsets: [0, 4] } }), 4);
      expect(refusal(() => readSafetensors(st, 'proto.safetensors')).message).toMatch(/unsupported dtype/);
    }
    // a state_dict key named __proto__ is an ordinary (unexpected) key, in both formats and through the ViG-H renames
    const keys = [...loadCheckpoint(fixtureBytes('checkpoints/vig_h-mini.bf16.safetensors'), 'x').tensors].map(([k, t]) => [k, t.shape] as [string, number[]]);
    for (const extra of ['__proto__', 'constructor', 'toString']) {
      const e = refusal(() => loadModelWeights(safetensorsOf([...keys, [extra, [1]]]), 'extra.safetensors', VIG_H_TARGET));
      expect(e).toBeInstanceOf(WeightMismatchError);
      expect(e.message).toContain(`unexpected 1: ${extra}`);
      const z = stateDictZip([['a', [2]], [extra, [3]]]);
      expect([...loadCheckpoint(z, 'p.pth').tensors.keys()]).toEqual(['a', extra]);
    }
  });

  it('no recursion on the file depth: 100,000 nested lists and 300,000-item containers are handled', () => {
    const depth = 100_000; // recursion would overflow the stack near 10,000
    const key = withTensor((p) => { deepList(p, depth); p.tensor('0', 6, 0, [6], [1]); });
    expect(refusal(() => loadCheckpoint(key, 'deep-key.pth')).message).toMatch(/non-string key tuple\/list/);
    const value = loadCheckpoint(withTensor((p) => { p.str('x'); deepList(p, depth); }), 'deep-value.pth');
    expect(value.skipped).toEqual(['x']);
    // past the object budget (2^18 containers; a real training checkpoint builds tens of thousands): a clean refusal
    const huge = withTensor((p) => { p.str('x'); deepList(p, 300_000); });
    expect(refusal(() => loadCheckpoint(huge, 'deep-huge.pth')).message).toMatch(/builds more than 262144 objects/);
    // legacy format: the storage walk visits every object (here a 300,000-item list) without spreading it
    const legacy = legacyFile((p) => {
      p.op(0x7d, 0x28).str('w').global('torch._utils', '_rebuild_tensor_v2').op(0x28);
      p.op(0x28).str('storage').global('torch', 'FloatStorage').str('0').str('cpu').int(2).op(0x4e, 0x74, 0x51);
      p.int(0).tuple([2]).tuple([1]).op(0x89).global('collections', 'OrderedDict').op(0x29, 0x52, 0x74, 0x52);
      p.str('long').op(0x5d, 0x28);
      for (let i = 0; i < 300_000; i++) p.op(0x4b, i & 0xff); // spreading this into push() would throw RangeError
      p.op(0x65, 0x75);
    }, [7, 8]);
    const ck = loadCheckpoint(legacy, 'legacy-long.pth');
    expect([...ck.tensors.get('w')!.values()]).toEqual([7, 8]);
    expect(ck.skipped).toEqual(['long']);
  });

  it('decompression budget: a 1 GiB bomb in a storage entry is cut at its declared size, fast and small', () => {
    const z = torchZip(new P().op(0x7d, 0x28).str('w').tensor('0', 6, 0, [6], [1]).op(0x75).done(), { 0: new Uint8Array(24) }, 6);
    const cases: Array<[number, RegExp]> = [
      [24, /inflates past its declared 24 bytes/], // declared what the tensor needs, inflates to 1 GiB
      [1 << 30, /declares 1073741824 bytes, more than the 24 bytes its readers can need|implausible uncompressed size/], // declares the 1 GiB
    ];
    for (const [declared, msg] of cases) {
      const bomb = bombed(z, 'arch/data/0', 1 << 30, declared);
      const peak = process.resourceUsage().maxRSS;
      const t0 = performance.now();
      expect(refusal(() => loadCheckpoint(bomb, 'bomb.pth')).message).toMatch(msg);
      expect(performance.now() - t0).toBeLessThan(1000);
      expect((process.resourceUsage().maxRSS - peak) / 1024).toBeLessThan(64);
    }
    // a bomb in data.pkl itself: limited to the pickle budget, refused
    const pz = torchZip(new P().op(0x7d).done(), {}, 6);
    expect(refusal(() => loadCheckpoint(bombed(pz, 'arch/data.pkl', 1 << 27, 1 << 27), 'pkl-bomb.pth')).message).toMatch(/readers can need|inflate to more than|implausible uncompressed size/);
    // the archive-wide budget: entries that each fit add up to a refusal before the next one is allocated
    const two = torchZip(new P().op(0x7d).done(), { 0: new Uint8Array(8), 1: new Uint8Array(8) }, 6);
    const both = bombed(bombed(two, 'arch/data/0', 12 << 20, 12 << 20), 'arch/data/1', 12 << 20, 12 << 20);
    const many = new ZipArchive(both, 'many.pth', { maxInflatedTotal: 20 << 20 });
    expect(many.read('arch/data/0', { verifyCrc: false }).length).toBe(12 << 20);
    expect(() => many.read('arch/data/1', { verifyCrc: false })).toThrow(/would inflate to more than \d+ bytes .*a zip bomb/);
    expect(many.inflatedBytes).toBe(12 << 20);
  });

  it('malformed zip metadata: ZIP64 fields, odd directory places, overlaps, duplicates — messages, never RangeError', () => {
    const z = stateDictZip([['a', [4]], ['b', [3]]]);
    const { records, cdOffset, eocd } = zipRecords(z);
    const recs = records.slice();
    recs[0] = zip64Record(records[0], ['usize', 'csize'], [16n], 16); // the field declares 16 bytes, the entry holds 8
    expect(refusal(() => loadCheckpoint(withDirectory(z, recs), 'z64.pth')).message).toMatch(/extra field 0x1 of entry "arch\/data.pkl" declares 16 bytes, more than the entry holds/);
    recs[0] = zip64Record(records[0], ['usize', 'csize'], [16n], 8); // one value for two slots
    expect(refusal(() => loadCheckpoint(withDirectory(z, recs), 'z64b.pth')).message).toMatch(/ZIP64 field of entry .* is shorter/);
    recs[0] = zip64Record(records[0], ['usize', 'csize', 'local'], [2n ** 64n - 1n, 2n ** 64n - 1n, 2n ** 64n - 1n]);
    expect(refusal(() => loadCheckpoint(withDirectory(z, recs), 'z64c.pth')).message).toMatch(/local header .* is missing/);
    const moved = z.slice();
    new DataView(moved.buffer).setUint32(eocd + 16, cdOffset - 7, true);
    expect(refusal(() => loadCheckpoint(moved, 'moved.pth')).message).toMatch(/corrupt zip archive/);
    new DataView(moved.buffer).setUint32(eocd + 16, eocd, true);
    expect(refusal(() => loadCheckpoint(moved, 'moved2.pth')).message).toMatch(/central directory .* does not end before the end record/);
    expect(refusal(() => loadCheckpoint(withDirectory(z, [...records, records[1]]), 'dup.pth')).message).toMatch(/two entries are named/);
    const over = records.map((x) => x.slice());
    new DataView(over[2].buffer).setUint32(42, new DataView(over[1].buffer).getUint32(42, true), true);
    expect(refusal(() => loadCheckpoint(withDirectory(z, over), 'over.pth')).message).toMatch(/overlap/);
  });

  it('safetensors layout: overlaps, partial overlaps, holes, tails, header lengths, duplicate keys, shapes', () => {
    const st = (h: Record<string, unknown>, len: number) => safetensorsRaw(JSON.stringify(h), len);
    const t = (a: number, b: number, shape = [(b - a) / 4]) => ({ dtype: 'F32', shape, data_offsets: [a, b] });
    expect(readSafetensors(st({ a: t(8, 16), b: t(0, 8) }, 16), 'ok').tensors.size).toBe(2); // any order, exact tiling
    expect(refusal(() => readSafetensors(st({ a: t(0, 8), b: t(0, 8) }, 8), 'same.st')).message).toMatch(/overlaps/);
    expect(refusal(() => readSafetensors(st({ a: t(0, 8), b: t(4, 12) }, 12), 'part.st')).message).toMatch(/overlaps/);
    expect(refusal(() => readSafetensors(st({ a: t(0, 4), b: t(8, 12) }, 12), 'hole.st')).message).toMatch(/hole: bytes 4\.\.8/);
    expect(refusal(() => readSafetensors(st({ a: t(0, 4) }, 8), 'tail.st')).message).toMatch(/4 bytes after the last tensor/);
    expect(refusal(() => readSafetensors(safetensorsRaw('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', 8), 'dup.st')).message).toMatch(/names "a" twice/);
    expect(refusal(() => readSafetensors(safetensorsRaw('{"a":{"dtype":"F32","shape":[1e400],"data_offsets":[0,4]}}', 4), 'inf.st')).message).toMatch(/invalid shape/);
    expect(refusal(() => readSafetensors(st({ a: t(0, 4, [2 ** 62, 0]) }, 4), 'huge.st')).message).toMatch(/invalid shape|does not fit/);
    expect(refusal(() => readSafetensors(st({ a: t(0, 4, [2 ** 31, 2 ** 31]) }, 4), 'big.st')).message).toMatch(/does not fit its byte range/);
    const bad = safetensorsRaw('{"a":1}', 0);
    for (const n of [0n, 1n, 2n ** 63n, BigInt(bad.length)]) {
      const b = bad.slice();
      new DataView(b.buffer).setBigUint64(0, n, true);
      expect(refusal(() => readSafetensors(b, 'len.st')).message).toMatch(/header/);
    }
  });

  it('a refused load keeps the loaded model (the model worker host)', async () => {
    const replies: WorkerResponse[] = [];
    const host = createModelHost((m) => replies.push(m));
    const last = () => replies[replies.length - 1];
    const load = (id: number, bytes: Uint8Array, name: string) => host({ type: 'load', id, source: bytes.slice().buffer, name, target: { tests: TESTS }, paramsFor: [] });
    await load(1, fixtureBytes('checkpoints/vig-mini.bare.pth'), 'vig-mini.bare.pth');
    expect(last()).toMatchObject({ type: 'loaded', info: { id: 'vig-mini' } });
    for (const [i, [bytes, name]] of ([
      [fixtureBytes('checkpoints/hostile.pth'), 'hostile.pth'],
      [fixtureBytes('checkpoints/truncated.pth'), 'truncated.pth'],
      [stateDictZip([['foreign', [3]]]), 'foreign.pth'],
    ] as Array<[Uint8Array, string]>).entries()) {
      await load(10 + i, bytes, name);
      expect(last()).toMatchObject({ type: 'error' });
    }
    await host({ type: 'forward', id: 99, x: new Float32Array(3 * 224 * 224), shape: [1, 3, 224, 224] });
    const r = last();
    expect(r.type, r.type === 'error' ? r.message : '').toBe('forwarded');
    expect(r.type === 'forwarded' && r.logits.length).toBeGreaterThan(1);
  });
});

/** A legacy (non-zip) torch.save file whose object pickle is written by `fill`, with one F32 storage '0'. */
function legacyFile(fill: (p: P) => void, values: number[]): Uint8Array {
  const magic = new P().op(0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19).done();
  const proto = new P().int(1001).done();
  const sys = new P().op(0x7d, 0x28).str('little_endian').op(0x88, 0x75).done();
  const main = new P();
  fill(main);
  const keys = new P().op(0x5d, 0x28).str('0').op(0x65).done();
  const count = new Uint8Array(8);
  new DataView(count.buffer).setBigInt64(0, BigInt(values.length), true);
  const parts = [magic, proto, sys, main.done(), keys, count, f32(values)];
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
