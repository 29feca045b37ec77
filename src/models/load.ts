/**
 * Checkpoint bytes → weights of one backbone configuration. The file's keys and shapes are checked
 * strictly against the chosen variant (or, with no choice, against every implemented variant and the
 * test configurations offered, keeping the one that fits exactly). A file that fits nothing is
 * refused with a message naming the missing, unexpected and mis-shaped keys (first few + counts)
 * and the configuration the file most resembles. Pure compute core: runs in Node and in a Worker.
 */
import { loadCheckpoint, type LoadedCheckpoint, type LoadOptions } from '../weights/checkpoint';
import { describeMismatch, rankVariants, validateStateDict, type ExpectedKeys, type KeyReport, type VariantMatch } from '../weights/validate';
import type { Params } from '../ops/types';
import { MODELS } from './registry';
import type { AnyModel } from './types';
import { legacyVigHKeyMap } from './vig/vig_h';

/** A small configuration that is not an official variant (the fixtures' minis): meta.config. */
export interface TestConfigRef {
  family: string;
  id: string;
  title?: string;
  config: Record<string, unknown>;
}

/** One loadable configuration: an official variant or a test configuration. */
export interface ModelChoice {
  family: string;
  /** variant id ('vig-t') or test configuration id ('vig-mini') */
  id: string;
  kind: 'official' | 'test';
  /** for messages: 'vig-t' or 'vig-mini (test configuration (mini))' */
  label: string;
  model: AnyModel;
  cfg: unknown;
}

export interface LoadTarget {
  /** restrict auto-detection to one family */
  family?: string;
  /** validate strictly against this variant or test configuration id */
  id?: string;
  /** test configurations that may be chosen or detected besides the official variants */
  tests?: TestConfigRef[];
  /** when several configurations fit exactly, prefer these ids (e.g. the zoo entry of the file name) */
  prefer?: string[];
}

export interface LoadedModel {
  choice: ModelChoice;
  params: Params;
  report: KeyReport;
  /** what the checkpoint reader and the matcher noticed (format, skipped entries, renames) */
  notes: string[];
  format: LoadedCheckpoint['format'];
  /** parameters loaded (BatchNorm running stats and counters excluded) */
  paramCount: number;
}

export class WeightMismatchError extends Error {
  constructor(
    message: string,
    readonly report: KeyReport | null,
    /** the configuration the file most resembles, with its fit in [0, 1] */
    readonly closest: { id: string; label: string; score: number } | null,
  ) {
    super(message);
    this.name = 'WeightMismatchError';
  }
}

const isBuffer = (k: string) => /(^|\.)(running_mean|running_var|num_batches_tracked)$/.test(k);

function officialChoice(model: AnyModel, id: string): ModelChoice {
  return { family: model.family, id, kind: 'official', label: id, model, cfg: model.variants[id] };
}

function testChoice(t: TestConfigRef): ModelChoice | null {
  const model = MODELS.find((m) => m.family === t.family);
  if (!model) return null;
  return { family: t.family, id: t.id, kind: 'test', label: `${t.id} (${t.title ?? 'test configuration'})`, model, cfg: model.configFromFixture(t.config) };
}

/** Every configuration a file can be matched against (optionally one family only). */
export function candidateChoices(target: Pick<LoadTarget, 'family' | 'tests'> = {}): ModelChoice[] {
  const out: ModelChoice[] = [];
  for (const m of MODELS) {
    if (target.family && m.family !== target.family) continue;
    for (const id of Object.keys(m.variants)) out.push(officialChoice(m, id));
  }
  for (const t of target.tests ?? []) {
    if (target.family && t.family !== target.family) continue;
    const c = testChoice(t);
    if (c) out.push(c);
  }
  return out;
}

/** The choice for an id: an official variant of any family, or one of the test configurations. */
export function resolveChoice(id: string, tests: TestConfigRef[] = []): ModelChoice | null {
  const m = MODELS.find((x) => id in x.variants);
  if (m) return officialChoice(m, id);
  const t = tests.find((x) => x.id === id);
  return t ? testChoice(t) : null;
}

export function paramCountOf(keys: ExpectedKeys): number {
  let n = 0;
  for (const [k, s] of keys) if (!isBuffer(k)) n += s.reduce((a, b) => a * b, 1);
  return n;
}

