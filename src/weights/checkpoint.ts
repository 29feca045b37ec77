/**
 * One entry point for every checkpoint file a user can bring: the torch zip `.pth` (torch ≥ 1.6),
 * the legacy non-zip `torch.save` stream, and `.safetensors`. Whatever the container, the result
 * is the model's state_dict as lazily decoded tensors, the top-level entries that were skipped
 * (optimizer, scheduler, config objects…) and notes for the UI. Every size, offset, stride and CRC
 * is checked before anything is returned, so a load either succeeds completely or throws a
 * CheckpointFormatError that says what is wrong with the file; nothing is ever executed.
 * Hostile files are bounded: pickles go through an allow-list of globals (unpickler.ts), deflated
 * zip entries inflate only up to what the tensors referencing them can need (zip.ts), walks over
 * loaded objects are iterative, and names from the file are only ever Map keys.
 */
import { CheckpointFormatError, decodeValues, dtypeBytes, isSafetensors, readSafetensors, type DType } from './safetensors';
import { isTensorRef, describe, unpickle, PyObject, RefusedGlobalError, type StorageRef, type TensorRef, type UnpickleResult } from './unpickler';
import { looksLikeZip, ZipArchive } from './zip';

export interface LoadedTensor {
  dtype: DType;
  shape: number[];
  numel: number;
  /** row-major contiguous float64 copy (views with offsets/strides are gathered) */
  values(): Float64Array;
}

export interface LoadedCheckpoint {
  tensors: Map<string, LoadedTensor>;
  /** top-level entries and state_dict entries that are not model tensors */
  skipped: string[];
  format: 'torch-zip' | 'torch-legacy' | 'safetensors';
  notes: string[];
}

export interface LoadOptions {
  /** verify the zip CRC of every storage read (default true; one pass over the bytes) */
  verifyCrc?: boolean;
  /** largest element count accepted for one tensor (default 2^28) */
  maxTensorElements?: number;
}

/** Largest data.pkl we inflate (a real one is well under 1 MB, even with optimizer state). */
const MAX_PICKLE_BYTES = 64 << 20;

/** Keys under which training scripts nest the model's state_dict, in the order we look. */
const STATE_DICT_KEYS = ['model', 'state_dict', 'model_state_dict'];

/** torch.serialization.MAGIC_NUMBER of the legacy (non-zip) format. */
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

export function loadCheckpoint(bytes: Uint8Array, name: string, opts: LoadOptions = {}): LoadedCheckpoint {
  if (bytes.length === 0) throw new CheckpointFormatError(`${name}: the file is empty (0 bytes)`);
  if (looksLikeZip(bytes)) return loadTorchZip(bytes, name, opts);
  if (isSafetensors(bytes)) return loadSafetensors(bytes, name);
  if (bytes[0] === 0x80 && bytes.length > 1 && bytes[1] >= 2 && bytes[1] <= 5) return loadTorchLegacy(bytes, name, opts);
  throw new CheckpointFormatError(`${name}: not a PyTorch checkpoint or safetensors file (${whatIsIt(bytes)})`);
}

/** A human description of bytes that are no checkpoint, to explain what the user actually has. */
function whatIsIt(b: Uint8Array): string {
  const starts = (...sig: number[]) => sig.every((v, i) => b[i] === v);
  if (starts(0x89, 0x50, 0x4e, 0x47)) return 'it is a PNG image';
  if (starts(0xff, 0xd8, 0xff)) return 'it is a JPEG image';
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'it is a GIF image';
  if (starts(0x1f, 0x8b)) return 'it is gzip-compressed; decompress it first';
  if (starts(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59)) return 'it is a NumPy .npy array';
  if (b.length > 262 && new TextDecoder('latin1').decode(b.subarray(257, 262)) === 'ustar') {
    return 'it is a tar archive: the pre-1.0 torch.save tar format is not supported; re-save it with a current PyTorch';
  }
  const head = new TextDecoder('utf-8', { fatal: false }).decode(b.subarray(0, 512));
  if (/^\s*<(!doctype html|html|\?xml)/i.test(head)) return 'it is an HTML/XML page — a download link that returned a web page instead of the file?';
  if (head.startsWith('version https://git-lfs')) return 'it is a Git LFS pointer, not the file it points to';
  if (b[0] === 0x80) return `it starts like a pickle with unsupported protocol ${b[1]}`;
  const printable = b.subarray(0, 512).every((c) => c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127) || c >= 128);
  if (printable) return `it is a text file starting "${head.slice(0, 40).replace(/\s+/g, ' ')}"`;
  const hex = [...b.subarray(0, 8)].map((c) => c.toString(16).padStart(2, '0')).join(' ');
  return `unrecognised content starting with bytes ${hex}`;
}

