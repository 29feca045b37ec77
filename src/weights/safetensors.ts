/**
 * safetensors reader: 8-byte little-endian header length, JSON header, raw little-endian data.
 * The layout is validated the way the format's reference reader does before anything is used:
 * the header starts with '{', holds no key twice, every shape is a list of safe non-negative
 * integers, and the tensors' `data_offsets`, sorted, tile the byte buffer exactly — no overlap,
 * no hole, nothing left over. Names from the file are only ever Map keys.
 */
export type DType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

export interface SafeTensor {
  dtype: DType;
  shape: number[];
  /** Values widened to float64 (I64 via Number; exact up to 2^53). */
  values(): Float64Array;
  /** The raw bytes of this tensor. */
  bytes: Uint8Array;
}

export interface SafetensorsFile {
  tensors: Map<string, SafeTensor>;
  /** `__metadata__` (string → string; a null-prototype object) */
  metadata: Record<string, string>;
}

const DTYPE_BYTES = new Map<DType, number>([
  ['F64', 8], ['F32', 4], ['F16', 2], ['BF16', 2], ['I64', 8], ['I32', 4], ['I16', 2], ['I8', 1], ['U8', 1], ['BOOL', 1],
]);

/** The one error every checkpoint refusal is: a plain-language message naming what is wrong with the file. */
export class CheckpointFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointFormatError';
  }
}

/** Max header we accept (the format's own reference implementation uses 100 MB). */
const MAX_HEADER = 100 * 1024 * 1024;
/** Most dimensions of one tensor. */
const MAX_DIMS = 64;

/** Whether the bytes start like a safetensors file (header length, then '{'); the reader checks the rest. */
export function isSafetensors(buf: Uint8Array): boolean {
  if (buf.length < 9) return false;
  const n = new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getBigUint64(0, true);
  return n >= 2n && n <= BigInt(MAX_HEADER) && buf[8] === 0x7b; // '{'
}

interface Entry {
  key: string;
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

export function readSafetensors(buf: Uint8Array, name = 'file'): SafetensorsFile {
  const fail = (msg: string): never => {
    throw new CheckpointFormatError(`${name}: ${msg}`);
  };
  if (buf.length < 8) fail(`too short to be a safetensors file (${buf.length} bytes)`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const n64 = dv.getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER)) fail(`safetensors header length ${n64} exceeds the format's ${MAX_HEADER}-byte limit (not safetensors?)`);
  const n = Number(n64);
  if (n + 8 > buf.length) fail(`safetensors header length ${n} does not fit the ${buf.length}-byte file (truncated or not safetensors)`);
  if (n < 2 || buf[8] !== 0x7b) fail('safetensors header does not start with \'{\'');
  let text: string;
  let header: unknown;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(8, 8 + n));
    header = JSON.parse(text);
  } catch {
    return fail('safetensors header is not valid JSON');
  }
  if (!isPlainObject(header)) return fail('safetensors header is not an object');
  const dup = firstDuplicateKey(text);
  if (dup !== null) fail(`safetensors header names ${JSON.stringify(dup)} twice`);
  const dataStart = 8 + n;
  const dataLen = buf.length - dataStart;
  const metadata: Record<string, string> = Object.create(null) as Record<string, string>;
  const entries: Entry[] = [];
  for (const [key, raw] of Object.entries(header)) {
    const what = `tensor ${JSON.stringify(key.length > 80 ? `${key.slice(0, 80)}…` : key)}`;
    if (key === '__metadata__') {
      if (!isPlainObject(raw)) fail('safetensors __metadata__ is not an object of strings');
      for (const [mk, mv] of Object.entries(raw as object)) {
        if (typeof mv !== 'string') fail(`safetensors __metadata__ entry ${JSON.stringify(mk)} is not a string`);
        metadata[mk] = mv as string;
      }
      continue;
    }
    if (!isPlainObject(raw)) fail(`${what} is not described by an object`);
    const info = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = typeof info.dtype === 'string' && DTYPE_BYTES.has(info.dtype as DType) ? (info.dtype as DType) : null;
    if (!dtype) return fail(`${what} has unsupported dtype ${typeof info.dtype === 'string' ? JSON.stringify(info.dtype.slice(0, 40)) : String(info.dtype)}`);
    const shape = info.shape;
    if (!Array.isArray(shape) || shape.length > MAX_DIMS || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      return fail(`${what} has an invalid shape (a list of at most ${MAX_DIMS} non-negative integers is required)`);
    }
    const offs = info.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o) && o >= 0)) fail(`${what} has invalid data_offsets`);
    const [begin, end] = offs as [number, number];
    if (end < begin || end > dataLen) fail(`${what} [${shape}] ${dtype} has byte range ${begin}..${end}, outside the ${dataLen}-byte data (truncated?)`);
    // its byte count, without overflow: the range already fits the file
    const eb = DTYPE_BYTES.get(dtype)!;
    let count = shape.includes(0) ? 0 : eb;
    for (const d of shape as number[]) if (count && (count *= d) > dataLen) break;
    if (count !== end - begin) fail(`${what} [${shape}] ${dtype} does not fit its byte range ${begin}..${end} of ${dataLen} (truncated?)`);
    entries.push({ key, dtype, shape: shape as number[], begin, end });
  }
  // The reference reader's rule: sorted by offset, each tensor starts where the previous one ends,
  // and the last ends at the end of the buffer.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let prev: Entry | null = null;
  for (const e of sorted) {
    if (e.begin !== at) {
      const q = (x: Entry) => JSON.stringify(x.key.slice(0, 80));
      if (e.begin < at) fail(`tensor ${q(e)} (bytes ${e.begin}..${e.end}) overlaps tensor ${q(prev!)} (bytes ${prev!.begin}..${prev!.end})`);
      fail(`the data has a hole: bytes ${at}..${e.begin} belong to no tensor (before ${q(e)})`);
    }
    at = e.end;
    prev = e;
  }
  if (at !== dataLen) fail(`the data holds ${dataLen - at} bytes after the last tensor (bytes ${at}..${dataLen} belong to no tensor)`);
  const tensors = new Map<string, SafeTensor>();
  for (const e of entries) {
    const bytes = buf.subarray(dataStart + e.begin, dataStart + e.end);
    const dtype = e.dtype;
    tensors.set(e.key, { dtype, shape: e.shape, bytes, values: () => decodeValues(bytes, dtype) });
  }
  return { tensors, metadata };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The first key that a JSON object's top level holds twice (JSON.parse silently keeps the last),
 * or null. `text` is valid JSON (already parsed); one linear pass, no recursion.
 */