type Shapes = Map<string, readonly number[]>;

/** Key renames a family's official loader applies before load_state_dict (ViG-H's legacy names): new name → file name. */
function familyKeyMap(family: string, keys: string[]): Map<string, string> | null {
  return family === 'vig_h' ? legacyVigHKeyMap(keys) : null;
}

function shapesFor(family: string, shapes: Shapes): { shapes: Shapes; keyMap: Map<string, string> | null } {
  const keyMap = familyKeyMap(family, [...shapes.keys()]);
  if (!keyMap) return { shapes, keyMap: null };
  const out: Shapes = new Map();
  for (const [nk, old] of keyMap) out.set(nk, shapes.get(old)!);
  return { shapes: out, keyMap };
}

export interface MatchResult {
  choice: ModelChoice;
  report: KeyReport;
  /** file key for each expected key (differs only where the family renames legacy names) */
  keyMap: Map<string, string> | null;
  ranking: Array<VariantMatch & { choice: ModelChoice }>;
}

/** Ranks every candidate by fit (best first), with each family's key renames applied. */
export function rankChoices(shapes: Shapes, candidates: ModelChoice[]): Array<VariantMatch & { choice: ModelChoice }> {
  const byFamily = new Map<string, ModelChoice[]>();
  for (const c of candidates) byFamily.set(c.family, [...(byFamily.get(c.family) ?? []), c]);
  const all: Array<VariantMatch & { choice: ModelChoice }> = [];
  for (const [family, cs] of byFamily) {
    const { shapes: s } = shapesFor(family, shapes);
    const table: Record<string, ExpectedKeys> = {};
    for (const c of cs) table[c.id] = c.model.expectedKeys(c.cfg);
    for (const r of rankVariants(s, table)) all.push({ ...r, choice: cs.find((c) => c.id === r.variant)! });
  }
  // exact fits first, then by score; ties keep official variants before test configurations
  return all.sort((a, b) => Number(b.report.ok) - Number(a.report.ok) || b.score - a.score || Number(a.choice.kind === 'test') - Number(b.choice.kind === 'test'));
}

const LIST = 5;

function closestOf(r: (VariantMatch & { choice: ModelChoice }) | undefined) {
  return r ? { id: r.choice.id, label: r.choice.label, score: r.score } : null;
}

/**
 * Picks the configuration for a state_dict's shapes: strictly the requested one, or the exact fit
 * among all candidates. Throws WeightMismatchError naming the keys and the closest configuration.
 */
export function matchShapes(shapes: Shapes, name: string, target: LoadTarget = {}): MatchResult {
  const all = candidateChoices({ tests: target.tests });
  if (target.id) {
    const choice = resolveChoice(target.id, target.tests);
    if (!choice) throw new WeightMismatchError(`${name}: unknown model configuration '${target.id}'`, null, null);
    const { shapes: s, keyMap } = shapesFor(choice.family, shapes);
    const report = validateStateDict(s, choice.model.expectedKeys(choice.cfg));
    if (report.ok) return { choice, report, keyMap, ranking: [] };
    const ranking = rankChoices(shapes, all);
    const best = ranking[0];
    const msg = describeMismatch(report, choice.label, best ? { ...best, variant: best.choice.label } : null, LIST);
    throw new WeightMismatchError(`${name} ${msg}${hint(best, choice)}`, report, closestOf(best));
  }
  const candidates = target.family ? all.filter((c) => c.family === target.family) : all;
  if (!candidates.length) throw new WeightMismatchError(`${name}: no implemented model of family '${target.family}'`, null, null);
  const ranking = rankChoices(shapes, candidates);
  const best = ranking[0];
  if (best.report.ok) {
    const pick = pickAmongExact(ranking.filter((r) => r.report.ok), name, target.prefer ?? []);
    const { keyMap } = shapesFor(pick.choice.family, shapes);
    return { choice: pick.choice, report: pick.report, keyMap, ranking };
  }
  // Unrelated files (another architecture) share almost no key names with the closest candidate;
  // a file of a known family in another size shares most of them (with other shapes or depth).
  const known = best.report.matched + best.report.misShaped.length;
  if (known < 0.5 * shapes.size) {
    const sample = [...shapes.keys()].slice(0, LIST).join(', ');
    throw new WeightMismatchError(
      `${name} does not look like any model this app implements${target.family ? ` in family ${target.family}` : ''}: ` +
        `the closest, ${best.choice.label}, fits only ${(100 * best.score).toFixed(0)}% of the keys. The file's ${shapes.size} keys start: ${sample}.`,
      best.report,
      closestOf(best),
    );
  }
  const msg = describeMismatch(best.report, best.choice.label, null, LIST);
  throw new WeightMismatchError(
    `${name} fits no configuration exactly; closest is ${best.choice.label} (${(100 * best.score).toFixed(0)}% of keys fit): ${msg.replace(/^does not match [^;]*; /, '')}`,
    best.report,
    closestOf(best),
  );
}