function loadSafetensors(bytes: Uint8Array, name: string): LoadedCheckpoint {
  const st = readSafetensors(bytes, name);
  const tensors = new Map<string, LoadedTensor>();
  for (const [k, t] of st.tensors) tensors.set(k, { dtype: t.dtype, shape: t.shape, numel: product(t.shape), values: t.values });
  return finish({ tensors, skipped: [], format: 'safetensors', notes: [] });
}

// ---------------------------------------------------------------------------------------------
// torch zip (PyTorch ≥ 1.6): <archive>/data.pkl + <archive>/data/<storage key> (+ byteorder)

function loadTorchZip(bytes: Uint8Array, name: string, opts: LoadOptions): LoadedCheckpoint {
  const zip = new ZipArchive(bytes, name);
  const pkl = [...zip.entries.keys()].find((k) => /^([^/]*\/)?data\.pkl$/.test(k));
  if (!pkl) throw new CheckpointFormatError(`${name}: a zip archive, but not a PyTorch checkpoint (no data.pkl entry)`);
  const prefix = pkl.slice(0, -'data.pkl'.length);
  if ([...zip.entries.keys()].some((k) => k.startsWith(`${prefix}code/`))) {
    throw new CheckpointFormatError(`${name}: a TorchScript archive (torch.jit.save), not a state_dict; export the weights with torch.save(model.state_dict())`);
  }
  const verifyCrc = opts.verifyCrc ?? true;
  const order = zip.entries.has(`${prefix}byteorder`) ? new TextDecoder().decode(zip.read(`${prefix}byteorder`, { verifyCrc, maxBytes: 64 })).trim() : 'little';
  if (order !== 'little') throw new CheckpointFormatError(`${name}: saved on a ${order.slice(0, 20)}-endian machine; only little-endian checkpoints are supported`);
  const res = unpickle(zip.read(`${prefix}data.pkl`, { verifyCrc, maxBytes: MAX_PICKLE_BYTES }), 0, { label: `${name} (data.pkl)` });
  const storage = (ref: StorageRef, maxBytes: number): Uint8Array => {
    const entry = `${prefix}data/${ref.key}`;
    if (!zip.entries.has(entry)) throw new CheckpointFormatError(`${name}: storage '${ref.key}' is missing from the archive (truncated or corrupt)`);
    return zip.read(entry, { verifyCrc, maxBytes });
  };
  return build(res, storage, name, 'torch-zip', opts);
}

// ---------------------------------------------------------------------------------------------
// Legacy torch.save stream (before 1.6, or _use_new_zipfile_serialization=False):
// pickle(MAGIC) pickle(protocol) pickle(sys_info) pickle(obj) pickle(sorted storage keys),
// then per key: int64 element count, raw little-endian elements.

