/**
 * The model zoo manifest (public/zoo.json): every official variant with its weight source, size,
 * parameter count, published top-1 and eval input, plus the small "test" configurations of the
 * fixtures. Pure data + lookups; fetching the file is the caller's business (browser or Node).
 */

export interface ZooSource {
  /** 'direct': a file URL; 'page': a web page / cloud folder where the authors share the file */
  kind: 'direct' | 'page';
  host: string;
  url: string;
  /** the file name as published (when known) */
  file?: string;
  /** published size in bytes (when known) */
  bytes?: number;
  /** whether the host lets a web page read the file (CORS); false = download it yourself and drop it */
  cors?: boolean;
}

export interface ZooVariant {
  family: string;
  /** the variant id of the family's `variants` in src/models */
  id: string;
  title: string;
  /** parameters from the state_dict shapes, BatchNorm running stats and counters excluded */
  params: number;
  /** ImageNet-1k top-1 (%) as published */
  top1: number;
  top1Source: string;
  input: { size: number; crop: boolean };
  /** empty when nothing is published (FAT) */
  sources: ZooSource[];
  sourceNote?: string;
  configNote?: string;
  paramsSource?: string;
  /** GMACs (multiply–adds, 224² or the eval size) as the authors publish them, and where */
  macsPublished?: number;
  macsSource?: string;
  sweep?: string;
}

export interface ZooFamily {
  family: string;
  title: string;
  repo: string;
  spec: string;
  /** where the weights are, in one sentence */
  weights: string;
}

/** A fixture's small configuration (not an official variant): config = the fixture's meta.config. */
export interface ZooTestConfig {
  family: string;
  id: string;
  title: string;
  params: number;
  config: Record<string, unknown>;
  /** fixture path (relative to the fixture folder) of a checkpoint holding its PRNG weights */
  fixture: string;
  salt: string;
  /** top-5 on top5Input with the PRNG weights */
  top5: number[];
  top5Input: string;
}

export interface Zoo {
  version: number;
  about: string;
  families: ZooFamily[];
  variants: ZooVariant[];
  test: ZooTestConfig[];
}

/** Shape check of a parsed zoo.json, so a broken manifest fails with a message, not later. */
export function parseZoo(json: unknown): Zoo {
  const z = json as Partial<Zoo>;
  if (!z || typeof z !== 'object' || !Array.isArray(z.variants) || !Array.isArray(z.families)) {
    throw new Error('zoo.json: expected { families: [...], variants: [...] }');
  }
  for (const v of z.variants) {
    if (typeof v.id !== 'string' || typeof v.family !== 'string' || typeof v.params !== 'number' || !Array.isArray(v.sources)) {
      throw new Error(`zoo.json: malformed variant ${JSON.stringify(v).slice(0, 120)}`);
    }
  }
  return { version: z.version ?? 1, about: z.about ?? '', families: z.families, variants: z.variants, test: Array.isArray(z.test) ? z.test : [] };
}

export function zooVariant(zoo: Zoo, id: string): ZooVariant | undefined {
  return zoo.variants.find((v) => v.id === id);
}

export function zooFamily(zoo: Zoo, family: string): ZooFamily | undefined {
  return zoo.families.find((f) => f.family === family);
}

/** The first source a page can fetch by itself (a direct file with CORS), if any. */
export function fetchableSource(v: ZooVariant): ZooSource | undefined {
  return v.sources.find((s) => s.kind === 'direct' && s.cors !== false);
}

/** The variant the app offers as a one-click first download: ViG-T from Hugging Face. */
export const DEFAULT_VARIANT = 'vig-t';

export function formatBytes(n: number): string {
  // decimal units, as the hosting sites show sizes
  if (n < 1e3) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}

export function formatParams(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)} M` : `${(n / 1e3).toFixed(0)} k`;
}
