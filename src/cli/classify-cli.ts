/**
 * `npm run classify`: a checkpoint and photos in, top-5 per photo out, at a knob setting — the same
 * engine as the app (checkpoint loader, PIL-exact preprocessing, the family's forward, MAC count).
 * WebGPU through the `webgpu` package (Dawn) where Node finds an adapter, else the float64 CPU
 * reference; `--cpu` forces the CPU. Every failure is one line on stderr and exit code 1 (2 for
 * bad usage).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { loadModelWeights, type LoadedModel } from '../models/load';
import { checkSetting } from '../models/knob-apply';
import { parseScope, type KnobSetting, type KnobValue } from '../models/knobs';
import { topK, type ClassScore } from '../models/classify';
import { preprocessForEval } from '../image/resize-pil';
import { forwardBatches } from '../models/timing';
import { parseZoo } from '../weights/zoo';
import type { GpuContext } from '../gpu/context';
import { decodeImageFile } from './node-image';

export const USAGE = 'usage: npm run classify -- --weights FILE --image PNG_OR_JPG... [--model VARIANT] [--knob name=value ...] [--scope all|stage:N|block:N] [--json] [--cpu]';

export class UsageError extends Error {}

export interface CliOptions {
  weights: string;
  images: string[];
  model?: string;
  knobs: Record<string, KnobValue>;
  scope: string;
  json: boolean;
  cpu: boolean;
}

/** argv (after the script name) → options; repeated --image / --knob collect, `--image a b c` too. */
export function parseArgs(argv: string[]): CliOptions {
  const o: CliOptions = { weights: '', images: [], knobs: {}, scope: 'all', json: false, cpu: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--weights') o.weights = value();
    else if (a === '--image') {
      o.images.push(value());
      while (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--')) o.images.push(argv[++i]);
    } else if (a === '--model') o.model = value();
    else if (a === '--scope') o.scope = value();
    else if (a === '--knob') {
      const kv = value();
      const m = /^([A-Za-z][A-Za-z0-9]*)=(.+)$/.exec(kv);
      if (!m) throw new UsageError(`--knob ${kv}: expected name=value (e.g. tau=4)`);
      o.knobs[m[1]] = m[2];
    } else if (a === '--json') o.json = true;
    else if (a === '--cpu') o.cpu = true;
    else if (a === '--help' || a === '-h') throw new UsageError('');
    else throw new UsageError(`unknown argument '${a}'`);
  }
  if (!o.weights) throw new UsageError('--weights FILE is required');
  if (!o.images.length) throw new UsageError('--image is required');
  return o;
}

function readFile(path: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`${what} ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message}`);
  }
}

export interface ImageResult {
  image: string;
  top5: Array<Pick<ClassScore, 'index' | 'label' | 'p'>>;
}

export interface CliResult {
  model: string;
  device: string;
  knobs: KnobSetting;
  macs: number;
  officialMacs: number;
  images: ImageResult[];
}

/** A WebGPU context through Dawn when the package loads and finds an adapter; null otherwise. */
export async function nodeGpu(): Promise<GpuContext | null> {
  try {
    const modPath = process.env.WEBGPU_MODULE ?? 'webgpu';
    const mod = (await import(/* @vite-ignore */ modPath)) as { create(flags: string[]): GPU; globals: Record<string, unknown> };
    Object.assign(globalThis, mod.globals);
    const gpu = mod.create([]);
    const { GpuContext } = await import('../gpu/context');
    return await GpuContext.acquire(gpu);
  } catch {
    return null;
  }
}

/** Everything but printing: load, check the setting, decode, forward, read out. */
export async function runClassify(o: CliOptions, zooJson: unknown, getGpu: () => Promise<GpuContext | null> = nodeGpu): Promise<CliResult> {
  const zoo = parseZoo(zooJson);
  const bytes = readFile(o.weights, 'weights');
  let loaded: LoadedModel;
  try {
    loaded = loadModelWeights(bytes, basename(o.weights), o.model ? { id: o.model, tests: zoo.test } : { tests: zoo.test });
  } catch (e) {
    throw new Error(`weights ${o.weights}: ${(e as Error).message.split('\n')[0]}`);
  }
  const { model, cfg } = loaded.choice;
  const { size, crop } = model.inputSize(cfg);
  const sites = model.attentionSites?.(cfg, size, size) ?? [];
  const setting = checkSetting(model.knobs?.(cfg) ?? [], sites, { scope: parseScope(o.scope), values: o.knobs });
  // decode every image before any forward: a bad file fails fast
  const inputs = o.images.map((path) => ({ path, pre: preprocessForEval(decodeImageFile(readFile(path, 'image'), path), { size, crop }) }));
  const ctx = o.cpu || !model.forwardGpu ? null : await getGpu();
  const images: ImageResult[] = [];
  const result = (path: string, logits: ArrayLike<number>) => images.push({ image: path, top5: topK(logits, 5).map(({ index, label, p }) => ({ index, label, p })) });
  if (ctx) {
    // the 8-bit crops, normalised on the GPU; the next image uploaded and submitted while one runs
    await forwardBatches(inputs.length, (i) => model.forwardGpu!(ctx, inputs[i].pre.pixels, inputs[i].pre.tensor.shape, loaded.params, cfg, { stages: false, timed: false, knobs: setting }),
      (r, i) => result(inputs[i].path, r.logits));
  } else {
    for (const { path, pre: { tensor: t } } of inputs) result(path, model.forwardReference({ shape: t.shape, data: Float64Array.from(t.data) }, loaded.params, cfg, setting).logits.data);
  }
  const device = ctx ? `webgpu (${[ctx.report.vendor, ctx.report.architecture, ctx.report.description].filter(Boolean).join(' ') || 'adapter'})` : 'cpu (float64 reference)';
  ctx?.destroy();
  return { model: loaded.choice.id, device, knobs: setting, macs: model.macs(cfg, size, size, setting), officialMacs: model.macs(cfg, size, size), images };
}

/** The text form: one block per image, then the MACs. */
export function formatText(r: CliResult): string {
  const lines: string[] = [];
  const kv = Object.entries(r.knobs.values).map(([k, v]) => `${k}=${String(v)}`).join(' ');
  lines.push(`${r.model} on ${r.device}${kv ? `, knobs ${kv} (scope ${r.knobs.scope})` : ', official setting'}`);
  for (const im of r.images) {
    lines.push(im.image);
    im.top5.forEach((s, i) => lines.push(`  ${i + 1}. ${(100 * s.p).toFixed(2).padStart(6)}%  ${String(s.index).padStart(3)}  ${s.label}`));
  }
  lines.push(`MACs ${(r.macs / 1e9).toFixed(3)} G${r.macs !== r.officialMacs ? ` (official ${(r.officialMacs / 1e9).toFixed(3)} G)` : ''}`);
  return lines.join('\n');
}
