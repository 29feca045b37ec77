/**
 * Reader for the zip container of `torch.save` (PyTorch ≥ 1.6).
 *
 * torch writes every entry STORED (uncompressed, 64-byte aligned), so the fastest and leanest way
 * to read a 300 MB checkpoint is to hand out `subarray` views of the bytes we already hold: no copy,
 * no second buffer. fflate's `unzipSync` copies every stored entry (`new Uint8Array(subarray)`)
 * and trusts the central directory's sizes and offsets, so the directory is walked here with
 * every field bounds-checked, and fflate is used only where it is needed: to inflate DEFLATE
 * entries (zip files re-packed by other tools). ZIP64 records (archives or entries ≥ 4 GiB) are
 * understood.
 *
 * Hostile archives: every record must lie where the format puts it (entries, then the central
 * directory, then the end records; extra fields inside their entry; no two entries overlapping
 * or sharing a name) or the archive is refused with a message — never a RangeError. Inflating is
 * budgeted: the caller says how many bytes an entry may hold (what the tensors referencing it
 * can need), the archive caps the total (a multiple of its own size, at most 1 GiB), and the
 * stream is cut the moment it passes either — a zip bomb costs a few milliseconds.
 */
import { Inflate } from 'fflate';
import { CheckpointFormatError } from './safetensors';

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflate */
  method: number;
  compressedSize: number;
  size: number;
  crc32: number;
  /** where the entry's local header starts */
  headerOffset: number;
  /** where the entry's (possibly compressed) data starts in the archive */
  dataOffset: number;
}

export interface ZipLimits {
  /** most entries in the central directory */
  maxEntries: number;
  /** most bytes inflated from DEFLATE entries of one archive, whatever its size */
  maxInflatedTotal: number;
  /** and at most this many times the archive's own size (plus `inflateSlack`) */
  maxInflateRatio: number;
  inflateSlack: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = { maxEntries: 100_000, maxInflatedTotal: 1 << 30, maxInflateRatio: 16, inflateSlack: 16 << 20 };

export interface ZipReadOptions {
  /** verify the entry's CRC-32 (default true) */
  verifyCrc?: boolean;
  /** most bytes this entry may hold once inflated (what its readers can need) */
  maxBytes?: number;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_EOCD64_LOCATOR = 0x07064b50;
const SIG_EOCD64 = 0x06064b50;
/** compressed bytes handed to the inflater at a time: DEFLATE expands ≤ 1032×, so one push yields ≤ 4 MiB */
const INFLATE_CHUNK = 4096;

export function looksLikeZip(buf: Uint8Array): boolean {
  return buf.length >= 4 && buf[0] === 0x50 && buf[1] === 0x4b && (buf[2] === 3 || buf[2] === 5) && (buf[3] === 4 || buf[3] === 6);
}

export class ZipArchive {
  readonly entries = new Map<string, ZipEntry>();
  private readonly buf: Uint8Array;
  private readonly label: string;
  private readonly limits: ZipLimits;
  /** DEFLATE bytes produced so far, against `inflateBudget` */
  private inflated = 0;
  readonly inflateBudget: number;

  constructor(buf: Uint8Array, label = 'file', limits: Partial<ZipLimits> = {}) {
    this.buf = buf;
    this.label = label;
    this.limits = { ...DEFAULT_ZIP_LIMITS, ...limits };
    this.inflateBudget = Math.min(this.limits.maxInflatedTotal, this.limits.inflateSlack + this.limits.maxInflateRatio * buf.length);
    this.readDirectory();
  }

  /** DEFLATE bytes inflated so far by this archive. */
  get inflatedBytes(): number {
    return this.inflated;
  }

  private fail(msg: string): never {
    throw new CheckpointFormatError(`${this.label}: ${msg}`);
  }

