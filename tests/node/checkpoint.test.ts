/**
 * Checkpoint loading: every file of fixtures/checkpoints judged by the parity rule (INDEX.json),
 * plus hand-built hostile inputs — a pickle that names os.system (nothing runs, the global is
 * named), truncations, corrupt bytes, random bytes, huge declared sizes, strided views.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unzipSync } from 'fflate';
import { f32, P, torchZip } from './checkpoint-builders';
import { checkFileCpu } from '../../src/parity/check-file';
import { loadCheckpoint } from '../../src/weights/checkpoint';
import { prngValues } from '../../src/weights/prng';
import { roundToBF16, roundToF16 } from '../../src/weights/round';
import { CheckpointFormatError, halfToFloat, readSafetensors } from '../../src/weights/safetensors';
import { unpickle, RefusedGlobalError } from '../../src/weights/unpickler';
import { bestMatch, describeMismatch, validateStateDict, type ExpectedKeys } from '../../src/weights/validate';

const ROOT = resolve(process.env.ATTN_FIXTURES ?? '../shared/fixtures');
const read = (rel: string) => new Uint8Array(readFileSync(join(ROOT, rel)));
const readSibling = async (rel: string) => read(rel);

function expectRefused(bytes: Uint8Array, name: string, pattern: RegExp, opts = {}): string {
  let msg = '';
  let result: unknown = 'not thrown';
  try {
    result = loadCheckpoint(bytes, name, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(CheckpointFormatError);
    msg = (e as Error).message;
  }
  expect(result).toBe('not thrown'); // nothing (partially) loaded is ever returned
  expect(msg).toMatch(pattern);
  expect(msg).toContain(name);
  return msg;
}

/** Expected values of a mini model's tensors: the PRNG weights rounded as torch stores them. */
function expectPrng(ck: ReturnType<typeof loadCheckpoint>, round: (v: number) => number) {
  let compared = 0;
  for (const [k, t] of ck.tensors) {
    const ref = prngValues(k, t.shape);
    if (!ref) continue;
    const v = t.values();
    for (let i = 0; i < v.length; i++) if (v[i] !== round(ref[i])) throw new Error(`${k}[${i}]: ${v[i]} != ${round(ref[i])}`);
    compared += v.length;
  }
  return compared;
}

/** {'model': {'w': tensor}, 'extra': <reduce of module.name('echo pwned')>} */
function hostileZip(module: string, name: string): Uint8Array {
  const p = new P().op(0x7d, 0x28).str('model').op(0x7d, 0x28).str('w').tensor('0', 6, 0, [2, 3], [3, 1]).op(0x75);
  p.str('extra').global(module, name).op(0x28).str('echo pwned').op(0x74, 0x52).op(0x75);
  return torchZip(p.done(), { 0: f32([1, 2, 3, 4, 5, 6]) });
}