function loadTorchLegacy(bytes: Uint8Array, name: string, opts: LoadOptions): LoadedCheckpoint {
  const label = `${name} (legacy torch.save format)`;
  let magic: UnpickleResult;
  try {
    magic = unpickle(bytes, 0, { label });
  } catch (e) {
    if (e instanceof RefusedGlobalError) throw e;
    throw new CheckpointFormatError(`${name}: not a PyTorch checkpoint or safetensors file (it starts like a pickle but does not parse: ${(e as Error).message})`);
  }
  if (magic.value !== LEGACY_MAGIC) {
    throw new CheckpointFormatError(`${name}: a plain Python pickle, not a torch.save file (no legacy torch magic number); not a PyTorch checkpoint or safetensors file`);
  }
  const proto = unpickle(bytes, magic.end, { label });
  if (proto.value !== 1001) throw new CheckpointFormatError(`${label}: unsupported legacy protocol version ${String(proto.value)}`);
  const sys = unpickle(bytes, proto.end, { label });
  if (sys.value instanceof Map && sys.value.get('little_endian') === false) {
    throw new CheckpointFormatError(`${label}: saved on a big-endian machine; only little-endian checkpoints are supported`);
  }
  const main = unpickle(bytes, sys.end, { label });
  const keysRes = unpickle(bytes, main.end, { label });
  const keys = keysRes.value;
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) throw new CheckpointFormatError(`${label}: the storage key list is missing or corrupt`);
  // Element sizes come from the storage classes the object pickle named.
  const dtypeOf = new Map<string, DType>();
  collectStorages(main.value, (r) => dtypeOf.set(r.view?.key ?? r.key, r.dtype));
  const data = new Map<string, Uint8Array>();
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = keysRes.end;
  for (const key of keys as string[]) {
    const dt = dtypeOf.get(key);
    if (!dt) throw new CheckpointFormatError(`${label}: storage '${key}' is listed but no tensor names its type`);
    if (pos + 8 > bytes.length) throw new CheckpointFormatError(`${label}: truncated: storage '${key}' is missing`);
    const n = dv.getBigInt64(pos, true);
    const nbytes = Number(n) * dtypeBytes(dt);
    if (n < 0n || pos + 8 + nbytes > bytes.length) {
      throw new CheckpointFormatError(`${label}: storage '${key}' declares ${n} elements (${nbytes} bytes), past the end of the ${bytes.length}-byte file (truncated?)`);
    }
    data.set(key, bytes.subarray(pos + 8, pos + 8 + nbytes));
    pos += 8 + nbytes;
  }
  const storage = (ref: StorageRef): Uint8Array => {
    const d = data.get(ref.key);
    if (!d) throw new CheckpointFormatError(`${label}: storage '${ref.key}' is not in the file`);
    return d;
  };
  const out = build(main, storage, name, 'torch-legacy', opts);
  out.notes.unshift('legacy (non-zip) torch.save format');
  return out;
}

// ---------------------------------------------------------------------------------------------

/** Bytes of one storage, inflated to at most `maxBytes` (what the tensors referencing it can need). */
type StorageReader = (ref: StorageRef, maxBytes: number) => Uint8Array;

function build(res: UnpickleResult, storageBytes: StorageReader, name: string, format: LoadedCheckpoint['format'], opts: LoadOptions): LoadedCheckpoint {
  const notes: string[] = [];
  if (res.placeholders.length) notes.push(`configuration objects kept as inert data: ${res.placeholders.join(', ')}`);
  const { sd, skipped, where } = pickStateDict(res.value, name);
  if (where) notes.push(`state_dict taken from the '${where}' entry`);
  const maxEl = opts.maxTensorElements ?? 2 ** 28;
  // 1. Every tensor's geometry against its storage's declared size, before any byte is read.
  const refs: Array<[string, TensorRef]> = [];
  const need = new Map<string, number>();
  for (const [k, v] of sd) {
    if (!isTensorRef(v)) {
      skipped.push(`${where ? `${where}.` : ''}${keyName(k)}`);
      continue;
    }
    if (typeof k !== 'string') throw new CheckpointFormatError(`${name}: a tensor is stored under the non-string key ${describe(k)}`);
    const s = v.storage;
    const rootKey = s.view?.key ?? s.key;
    const bytes = checkGeometry(v, `${name}: tensor '${short(k)}'`, maxEl);
    need.set(rootKey, Math.max(need.get(rootKey) ?? 0, bytes));
    refs.push([k, v]);
  }
  if (!refs.length) throw new CheckpointFormatError(`${name}: the checkpoint holds no tensors`);
  // 2. Each storage read once, bounded by what its tensors declared; then each tensor against the bytes it got.
  const cache = new Map<string, Uint8Array>();
  const tensors = new Map<string, LoadedTensor>();
  for (const [key, v] of refs) {
    const s = v.storage;
    const rootKey = s.view?.key ?? s.key;
    let raw = cache.get(rootKey);
    if (!raw) {
      raw = storageBytes(s.view ? { ...s, key: rootKey } : s, need.get(rootKey)!);
      cache.set(rootKey, raw);
    }
    tensors.set(key, resolveTensor(v, raw, `${name}: tensor '${short(key)}'`));
  }
  return finish(stripModulePrefix({ tensors, skipped, format, notes }));
}