  private readDirectory(): void {
    const buf = this.buf;
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const corrupt = (what: string): never => this.fail(`corrupt zip archive: ${what}`);
    // The end-of-central-directory record sits in the last 22 + 65535 (comment) bytes.
    let eocd = -1;
    for (let p = buf.length - 22; p >= 0 && p >= buf.length - 22 - 0xffff; p--) {
      if (dv.getUint32(p, true) === SIG_EOCD) { eocd = p; break; }
    }
    if (eocd < 0) {
      this.fail(`truncated or corrupt zip archive: no end-of-central-directory record in the last bytes of the ${buf.length}-byte file (an incomplete download?)`);
    }
    let count = dv.getUint16(eocd + 10, true);
    let cdSize = dv.getUint32(eocd + 12, true);
    let cdOffset = dv.getUint32(eocd + 16, true);
    let disks = dv.getUint16(eocd + 4, true) | dv.getUint16(eocd + 6, true);
    if (eocd + 22 + dv.getUint16(eocd + 20, true) > buf.length) this.fail('truncated or corrupt zip archive: the end record\'s comment runs past the end of the file');
    /** where the central directory must end: the first end record */
    let cdLimit = eocd;
    if (eocd >= 20 && dv.getUint32(eocd - 20, true) === SIG_EOCD64_LOCATOR) {
      const z = num64(dv, eocd - 12);
      if (z + 56 > eocd - 20 || dv.getUint32(z, true) !== SIG_EOCD64) corrupt('bad ZIP64 end-of-central-directory record');
      disks = dv.getUint32(z + 16, true) | dv.getUint32(z + 20, true);
      count = num64(dv, z + 32);
      cdSize = num64(dv, z + 40);
      cdOffset = num64(dv, z + 48);
      cdLimit = z;
    }
    if (disks !== 0) this.fail('a multi-part (split) zip archive; join the parts into one file first');
    if (count > this.limits.maxEntries) this.fail(`zip archive declares ${count} entries (limit ${this.limits.maxEntries})`);
    if (cdOffset + cdSize > cdLimit) {
      this.fail(`truncated or corrupt zip archive: the central directory (${cdOffset}+${cdSize}) does not end before the end record at ${cdLimit}`);
    }
    if (count * 46 > cdSize) corrupt(`${count} entries cannot fit a ${cdSize}-byte central directory`);
    const cdEnd = cdOffset + cdSize;
    let p = cdOffset;
    const dec = new TextDecoder('utf-8', { fatal: false });
    for (let i = 0; i < count; i++) {
      if (p + 46 > cdEnd || dv.getUint32(p, true) !== SIG_CENTRAL) corrupt(`central directory entry ${i} is damaged`);
      const flags = dv.getUint16(p + 8, true);
      const method = dv.getUint16(p + 10, true);
      const crc32 = dv.getUint32(p + 16, true);
      let csize = dv.getUint32(p + 20, true);
      let usize = dv.getUint32(p + 24, true);
      const nameLen = dv.getUint16(p + 28, true);
      const extraLen = dv.getUint16(p + 30, true);
      const commentLen = dv.getUint16(p + 32, true);
      let local = dv.getUint32(p + 42, true);
      const end = p + 46 + nameLen + extraLen + commentLen;
      if (end > cdEnd) corrupt(`central directory entry ${i} runs past the central directory`);
      const name = dec.decode(buf.subarray(p + 46, p + 46 + nameLen));
      const shown = JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name);
      if (flags & 1) this.fail(`zip entry ${shown} is encrypted`);
      // Extra fields, each inside the entry's extra area. ZIP64 (0x0001) holds 64-bit values for
      // exactly the fields whose 32-bit slot is 0xFFFFFFFF, in this order.
      const x1 = p + 46 + nameLen + extraLen;
      for (let e = p + 46 + nameLen; e < x1;) {
        if (e + 4 > x1) corrupt(`a truncated extra field in entry ${shown}`);
        const id = dv.getUint16(e, true);
        const len = dv.getUint16(e + 2, true);
        const fieldEnd = e + 4 + len;
        if (fieldEnd > x1) corrupt(`the extra field 0x${id.toString(16)} of entry ${shown} declares ${len} bytes, more than the entry holds`);
        if (id === 0x0001) {
          let q = e + 4;
          const take = () => {
            if (q + 8 > fieldEnd) corrupt(`the ZIP64 field of entry ${shown} is shorter (${len} bytes) than the values it must hold`);
            const v = num64(dv, q);
            q += 8;
            return v;
          };
          if (usize === 0xffffffff) usize = take();
          if (csize === 0xffffffff) csize = take();
          if (local === 0xffffffff) local = take();
        }
        e = fieldEnd;
      }
      if (this.entries.has(name)) corrupt(`two entries are named ${shown}`);
      if (local + 30 > cdOffset || dv.getUint32(local, true) !== SIG_LOCAL) {
        this.fail(`truncated or corrupt zip archive: the local header of ${shown} is missing (offset ${local})`);
      }
      const dataOffset = local + 30 + dv.getUint16(local + 26, true) + dv.getUint16(local + 28, true);
      if (dataOffset + csize > cdOffset) {
        this.fail(`truncated or corrupt zip archive: entry ${shown} declares ${csize} bytes at offset ${dataOffset}, past the end of the data (${cdOffset} bytes; a ${buf.length}-byte file)`);
      }
      if (method !== 0 && method !== 8) this.fail(`zip entry ${shown} uses unsupported compression method ${method}`);
      if (method === 0 && csize !== usize) corrupt(`stored entry ${shown} has mismatched sizes ${csize} / ${usize}`);
      // DEFLATE expands at most ~1032×; a larger declared size is a lie meant to make us allocate.
      if (method === 8 && (usize > this.inflateBudget || usize > csize * 1032 + 1024)) {
        this.fail(`zip entry ${shown} declares an implausible uncompressed size of ${usize} bytes (${csize} compressed); refusing to inflate it`);
      }
      this.entries.set(name, { name, method, compressedSize: csize, size: usize, crc32, headerOffset: local, dataOffset });
      p = end;
    }
    // No two entries may share bytes (a crafted archive can point several names at one blob).
    const spans = [...this.entries.values()].sort((a, b) => a.headerOffset - b.headerOffset);
    for (let i = 1; i < spans.length; i++) {
      const prev = spans[i - 1];
      if (prev.dataOffset + prev.compressedSize > spans[i].headerOffset) corrupt(`entries ${JSON.stringify(prev.name)} and ${JSON.stringify(spans[i].name)} overlap`);
    }
  }

