/**
 * Byte-level builders for checkpoint tests: a tiny pickle writer, torch-style zip archives and
 * safetensors files, so hostile and edge-case files can be made exactly as wanted.
 */
import { zipSync } from 'fflate';

export const le32 = (n: number) => [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255];
export const f32 = (xs: number[]) => new Uint8Array(Float32Array.from(xs).buffer);

/** A protocol-2 pickle, opcode by opcode. */
export class P {
  b: number[] = [0x80, 2];
  op(...x: number[]) {
    for (const v of x) this.b.push(v);
    return this;
  }
  str(s: string) {
    const u = new TextEncoder().encode(s);
    this.op(0x58, ...le32(u.length));
    for (const v of u) this.b.push(v);
    return this;
  }
  int(n: number) {
    if (n >= 0 && n < 256) return this.op(0x4b, n);
    if (n >= 0 && n < 2 ** 31) return this.op(0x4a, ...le32(n));
    const b: number[] = []; // LONG1: little-endian two's complement
    for (let v = BigInt(n); v > 0n; v >>= 8n) b.push(Number(v & 255n));
    if (b[b.length - 1] & 0x80) b.push(0);
    return this.op(0x8a, b.length, ...b);
  }
  global(m: string, n: string) {
    return this.op(0x63, ...new TextEncoder().encode(`${m}\n${n}\n`));
  }
  tuple(items: number[]) {
    this.op(0x28);
    for (const i of items) this.int(i);
    return this.op(0x74);
  }
  /** _rebuild_tensor_v2(('storage', <torch.storage>, key, 'cpu', numel), offset, size, stride, False, OrderedDict()) */
  tensor(key: string, numel: number, offset: number, size: number[], stride: number[], storage = 'FloatStorage', storageModule = 'torch') {
    this.global('torch._utils', '_rebuild_tensor_v2').op(0x28);
    this.op(0x28).str('storage').global(storageModule, storage).str(key).str('cpu').int(numel).op(0x74, 0x51);
    this.int(offset).tuple(size).tuple(stride).op(0x89).global('collections', 'OrderedDict').op(0x29, 0x52);
    return this.op(0x74, 0x52);
  }
  bytes() {
    return new Uint8Array(this.b);
  }
  done() {
    return new Uint8Array([...this.b, 0x2e]);
  }
}

/** A torch.save-style zip: arch/data.pkl, arch/byteorder, arch/data/<key> (stored, or deflated with level 6). */
export function torchZip(pkl: Uint8Array, storages: Record<string, Uint8Array>, level: 0 | 6 = 0): Uint8Array {
  const files: Record<string, [Uint8Array, { level: 0 | 6 }]> = { 'arch/data.pkl': [pkl, { level }], 'arch/byteorder': [new TextEncoder().encode('little'), { level }] };
  for (const [k, v] of Object.entries(storages)) files[`arch/data/${k}`] = [v, { level }];
  return zipSync(files);
}

/** A bare state_dict {key: F32 tensor} as a torch zip, one storage per tensor. */
export function stateDictZip(tensors: Array<[string, number[]]>, level: 0 | 6 = 0): Uint8Array {
  const p = new P().op(0x7d, 0x28);
  const storages: Record<string, Uint8Array> = {};
  tensors.forEach(([k, shape], i) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const stride = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
    p.str(k).tensor(String(i), n, 0, shape, stride);
    storages[String(i)] = f32(Array.from({ length: n }, (_, j) => j / 8));
  });
  return torchZip(p.op(0x75).done(), storages, level);
}

export interface StEntry {
  dtype: unknown;
  shape: unknown;
  data_offsets: unknown;
}