/**
 * Several configurations can share every shape (LITv2-B and LITv2-B-384 differ only in input size;
 * LITv2-S is LITv2-S α=0.9). Prefer the caller's hint, then an id the file name spells out
 * ('litv2_b_384.pth' → litv2-b-384), then the registry's order (the main variant first).
 */
function pickAmongExact<T extends { choice: ModelChoice }>(exact: T[], name: string, prefer: string[]): T {
  const byPref = exact.find((r) => prefer.includes(r.choice.id));
  if (byPref) return byPref;
  const norm = name.toLowerCase().replace(/[_\s]+/g, '-');
  const named = exact.filter((r) => norm.includes(r.choice.id)).sort((a, b) => b.choice.id.length - a.choice.id.length);
  return named[0] ?? exact[0];
}

function hint(best: (VariantMatch & { choice: ModelChoice }) | undefined, chosen: ModelChoice): string {
  if (!best || best.choice.id === chosen.id) return '';
  if (!best.report.ok) return '';
  return best.choice.kind === 'test' ? ` — it loads as ${best.choice.label} with "detect from the file"` : ` — it loads as ${best.choice.label}: choose that (or "detect from the file")`;
}

/**
 * A checkpoint that passed every check (container, pickle, geometry, strict keys and shapes):
 * `convert()` then only decodes values, so nothing after this point refuses the file.
 */
export interface CheckedWeights {
  choice: ModelChoice;
  report: KeyReport;
  convert(): LoadedModel;
}

/** A loaded checkpoint → its matched configuration, validated strictly; values not decoded yet. */
export function checkCheckpoint(ck: LoadedCheckpoint, name: string, target: LoadTarget = {}): CheckedWeights {
  const shapes: Shapes = new Map([...ck.tensors].map(([k, t]) => [k, t.shape]));
  const m = matchShapes(shapes, name, target);
  return {
    choice: m.choice,
    report: m.report,
    convert(): LoadedModel {
      const notes = [...ck.notes];
      if (m.keyMap) notes.push(`renamed legacy ${m.choice.family} key names as the official loader does`);
      const params: Params = {};
      let paramCount = 0;
      for (const [k, shape] of m.choice.model.expectedKeys(m.choice.cfg)) {
        if (k.endsWith('num_batches_tracked')) continue; // int64 counters: unused at eval
        const t = ck.tensors.get(m.keyMap?.get(k) ?? k);
        if (!t) continue; // optional key absent (validated above)
        params[k] = { shape: [...shape], data: t.values() };
        if (!isBuffer(k)) paramCount += t.numel;
      }
      if (m.report.missingOptional.length) notes.push(`${m.report.missingOptional.length} BatchNorm counters absent (not needed)`);
      return { choice: m.choice, params, report: m.report, notes, format: ck.format, paramCount };
    },
  };
}

/** Bytes of a .pth/.safetensors file, checked completely (throws CheckpointFormatError or WeightMismatchError); values not decoded yet. */
export function checkModelWeights(bytes: Uint8Array, name: string, target: LoadTarget = {}, opts: LoadOptions = {}): CheckedWeights {
  return checkCheckpoint(loadCheckpoint(bytes, name, opts), name, target);
}

/** Bytes of a .pth/.safetensors file → the matched model's weights. Throws CheckpointFormatError or WeightMismatchError. */
export function loadModelWeights(bytes: Uint8Array, name: string, target: LoadTarget = {}, opts: LoadOptions = {}): LoadedModel {
  return checkModelWeights(bytes, name, target, opts).convert();
}