/** A dict key for messages: strings as they are, anything else described (never String(), which recurses into nested tuples). */
function keyName(k: unknown): string {
  return typeof k === 'string' ? short(k) : describe(k);
}

/** A name from the file, cut for a message. */
function short(s: string, max = 120): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/** Finds the state_dict: `{'model': sd, …}`, `{'state_dict': sd, …}` or a bare dict of tensors. */
function pickStateDict(root: unknown, name: string): { sd: Map<unknown, unknown>; skipped: string[]; where: string | null } {
  if (root instanceof PyObject) {
    throw new CheckpointFormatError(`${name}: the file pickles a whole ${root.cls} object, not a state_dict; re-save it with torch.save(model.state_dict(), …)`);
  }
  if (!(root instanceof Map)) throw new CheckpointFormatError(`${name}: the checkpoint holds ${describe(root)}, not a state_dict`);
  for (const k of STATE_DICT_KEYS) {
    const v = root.get(k);
    if (v instanceof Map && countTensors(v) > 0) {
      return { sd: v, where: k, skipped: [...root.keys()].filter((x) => x !== k).map(keyName) };
    }
  }
  if (countTensors(root) > 0) return { sd: root, where: null, skipped: [] };
  const keys = [...root.keys()].slice(0, 12).map(keyName).join(', ');
  const whole = [...root.values()].find((v) => v instanceof PyObject) as PyObject | undefined;
  const hint = whole ? ` (entries such as ${whole.cls} are pickled objects, not state_dicts)` : '';
  throw new CheckpointFormatError(`${name}: no state_dict of tensors found; top-level keys: ${keys || '(none)'}${hint}`);
}

function countTensors(m: Map<unknown, unknown>): number {
  let n = 0;
  for (const v of m.values()) if (isTensorRef(v)) n++;
  return n;
}

/** Visits every StorageRef reachable from a value (bounded walk, shared objects once). */
function collectStorages(root: unknown, visit: (r: StorageRef) => void): void {
  const seen = new Set<unknown>();
  const todo: unknown[] = [root];
  let budget = 50_000_000;
  while (todo.length) {
    const v = todo.pop();
    if (--budget < 0) throw new CheckpointFormatError('pickle object graph is too large');
    if (typeof v !== 'object' || v === null || seen.has(v)) continue;
    seen.add(v);
    // one push per element: spreading a million-element list into push() overflows the stack
    if (isTensorRef(v)) visit(v.storage);
    else if ((v as StorageRef).kind === 'storage') visit(v as StorageRef);
    else if (Array.isArray(v)) for (const x of v) todo.push(x);
    else if (v instanceof Map) for (const [a, b] of v) todo.push(a, b);
    else if (v instanceof Set) for (const x of v) todo.push(x);
    else if (v instanceof PyObject) {
      todo.push(v.state);
      for (const x of v.args) todo.push(x);
      for (const x of v.items.values()) todo.push(x);
      for (const x of v.list) todo.push(x);
    }
  }
}

/** Elements of a shape, or Infinity past `limit` (no overflow, a zero dimension wins). */
function countElements(shape: readonly number[], limit: number): number {
  if (shape.includes(0)) return 0;
  let n = 1;
  for (const d of shape) if ((n *= d) > limit) return Infinity;
  return n;
}

/** Where a tensor starts and the last element it reaches, in elements of its dtype from the root storage's start. */
function span(t: TensorRef): { base: number; last: number } {
  const base = t.offset + (t.storage.view?.offset ?? 0);
  let last = base;
  for (let i = 0; i < t.shape.length; i++) last += (t.shape[i] - 1) * t.stride[i];
  return { base, last };
}

/**
 * Checks a tensor against what its storage declares, before a byte is read; returns the bytes
 * the root storage must then hold (what the inflater may produce for it, and no more).
 */