  /**
   * The entry's bytes: a view into the archive for stored entries, a fresh buffer for deflated ones.
   * A deflated entry is inflated only if its declared size fits `maxBytes` and the archive's budget,
   * and the stream is cut as soon as it produces more than it declared.
   */
  read(name: string, opts: ZipReadOptions = {}): Uint8Array {
    const e = this.entries.get(name);
    if (!e) return this.fail(`zip archive has no entry ${JSON.stringify(name)}`);
    const shown = JSON.stringify(name);
    if (opts.maxBytes !== undefined && e.size > opts.maxBytes) {
      this.fail(`zip entry ${shown} declares ${e.size} bytes, more than the ${opts.maxBytes} bytes its readers can need`);
    }
    const raw = this.buf.subarray(e.dataOffset, e.dataOffset + e.compressedSize);
    const out = e.method === 0 ? raw : this.inflate(e, raw, shown);
    if ((opts.verifyCrc ?? true) && crc32(out) !== e.crc32) this.fail(`corrupt zip archive: CRC mismatch in entry ${shown} (damaged download?)`);
    return out;
  }

  private inflate(e: ZipEntry, raw: Uint8Array, shown: string): Uint8Array {
    if (this.inflated + e.size > this.inflateBudget) {
      this.fail(`zip entries would inflate to more than ${this.inflateBudget} bytes (${this.inflated} so far, ${e.size} more for ${shown}): a zip bomb?`);
    }
    const out = new Uint8Array(e.size);
    let filled = 0;
    let overflow = false;
    const inf = new Inflate((chunk) => {
      if (filled + chunk.length > out.length) {
        overflow = true;
        throw new CheckpointFormatError(`${this.label}: corrupt zip archive: entry ${shown} inflates past its declared ${e.size} bytes (a zip bomb?)`);
      }
      out.set(chunk, filled);
      filled += chunk.length;
    });
    try {
      if (!raw.length) inf.push(raw, true);
      for (let o = 0; o < raw.length; o += INFLATE_CHUNK) inf.push(raw.subarray(o, o + INFLATE_CHUNK), o + INFLATE_CHUNK >= raw.length);
    } catch (err) {
      if (overflow || err instanceof CheckpointFormatError) throw err;
      this.fail(`corrupt zip archive: entry ${shown} does not inflate (${(err as Error).message})`);
    } finally {
      this.inflated += filled;
    }
    if (filled !== e.size) this.fail(`corrupt zip archive: entry ${shown} inflates to ${filled} bytes, not the declared ${e.size}`);
    return out;
  }
}

function num64(dv: DataView, p: number): number {
  const v = dv.getBigUint64(p, true);
  // Beyond 2^53 no real offset or size exists; make it fail every bounds check instead of wrapping.
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
}

let CRC_TABLES: Uint32Array | null = null;

/** CRC-32 (zip polynomial), slicing-by-8: ~4× the byte-at-a-time speed, which matters at 300 MB. */
export function crc32(data: Uint8Array): number {
  if (!CRC_TABLES) {
    const t = new Uint32Array(8 * 256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      t[n] = c >>> 0;
    }
    for (let n = 0; n < 256; n++) for (let k = 1; k < 8; k++) t[k * 256 + n] = (t[(k - 1) * 256 + n] >>> 8) ^ t[t[(k - 1) * 256 + n] & 0xff];
    CRC_TABLES = t;
  }
  const t = CRC_TABLES;
  let c = 0xffffffff;
  let i = 0;
  const n8 = data.length - 8;
  for (; i <= n8; i += 8) {
    c ^= data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    c = t[1792 + (c & 0xff)] ^ t[1536 + ((c >>> 8) & 0xff)] ^ t[1280 + ((c >>> 16) & 0xff)] ^ t[1024 + (c >>> 24)] ^
      t[768 + data[i + 4]] ^ t[512 + data[i + 5]] ^ t[256 + data[i + 6]] ^ t[data[i + 7]];
  }
  for (; i < data.length; i++) c = t[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