/** A safetensors file from a header given as raw JSON text (duplicates and odd numbers possible) and a data length. */
export function safetensorsRaw(headerJson: string, dataLen: number, fill = 0): Uint8Array {
  const h = new TextEncoder().encode(headerJson);
  const out = new Uint8Array(8 + h.length + dataLen).fill(fill, 8 + h.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  return out;
}

/** A well-formed safetensors file of F32 tensors laid out back to back (any key, `__proto__` included). */
export function safetensorsOf(tensors: Array<[string, number[]]>): Uint8Array {
  const parts: string[] = [];
  let at = 0;
  for (const [k, shape] of tensors) {
    const n = shape.reduce((a, b) => a * b, 1) * 4;
    parts.push(`${JSON.stringify(k)}:${JSON.stringify({ dtype: 'F32', shape, data_offsets: [at, at + n] })}`);
    at += n;
  }
  return safetensorsRaw(`{${parts.join(',')}}`, at);
}

/**
 * A raw DEFLATE stream (one fixed-Huffman block) that inflates to `size` zero bytes at about 158:1
 * — a zip bomb built in milliseconds (compressing that many zeros would take seconds).
 */
export function deflateBomb(size: number): Uint8Array {
  const out = new Uint8Array(Math.ceil(((size / 258) * 13 + 64) / 8) + 16 + 258);
  let bit = 0;
  const bits = (v: number, n: number) => { // LSB first (header fields, extra bits)
    for (let i = 0; i < n; i++, bit++) if ((v >>> i) & 1) out[bit >>> 3] |= 1 << (bit & 7);
  };
  const code = (c: number, n: number) => { // Huffman codes go MSB first
    for (let i = n - 1; i >= 0; i--, bit++) if ((c >>> i) & 1) out[bit >>> 3] |= 1 << (bit & 7);
  };
  bits(1, 1); // BFINAL
  bits(1, 2); // BTYPE 01: fixed Huffman
  code(0x30, 8); // literal 0
  let left = size - 1;
  for (; left >= 258; left -= 258) {
    code(0xc5, 8); // length 258 (code 285)
    code(0, 5); // distance 1
  }
  for (; left > 0; left--) code(0x30, 8);
  code(0, 7); // end of block
  return out.subarray(0, (bit + 7) >>> 3);
}

/** Central-directory records of a well-formed zip, to rewrite them (trusted input only). */
export function zipRecords(buf: Uint8Array): { cdOffset: number; records: Uint8Array[]; eocd: number } {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let eocd = buf.length - 22;
  while (dv.getUint32(eocd, true) !== 0x06054b50) eocd--;
  const count = dv.getUint16(eocd + 10, true);
  const cdOffset = dv.getUint32(eocd + 16, true);
  const records: Uint8Array[] = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    const len = 46 + dv.getUint16(p + 28, true) + dv.getUint16(p + 30, true) + dv.getUint16(p + 32, true);
    records.push(buf.slice(p, p + len));
    p += len;
  }
  return { cdOffset, records, eocd };
}

/** The zip's data part followed by a new central directory of `records` and a matching end record. */
export function withDirectory(buf: Uint8Array, records: Uint8Array[]): Uint8Array {
  const { cdOffset } = zipRecords(buf);
  const size = records.reduce((a, r) => a + r.length, 0);
  const out = new Uint8Array(cdOffset + size + 22);
  out.set(buf.subarray(0, cdOffset));
  let p = cdOffset;
  for (const r of records) {
    out.set(r, p);
    p += r.length;
  }
  const dv = new DataView(out.buffer);
  dv.setUint32(p, 0x06054b50, true);
  dv.setUint16(p + 8, records.length, true);
  dv.setUint16(p + 10, records.length, true);
  dv.setUint32(p + 12, size, true);
  dv.setUint32(p + 16, cdOffset, true);
  return out;
}

/** A central-directory record with a ZIP64 extra field: the chosen 32-bit slots set to 0xFFFFFFFF, `values` in the field, `declared` as its length. */
export function zip64Record(rec: Uint8Array, slots: Array<'usize' | 'csize' | 'local'>, values: bigint[], declared = values.length * 8): Uint8Array {
  const dv0 = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
  const nameLen = dv0.getUint16(28, true);
  const extra = new Uint8Array(4 + values.length * 8);
  const xv = new DataView(extra.buffer);
  xv.setUint16(0, 1, true);
  xv.setUint16(2, declared, true);
  values.forEach((v, i) => xv.setBigUint64(4 + 8 * i, v, true));
  const out = new Uint8Array(46 + nameLen + extra.length);
  out.set(rec.subarray(0, 46 + nameLen));
  out.set(extra, 46 + nameLen);
  const dv = new DataView(out.buffer);
  dv.setUint16(30, extra.length, true);
  dv.setUint16(32, 0, true);
  for (const s of slots) dv.setUint32(s === 'usize' ? 24 : s === 'csize' ? 20 : 42, 0xffffffff, true);
  return out;
}