function checkGeometry(t: TensorRef, what: string, maxEl: number): number {
  const numel = countElements(t.shape, maxEl);
  if (numel > maxEl) throw new CheckpointFormatError(`${what} declares ${t.shape.reduce((a, b) => a * b, 1)} elements [${t.shape}] (limit ${maxEl})`);
  const s = t.storage;
  const declared = s.view ? (s.view.offset + s.view.size) * dtypeBytes(s.dtype) : s.numel * dtypeBytes(s.dtype);
  if (!Number.isSafeInteger(declared)) throw new CheckpointFormatError(`${what}: storage '${s.key}' declares an impossible size`);
  if (numel > 0) {
    const { last } = span(t);
    const limit = s.view ? s.view.offset + s.view.size : Math.floor(declared / dtypeBytes(t.dtype));
    if (!(last < limit)) {
      throw new CheckpointFormatError(`${what} [${t.shape}] (offset ${t.offset}, strides ${t.stride}) reaches element ${last} of a ${limit}-element storage (truncated or corrupt)`);
    }
  }
  return declared;
}

/** A tensor whose geometry passed checkGeometry, against the bytes its root storage really holds. */
function resolveTensor(t: TensorRef, raw: Uint8Array, what: string): LoadedTensor {
  const eb = dtypeBytes(t.dtype);
  const s = t.storage;
  const declared = s.view ? (s.view.offset + s.view.size) * dtypeBytes(s.dtype) : s.numel * dtypeBytes(s.dtype);
  if (declared > raw.byteLength) {
    const el = s.view ? `a view up to element ${s.view.offset + s.view.size}` : `${s.numel} elements`;
    throw new CheckpointFormatError(`${what}: storage '${s.key}' declares ${el} (${declared} bytes) but holds ${raw.byteLength} bytes (truncated or corrupt)`);
  }
  const shape = t.shape;
  const numel = countElements(shape, Infinity);
  const { base, last } = span(t);
  const contiguous = isContiguous(shape, t.stride);
  const dtype = t.dtype;
  const stride = t.stride;
  return {
    dtype,
    shape: [...shape],
    numel,
    values(): Float64Array {
      if (contiguous || numel <= 1) return decodeValues(raw.subarray(base * eb, (base + numel) * eb), dtype);
      // Gather a strided view: decode the span it covers once, then pick in row-major order.
      const span = decodeValues(raw.subarray(base * eb, (last + 1) * eb), dtype);
      const out = new Float64Array(numel);
      const idx = new Array<number>(shape.length).fill(0);
      let src = 0;
      for (let o = 0; o < numel; o++) {
        out[o] = span[src];
        for (let d = shape.length - 1; d >= 0; d--) {
          idx[d]++;
          src += stride[d];
          if (idx[d] < shape[d]) break;
          src -= stride[d] * shape[d];
          idx[d] = 0;
        }
      }
      return out;
    },
  };
}

function isContiguous(shape: number[], stride: number[]): boolean {
  let expect = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && stride[i] !== expect) return false;
    expect *= shape[i];
  }
  return true;
}

/** DataParallel checkpoints prefix every key with 'module.'. */
function stripModulePrefix(c: LoadedCheckpoint): LoadedCheckpoint {
  const keys = [...c.tensors.keys()];
  if (!keys.length || !keys.every((k) => k.startsWith('module.'))) return c;
  c.tensors = new Map([...c.tensors].map(([k, v]) => [k.slice(7), v]));
  c.notes.push("removed the DataParallel 'module.' prefix from every key");
  return c;
}

function finish(c: LoadedCheckpoint): LoadedCheckpoint {
  const counts = new Map<string, number>();
  for (const t of c.tensors.values()) counts.set(t.dtype, (counts.get(t.dtype) ?? 0) + 1);
  c.notes.push(`${c.tensors.size} tensors (${[...counts].map(([d, n]) => `${n} ${d}`).join(', ')})`);
  if (c.skipped.length) c.notes.push(`skipped: ${c.skipped.slice(0, 20).join(', ')}${c.skipped.length > 20 ? `, … (${c.skipped.length} in all)` : ''}`);
  return c;
}

function product(s: readonly number[]): number {
  let n = 1;
  for (const v of s) n *= v;
  return n;
}
