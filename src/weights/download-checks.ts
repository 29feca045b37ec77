/**
 * What a download response must satisfy before its bytes may count as the file: the pure checks
 * behind src/weights/fetch-cache.ts (no network, no cache, so they are tested on their own).
 *
 * - a page is not a checkpoint: an answer typed as HTML/JSON/XML, or whose first bytes are text
 *   starting like a page (`<`, `{`, `[`). Every checkpoint format starts with bytes no text has (zip
 *   `PK\x03\x04`, pickle `\x80\x02`, safetensors' 8-byte little-endian header length with zeros);
 * - the length the server declared (Content-Length without a Content-Encoding, Content-Range's total)
 *   is the length of the file: more bytes is refused, fewer is incomplete;
 * - a resumed download continues the same file only when the server proves it: a 206 whose
 *   Content-Range starts where we asked, runs to the end of the known total, and carries the same
 *   validator (strong ETag, or Last-Modified) as the part we hold.
 */

/** The validator of one version of a file (as the server sent it). */
export interface Validator {
  etag: string | null;
  lastModified: string | null;
}

export interface ContentRange {
  start: number;
  end: number;
  total: number;
}

/** `bytes start-end/total` with a known total; null for anything else (`*` totals included). */
export function parseContentRange(v: string | null): ContentRange | null {
  const m = v ? /^\s*bytes\s+(\d{1,15})-(\d{1,15})\/(\d{1,15})\s*$/i.exec(v) : null;
  if (!m) return null;
  const r = { start: Number(m[1]), end: Number(m[2]), total: Number(m[3]) };
  return r.start <= r.end && r.end < r.total ? r : null;
}

/** A plain decimal header value (Content-Length), else null. */
export function parseLength(v: string | null): number | null {
  return v !== null && /^\s*\d{1,15}\s*$/.test(v) ? Number(v) : null;
}

/**
 * The size the body will have, as the server declared it: Content-Length, unless a Content-Encoding
 * makes it the compressed size (fetch hands us the decoded bytes).
 */
export function declaredBodyLength(h: Headers): number | null {
  const enc = h.get('content-encoding');
  if (enc && !/^\s*identity\s*$/i.test(enc)) return null;
  return parseLength(h.get('content-length'));
}

export function validatorOf(h: Headers): Validator {
  const etag = h.get('etag')?.trim() || null;
  const lastModified = h.get('last-modified')?.trim() || null;
  return { etag, lastModified: lastModified && !Number.isNaN(Date.parse(lastModified)) ? lastModified : null };
}

const strongEtag = (e: string | null): e is string => e !== null && !/^W\//i.test(e) && /^"[^"]*"$/.test(e);

/** The If-Range value that lets a server continue this version only; null: the file cannot be resumed safely. */
export function ifRangeOf(v: Validator | null): string | null {
  if (!v) return null;
  if (strongEtag(v.etag)) return v.etag;
  return v.lastModified;
}

/** Does `got` (a resumed answer) name the same version as `held`? Every validator held must come back unchanged. */
export function sameVersion(held: Validator, got: Validator): boolean {
  if (held.etag !== null && got.etag !== held.etag) return false;
  if (held.lastModified !== null && got.lastModified !== held.lastModified) return false;
  return held.etag !== null || held.lastModified !== null;
}

/**
 * Why a 206 cannot continue the bytes we hold (null: it can): it must start at `from`, run to the
 * end of the same total, declare a body length that fits, and carry the held validator.
 */
export function resumeMismatch(h: Headers, from: number, total: number, held: Validator): string | null {
  const cr = parseContentRange(h.get('content-range'));
  if (!cr) return `an unreadable Content-Range (${JSON.stringify(h.get('content-range') ?? '')})`;
  if (cr.start !== from) return `a range starting at byte ${cr.start} instead of ${from}`;
  if (cr.total !== total) return `a file of ${cr.total} bytes instead of ${total}`;
  if (cr.end !== total - 1) return `a range ending at byte ${cr.end} instead of ${total - 1}`;
  const len = declaredBodyLength(h);
  if (len !== null && len !== cr.end - cr.start + 1) return `a Content-Length of ${len} for ${cr.end - cr.start + 1} bytes`;
  if (!sameVersion(held, validatorOf(h))) return 'no proof that it is the same version of the file (ETag/Last-Modified missing or changed)';
  return null;
}

/** Content types an error, login or landing page comes with; never a checkpoint. */
const PAGE_TYPE = /^\s*(text\/html|application\/xhtml\+xml|text\/xml|application\/xml|application\/json|text\/json|application\/[\w.+-]*\+json|application\/[\w.+-]*\+xml)\s*(;|$)/i;

export function pageContentType(h: Headers): string | null {
  const t = h.get('content-type');
  return t && PAGE_TYPE.test(t) ? t.split(';')[0].trim().toLowerCase() : null;
}

/** How many leading bytes the page sniff looks at. */
export const SNIFF_BYTES = 64;

/**
 * When the first bytes of a download are text that starts like a page (HTML/XML `<`, JSON `{` or
 * `[`, after an optional BOM and whitespace), a short description of it; else null. Text means
 * printable ASCII, whitespace and well-formed UTF-8 (a multi-byte sequence cut at the end counts).
 */
export function looksLikePage(head: Uint8Array): string | null {
  const n = Math.min(head.length, SNIFF_BYTES);
  let i = n >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  while (i < n && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)) i++;
  if (i >= n) return null;
  const first = head[i];
  if (first !== 0x3c && first !== 0x7b && first !== 0x5b) return null;
  for (let j = i; j < n; ) {
    const b = head[j];
    if (b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b < 0x7f)) {
      j++;
      continue;
    }
    const extra = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (extra < 0) return null;
    for (let k = 1; k <= extra && j + k < n; k++) if ((head[j + k] & 0xc0) !== 0x80) return null;
    j += extra + 1;
  }
  const text = new TextDecoder().decode(head.subarray(i, Math.min(n, i + 24))).replace(/\s+/g, ' ');
  const what = first === 0x3c ? (/^<\?xml/i.test(text) ? 'an XML document' : 'a web page (HTML)') : 'a JSON document';
  return `${what}, starting "${text}…"`;
}