describe('fixtures/checkpoints (parity rule of INDEX.json)', () => {
  const files = readdirSync(join(ROOT, 'checkpoints')).sort();
  for (const f of files) {
    it(f, async () => {
      const r = await checkFileCpu(`checkpoints/${f}`, read(`checkpoints/${f}`), readSibling);
      expect(r.status, r.notes.join('\n')).toBe('PASS');
    });
  }

  it('the checker can fail: wrong contents under a listed name', async () => {
    const vig = read('checkpoints/vig-mini.bare.pth');
    expect((await checkFileCpu('checkpoints/fat-mini.fp16.pth', vig, readSibling)).status).toBe('FAIL');
    expect((await checkFileCpu('checkpoints/truncated.pth', vig, readSibling)).status).toBe('FAIL');
    expect((await checkFileCpu('checkpoints/unlisted.pth', vig, readSibling)).status).toBe('FAIL');
  });

  it('every file is listed in INDEX.json', () => {
    const idx = JSON.parse(new TextDecoder().decode(read('checkpoints/INDEX.json'))) as { files: Array<{ file: string }> };
    expect(files.filter((f) => f !== 'INDEX.json').sort()).toEqual(idx.files.map((e) => e.file).sort());
  });

  it('fp16 and bf16 files hold exactly float64→float32→half rounding (not direct float64→half)', () => {
    const fp16 = loadCheckpoint(read('checkpoints/fat-mini.fp16.pth'), 'fat-mini.fp16.pth');
    expect(expectPrng(fp16, (v) => roundToF16(Math.fround(v)))).toBeGreaterThan(300_000);
    expect(() => expectPrng(fp16, roundToF16)).toThrow(); // double rounding matters: the test can fail
    const bf16 = loadCheckpoint(read('checkpoints/vig_h-mini.bf16.safetensors'), 'bf16');
    expect(expectPrng(bf16, (v) => roundToBF16(Math.fround(v)))).toBeGreaterThan(1_000_000);
  });

  it('litv2 training checkpoint: the model loads, optimizer/scheduler/config are skipped and listed', () => {
    const ck = loadCheckpoint(read('checkpoints/litv2-mini.train.pth'), 'litv2-mini.train.pth');
    expect(ck.format).toBe('torch-zip');
    expect(ck.tensors.size).toBe(107);
    expect(ck.skipped).toEqual(['optimizer', 'lr_scheduler', 'max_accuracy', 'epoch', 'config']);
    expect(ck.notes.join(' ')).toContain('yacs.config.CfgNode');
    expect(ck.tensors.get('layers.0.downsample.norm_layer.num_batches_tracked')?.dtype).toBe('I64');
    expect(expectPrng(ck, Math.fround)).toBeGreaterThan(1_000_000);
  });

  it('legacy non-zip torch.save loads', () => {
    const ck = loadCheckpoint(read('checkpoints/vvt-mini.legacy.pth'), 'vvt-mini.legacy.pth');
    expect(ck.format).toBe('torch-legacy');
    expect(ck.tensors.size).toBe(106);
    expect(expectPrng(ck, Math.fround)).toBeGreaterThan(700_000);
  });

  it("models/gmf-mini.pth ({'model': sd}) loads with the PRNG values", () => {
    const ck = loadCheckpoint(read('models/gmf-mini.pth'), 'gmf-mini.pth');
    const meta = JSON.parse(readSafetensors(read('models/gmf-mini.safetensors')).metadata.meta) as { keys: Array<[string, number[]]> };
    expect(validateStateDict(ck.tensors, meta.keys.map(([k, s]) => [k, s] as const), { optional: () => false }).ok).toBe(true);
    expect(expectPrng(ck, Math.fround)).toBeGreaterThan(100_000);
  });
});