export function firstDuplicateKey(text: string): string | null {
  const seen = new Set<string>();
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) { // '"': skip the whole string, keeping it when it is a top-level key
      let j = i + 1;
      while (text.charCodeAt(j) !== 0x22) j += text.charCodeAt(j) === 0x5c ? 2 : 1;
      if (depth === 1 && expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (seen.has(key)) return key;
        seen.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b || c === 0x5b) { // { [
      depth++;
      expectKey = depth === 1;
    } else if (c === 0x7d || c === 0x5d) depth--; // } ]
    else if (c === 0x2c && depth === 1) expectKey = true; // ,
  }
  return null;
}

export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Decode little-endian raw values of any supported dtype into float64. */
export function decodeValues(bytes: Uint8Array, dtype: DType): Float64Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.byteLength / DTYPE_BYTES.get(dtype)!;
  const out = new Float64Array(n);
  switch (dtype) {
    case 'F64': for (let i = 0; i < n; i++) out[i] = dv.getFloat64(i * 8, true); break;
    case 'F32':
      if (LITTLE_ENDIAN && bytes.byteOffset % 4 === 0) {
        // aligned view (torch aligns storages to 64 bytes): ~10× faster than DataView reads
        const f = new Float32Array(bytes.buffer, bytes.byteOffset, n);
        for (let i = 0; i < n; i++) out[i] = f[i];
      } else for (let i = 0; i < n; i++) out[i] = dv.getFloat32(i * 4, true);
      break;
    case 'F16': for (let i = 0; i < n; i++) out[i] = halfToFloat(dv.getUint16(i * 2, true)); break;
    case 'BF16': {
      const tmp = new DataView(new ArrayBuffer(4));
      for (let i = 0; i < n; i++) {
        tmp.setUint32(0, dv.getUint16(i * 2, true) << 16);
        out[i] = tmp.getFloat32(0);
      }
      break;
    }
    case 'I64': for (let i = 0; i < n; i++) out[i] = Number(dv.getBigInt64(i * 8, true)); break;
    case 'I32': for (let i = 0; i < n; i++) out[i] = dv.getInt32(i * 4, true); break;
    case 'I16': for (let i = 0; i < n; i++) out[i] = dv.getInt16(i * 2, true); break;
    case 'I8': for (let i = 0; i < n; i++) out[i] = dv.getInt8(i); break;
    case 'U8': case 'BOOL': for (let i = 0; i < n; i++) out[i] = bytes[i]; break;
  }
  return out;
}

export function dtypeBytes(dtype: DType): number {
  const b = DTYPE_BYTES.get(dtype);
  if (b === undefined) throw new CheckpointFormatError(`unsupported dtype ${String(dtype)}`);
  return b;
}
