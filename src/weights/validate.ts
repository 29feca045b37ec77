/**
 * Strict key/shape validation of a loaded state_dict against a model's expected key list, and a
 * guess of which variant a file belongs to when it does not fit (e.g. a ViG-S file picked for
 * ViG-T). Like `load_state_dict(strict=True)`, except that BatchNorm's `num_batches_tracked`
 * counters may be absent (PyTorch fills them in too, and many published files drop them).
 */
export type ExpectedKeys = ReadonlyArray<readonly [string, readonly number[]]>;

export interface MisShaped {
  key: string;
  expected: number[];
  got: number[];
}

export interface KeyReport {
  ok: boolean;
  missing: string[];
  unexpected: string[];
  misShaped: MisShaped[];
  /** keys present with the expected shape */
  matched: number;
  /** optional keys (num_batches_tracked) that were absent: not an error */
  missingOptional: string[];
}

export interface ValidateOptions {
  /** expected keys that may be absent without failing (default: BatchNorm counters) */
  optional?: (key: string) => boolean;
}

const DEFAULT_OPTIONAL = (k: string) => k.endsWith('num_batches_tracked');

/** A loaded state_dict (name → {shape}), or name/shape pairs (a Map of shapes works too). */
type ShapeSource = ReadonlyMap<string, { shape: readonly number[] }> | Iterable<readonly [string, readonly number[] | { shape: readonly number[] }]>;

function shapesOf(src: ShapeSource): Map<string, readonly number[]> {
  const m = new Map<string, readonly number[]>();
  for (const [k, v] of src as Iterable<readonly [string, readonly number[] | { shape: readonly number[] }]>) {
    m.set(k, Array.isArray(v) ? v : (v as { shape: readonly number[] }).shape);
  }
  return m;
}

export function validateStateDict(got: ShapeSource, expected: ExpectedKeys, opts: ValidateOptions = {}): KeyReport {
  const optional = opts.optional ?? DEFAULT_OPTIONAL;
  const have = shapesOf(got);
  const want = new Map(expected.map(([k, s]) => [k, s] as const));
  const missing: string[] = [];
  const missingOptional: string[] = [];
  const misShaped: MisShaped[] = [];
  let matched = 0;
  for (const [k, s] of want) {
    const g = have.get(k);
    if (!g) (optional(k) ? missingOptional : missing).push(k);
    else if (!sameShape(g, s)) misShaped.push({ key: k, expected: [...s], got: [...g] });
    else matched++;
  }
  const unexpected = [...have.keys()].filter((k) => !want.has(k));
  return { ok: !missing.length && !unexpected.length && !misShaped.length, missing, unexpected, misShaped, matched, missingOptional };
}

export interface VariantMatch {
  variant: string;
  /** fraction in [0, 1]: keys with the right shape over the union of expected and present keys */
  score: number;
  report: KeyReport;
}

/** Ranks candidate variants by how well the file's keys and shapes fit; best first. */
export function rankVariants(got: ShapeSource, candidates: Record<string, ExpectedKeys>, opts: ValidateOptions = {}): VariantMatch[] {
  const have = shapesOf(got);
  const out: VariantMatch[] = [];
  for (const [variant, expected] of Object.entries(candidates)) {
    const report = validateStateDict(have, expected, opts);
    // a mis-shaped key still says "same architecture family", so it counts half
    const union = expected.length - report.missingOptional.length + report.unexpected.length;
    const score = union ? (report.matched + 0.5 * report.misShaped.length) / union : 0;
    out.push({ variant, score, report });
  }
  return out.sort((a, b) => b.score - a.score);
}

/** The variant the file most resembles (null when there are no candidates). */
export function bestMatch(got: ShapeSource, candidates: Record<string, ExpectedKeys>, opts: ValidateOptions = {}): VariantMatch | null {
  return rankVariants(got, candidates, opts)[0] ?? null;
}

/** One readable message for the UI: what is missing, unexpected, mis-shaped, and what it looks like. */
export function describeMismatch(report: KeyReport, expectedName: string, best?: VariantMatch | null, maxList = 8): string {
  if (report.ok) return `matches ${expectedName}`;
  const list = (xs: string[]) => xs.slice(0, maxList).join(', ') + (xs.length > maxList ? `, … (${xs.length} in all)` : '');
  const parts = [`does not match ${expectedName}`];
  if (report.missing.length) parts.push(`missing ${report.missing.length}: ${list(report.missing)}`);
  if (report.unexpected.length) parts.push(`unexpected ${report.unexpected.length}: ${list(report.unexpected)}`);
  if (report.misShaped.length) {
    parts.push(`mis-shaped ${report.misShaped.length}: ${list(report.misShaped.map((m) => `${m.key} [${m.got}] (expected [${m.expected}])`))}`);
  }
  if (best && best.variant !== expectedName && best.score > 0) parts.push(`the file looks like ${best.variant} (${(100 * best.score).toFixed(0)}% of keys fit)`);
  return parts.join('; ');
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