describe('hostile and broken input', () => {
  it('hostile.pth: refused, names posix/os.system, executes nothing', () => {
    const msg = expectRefused(read('checkpoints/hostile.pth'), 'hostile.pth', /posix\.system/);
    expect(msg).toMatch(/os\.system/);
    expect(msg).toMatch(/Nothing was executed/);
  });

  it('the pickle VM refuses the os.system global the moment it reads it (nothing is built or called)', () => {
    const zip = hostileZip('posix', 'system');
    // (not the first 0x80 byte of the zip: the entries' DOS timestamps can hold one)
    const pkl = unzipSync(zip)['arch/data.pkl'];
    expect(() => unpickle(pkl, 0)).toThrow(RefusedGlobalError);
    expect(() => unpickle(pkl, 0)).toThrow(/posix\.system \(os\.system\).*runs code on load/);
  });

  for (const [m, n] of [['os', 'system'], ['subprocess', 'Popen'], ['builtins', 'eval'], ['__builtin__', 'getattr'], ['nt', 'system']]) {
    it(`refuses ${m}.${n}`, () => expectRefused(hostileZip(m, n), `h-${n}.pth`, new RegExp(`${m}\\.${n}`)));
  }

  it("training-config objects of the official checkpoints (argparse.Namespace, yacs CfgNode) are kept inert and the file loads", () => {
    for (const [m, n] of [['argparse', 'Namespace'], ['yacs.config', 'CfgNode']]) {
      const ck = loadCheckpoint(hostileZip(m, n), 'ns.pth');
      expect([...ck.tensors.keys()]).toEqual(['w']);
      expect(ck.notes.join(' ')).toContain(`${m}.${n}`);
    }
  });

  it('any other global is refused and named, harmless or not', () => {
    const msg = expectRefused(hostileZip('pathlib', 'PosixPath'), 'path.pth', /pathlib\.PosixPath/);
    expect(msg).toMatch(/not among the objects a state_dict or a training checkpoint needs/);
  });

  it('empty file', () => expectRefused(new Uint8Array(0), 'empty.pth', /empty/));

  it('random bytes', () => {
    let s = 12345;
    const rnd = new Uint8Array(4096).map(() => ((s = Math.imul(s, 1103515245) + 12345) >>> 16) & 255);
    expectRefused(rnd, 'random.bin', /not a PyTorch checkpoint/);
    rnd[0] = 0x80; rnd[1] = 0x02; // starts like a pickle
    expectRefused(rnd, 'random.pkl', /not a PyTorch checkpoint/);
  });

  it('a text file, an HTML page, a PNG', () => {
    expectRefused(new TextEncoder().encode('hello, these are not weights\n'), 'a.txt', /text file/);
    expectRefused(new TextEncoder().encode('<!DOCTYPE html><html>Sign in</html>'), 'dl.pth', /HTML/);
    expectRefused(read('checkpoints/not-a-checkpoint.pth'), 'img.pth', /PNG/);
  });

  it('truncated at any point: a clear error, never a crash', () => {
    const full = read('checkpoints/vig-mini.bare.pth');
    for (const frac of [0.001, 0.1, 0.5, 0.6, 0.9, 0.999]) expectRefused(full.subarray(0, Math.floor(full.length * frac)), 'cut.pth', /truncated|corrupt/);
    expectRefused(full.subarray(0, full.length - 1), 'cut.pth', /truncated|corrupt/);
    const st = read('checkpoints/vig_h-mini.bf16.safetensors');
    for (const frac of [0.5, 0.999]) expectRefused(st.subarray(0, Math.floor(st.length * frac)), 'cut.safetensors', /truncated/);
    const legacy = read('checkpoints/vvt-mini.legacy.pth');
    for (const frac of [0.002, 0.5, 0.99]) expectRefused(legacy.subarray(0, Math.floor(legacy.length * frac)), 'cut-legacy.pth', /truncated/);
  });

  it('a flipped byte in a storage fails the CRC check', () => {
    const b = read('checkpoints/vig-mini.bare.pth').slice();
    b[Math.floor(b.length / 2)] ^= 0x40;
    expectRefused(b, 'flip.pth', /CRC mismatch/);
  });

  it('zip entries with huge declared sizes are refused before allocating', () => {
    // deflated entry claiming 3 GB uncompressed
    const z = torchZip(new P().op(0x7d).done(), { 0: f32([1, 2, 3]) }, 6);
    const dv = new DataView(z.buffer);
    let cd = z.length - 22;
    while (dv.getUint32(cd, true) !== 0x06054b50) cd--;
    const first = dv.getUint32(cd + 16, true);
    dv.setUint32(first + 24, 3_000_000_000, true);
    expectRefused(z, 'bomb.pth', /implausible uncompressed size/);
    // stored entry whose declared size runs past the end of the file
    const s = torchZip(new P().op(0x7d).done(), { 0: f32([1, 2, 3]) });
    const sdv = new DataView(s.buffer);
    let scd = s.length - 22;
    while (sdv.getUint32(scd, true) !== 0x06054b50) scd--;
    const e0 = sdv.getUint32(scd + 16, true);
    sdv.setUint32(e0 + 20, 0xfffffff0, true);
    sdv.setUint32(e0 + 24, 0xfffffff0, true);
    expectRefused(s, 'big.pth', /past the end/);
  });

  it('a storage or tensor declaring more elements than the file holds is refused', () => {
    const huge = new P().op(0x7d, 0x28).str('w').tensor('0', 1e12, 0, [2, 3], [3, 1]).op(0x75).done();
    expectRefused(torchZip(huge, { 0: f32([1, 2, 3, 4, 5, 6]) }), 'huge-storage.pth', /declares 1000000000000 elements/);
    const big = new P().op(0x7d, 0x28).str('w').tensor('0', 6, 0, [100000, 100000], [0, 0]).op(0x75).done();
    expectRefused(torchZip(big, { 0: f32([1, 2, 3, 4, 5, 6]) }), 'huge-tensor.pth', /declares 10000000000 elements/);
    const past = new P().op(0x7d, 0x28).str('w').tensor('0', 6, 4, [2, 3], [3, 1]).op(0x75).done();
    expectRefused(torchZip(past, { 0: f32([1, 2, 3, 4, 5, 6]) }), 'past.pth', /reaches element 9 of a 6-element storage/);
  });

  it('hostile pickles: unknown opcode, undefined memo, unbalanced stack, runaway MARK nesting, giant string', () => {
    const z = (pkl: Uint8Array) => torchZip(pkl, {});
    expectRefused(z(new Uint8Array([0x80, 2, 0xff, 0x2e])), 'op.pth', /unknown pickle opcode 0xff/);
    expectRefused(z(new Uint8Array([0x80, 2, 0x68, 7, 0x2e])), 'memo.pth', /memo key 7 not defined/);
    expectRefused(z(new Uint8Array([0x80, 2, 0x2e])), 'stack.pth', /stack underflow/);
    expectRefused(z(new Uint8Array([0x80, 2, ...new Array(20_000).fill(0x28), 0x2e])), 'marks.pth', /MARK nesting/);
    expectRefused(z(new Uint8Array([0x80, 2, 0x58, 0xff, 0xff, 0xff, 0x7f, 0x2e])), 'str.pth', /exceeds the .*-byte limit/);
    expectRefused(z(new Uint8Array([0x80, 2, 0x7d])), 'nostop.pth', /no STOP/);
  });

  it('mutated pickles never escape as anything but CheckpointFormatError', () => {
    const base = read('checkpoints/litv2-mini.train.pth');
    let s = 7;
    const rnd = (n: number) => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8) % n;
    const pklLen = 13189; // data.pkl is the first stored entry; mutate only inside it
    const start = base.indexOf(0x80);
    for (let trial = 0; trial < 60; trial++) { // (tests/node/hostile-checkpoints.test.ts fuzzes much more)
      const b = base.slice();
      for (let k = 0; k < 3; k++) b[start + rnd(pklLen)] = rnd(256);
      try {
        loadCheckpoint(b, 'fuzz.pth', { verifyCrc: false });
      } catch (e) {
        if (!(e instanceof CheckpointFormatError)) throw new Error(`trial ${trial}: ${(e as Error).name}: ${(e as Error).message}`);
      }
    }
  });
});

describe('tensor views and formats', () => {
  it('storage offset and strides: transposed and offset views are copied row-major', () => {
    const data = f32([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const p = new P().op(0x7d, 0x28);
    p.str('t').tensor('0', 10, 1, [3, 2], [1, 3]); // transpose of the 2×3 block starting at element 1
    p.str('s').tensor('0', 10, 2, [2, 2], [4, 2]); // rows 4 apart, every other element
    p.str('c').tensor('0', 10, 3, [4], [1]);
    p.str('e').tensor('0', 10, 5, [2, 3], [0, 1]); // expanded (stride 0)
    p.str('z').tensor('0', 10, 0, [], []);
    const ck = loadCheckpoint(torchZip(p.op(0x75).done(), { 0: data }), 'views.pth');
    expect([...ck.tensors.get('t')!.values()]).toEqual([1, 4, 2, 5, 3, 6]);
    expect([...ck.tensors.get('s')!.values()]).toEqual([2, 4, 6, 8]);
    expect([...ck.tensors.get('c')!.values()]).toEqual([3, 4, 5, 6]);
    expect([...ck.tensors.get('e')!.values()]).toEqual([5, 6, 7, 5, 6, 7]);
    expect([...ck.tensors.get('z')!.values()]).toEqual([0]);
    expect(ck.tensors.get('t')!.shape).toEqual([3, 2]);
  });

  it("a state_dict OrderedDict carrying torch's _metadata (BUILD after SETITEMS) loads", () => {
    const p = new P().global('collections', 'OrderedDict').op(0x29, 0x52, 0x28).str('w').tensor('0', 2, 0, [2], [1]).op(0x75);
    p.op(0x7d, 0x28).str('_metadata').global('collections', 'OrderedDict').op(0x29, 0x52).op(0x75, 0x62); // BUILD
    const ck = loadCheckpoint(torchZip(p.done(), { 0: f32([7, 8]) }), 'meta.pth');
    expect([...ck.tensors.get('w')!.values()]).toEqual([7, 8]);
    expect(ck.skipped).toEqual([]);
  });

  it('deflate-compressed zips (re-packed by other tools) load too; DataParallel prefix is stripped', () => {
    const p = new P().op(0x7d, 0x28).str('state_dict').op(0x7d, 0x28);
    p.str('module.a').tensor('0', 3, 0, [3], [1], 'HalfStorage').op(0x75).str('epoch').int(3).op(0x75);
    const half = new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x0001]).buffer); // 1, -2, 2^-24
    const ck = loadCheckpoint(torchZip(p.done(), { 0: half }, 6), 'dp.pth');
    expect([...ck.tensors.keys()]).toEqual(['a']);
    expect([...ck.tensors.get('a')!.values()]).toEqual([1, -2, 2 ** -24]);
    expect(ck.skipped).toEqual(['epoch']);
  });

  it('protocol 4 (FRAME, SHORT_BINUNICODE, MEMOIZE, STACK_GLOBAL) works, and STACK_GLOBAL os.system is refused', () => {
    const enc = (s: string) => [0x8c, s.length, ...new TextEncoder().encode(s)];
    const body = [0x7d, 0x94, ...enc('k'), 0x94, ...enc('posix'), 0x94, ...enc('system'), 0x94, 0x93, 0x94, ...enc('x'), 0x85, 0x52, 0x73, 0x2e];
    const pkl = new Uint8Array([0x80, 4, 0x95, ...new Array(8).fill(0), ...body]);
    expect(() => unpickle(pkl)).toThrow(/refused — the pickle references posix\.system/);
    const ok = new Uint8Array([0x80, 4, 0x95, ...new Array(8).fill(0), 0x7d, 0x94, ...enc('k'), 0x94, ...enc('collections'), 0x94, ...enc('OrderedDict'), 0x94, 0x93, 0x29, 0x52, 0x73, 0x2e]);
    expect((unpickle(ok).value as Map<string, unknown>).get('k')).toBeInstanceOf(Map);
  });

  it('rounding helpers: fp16 fixed points, halfway cases to even, overflow', () => {
    for (let h = 0; h < 0x7c00; h += 7) expect(roundToF16(halfToFloat(h))).toBe(halfToFloat(h));
    expect(roundToF16(2 ** -25)).toBe(0); // halfway between 0 and the smallest subnormal → even (0)
    expect(roundToF16(3 * 2 ** -25)).toBe(2 ** -23); // halfway between 1 and 2 quanta → 2
    expect(roundToF16(1 + 2 ** -11)).toBe(1);
    expect(roundToF16(1 + 3 * 2 ** -11)).toBe(1 + 2 ** -9);
    expect(roundToF16(65519)).toBe(65504);
    expect(roundToF16(65520)).toBe(Infinity);
    expect(roundToBF16(1 + 2 ** -8)).toBe(1);
    expect(roundToBF16(-(1 + 3 * 2 ** -8))).toBe(-(1 + 2 ** -6));
  });
});

describe('key/shape validation', () => {
  const keysOf = (variant: string): ExpectedKeys =>
    (JSON.parse(new TextDecoder().decode(read(`models/${variant}.keys.json`))) as { keys: Array<[string, number[]]> }).keys.map(([k, s]) => [k, s] as const);

  it('names missing, unexpected and mis-shaped keys', () => {
    const expected: ExpectedKeys = [['a.weight', [4, 3]], ['a.bias', [4]], ['bn.num_batches_tracked', []], ['b', [2]]];
    const got = new Map([['a.weight', { shape: [4, 3] }], ['a.bias', { shape: [5] }], ['c', { shape: [1] }]]);
    const r = validateStateDict(got, expected);
    expect(r.ok).toBe(false);
    expect(r.missing).toEqual(['b']);
    expect(r.missingOptional).toEqual(['bn.num_batches_tracked']);
    expect(r.unexpected).toEqual(['c']);
    expect(r.misShaped).toEqual([{ key: 'a.bias', expected: [4], got: [5] }]);
    expect(describeMismatch(r, 'x')).toMatch(/missing 1: b; unexpected 1: c; mis-shaped 1: a.bias \[5\] \(expected \[4\]\)/);
  });

  it('a fixture checkpoint matches its mini model and bestMatch names the right family', () => {
    const ck = loadCheckpoint(read('checkpoints/vig-mini.bare.pth'), 'vig-mini.bare.pth');
    const mini = (name: string): ExpectedKeys =>
      (JSON.parse(readSafetensors(read(`models/${name}.safetensors`)).metadata.meta) as { keys: Array<[string, number[]]> }).keys.map(([k, s]) => [k, s] as const);
    const candidates = { 'vig-mini': mini('vig-mini'), 'vig-t': keysOf('vig-t'), 'vig-h-t': keysOf('vig-h-t'), 'litv2-s': keysOf('litv2-s') };
    expect(validateStateDict(ck.tensors, candidates['vig-mini']).ok).toBe(true);
    const best = bestMatch(ck.tensors, candidates)!;
    expect(best.variant).toBe('vig-mini');
    expect(best.score).toBe(1);
    // against ViG-T alone the report explains the mismatch and still points at the ViG family
    const { ['vig-mini']: _, ...full } = candidates;
    const r = validateStateDict(ck.tensors, candidates['vig-t']);
    expect(r.ok).toBe(false);
    expect(bestMatch(ck.tensors, full)!.variant).toBe('vig-t');
    expect(describeMismatch(r, 'vig-t', bestMatch(ck.tensors, candidates))).toMatch(/looks like vig-mini/);
  });
});
