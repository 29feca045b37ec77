/**
 * Per-kernel profile (`bench-node --profile`): every launch of an op or a backbone timed in its own
 * compute pass with timestamp writes, repeated, beside the real recording timed the same way.
 *
 * The dispatch lists are taken from the ops' and backbones' own code paths: they run on a proxy of
 * the GpuContext that names each pipeline it compiles (from its WGSL, kernel-label.ts) and hands an
 * op's `run` dispatch list to the profiler while its buffers are alive; a backbone's plan is seen
 * through the plan runtime's observer (src/gpu/plan). The context itself is left untouched.
 */
import { BU, type Dispatch, type GpuContext } from '../gpu/context';
import { median } from '../tensor/stats';
import { syntheticParams } from '../ops/common/params';
import { OPS, opByName } from '../ops/registry';
import type { AnyOp } from '../ops/types';
import { MODELS } from '../models/registry';
import { observeBackbonePlans, type PreparedGroup } from '../gpu/plan';
import { benchInput } from './models';
import { prngInput } from '../weights/prng';
import { scoped, type BenchReport } from './suite';
import { kernelName, workgroupSize } from './kernel-label';
import { modelProfileMarkdown, opProfileMarkdown, profileLegend, type KernelTiming, type ProfileMeasure, type Roofs } from './profile-report';
import { settleClocks } from '../gpu/clock-settle';
import { launchesOf, timePasses, type Launch } from './passes';

interface KernelInfo {
  name: string;
  size: [number, number, number] | null;
}

/** Names of every pipeline compiled through an instrumented context. */
const kernelInfo = new WeakMap<GPUComputePipeline, KernelInfo>();

interface Instrumented {
  ctx: GpuContext;
  /** called once with the next `run`'s dispatches, before they run */
  onRun: ((d: Dispatch[]) => Promise<void>) | null;
}

const instrumented = new WeakMap<GpuContext, Instrumented>();

/**
 * `ctx` behind a proxy: `pipeline` also records the kernel's name and workgroup size, `run` first
 * hands its dispatches to `onRun` when one is set. One proxy per context (things keyed by the
 * context object, like the Linear kernel's no-bias buffer, are made once for it).
 */
export function instrument(ctx: GpuContext): Instrumented {
  let h = instrumented.get(ctx);
  if (h) return h;
  const state: Instrumented = { ctx, onRun: null };
  state.ctx = new Proxy(ctx, {
    get(target, prop) {
      if (prop === 'pipeline') {
        return (source: string, entry = 'main') => {
          const p = target.pipeline(source, entry);
          if (!kernelInfo.has(p)) kernelInfo.set(p, { name: kernelName(source, entry), size: workgroupSize(source, entry) });
          return p;
        };
      }
      if (prop === 'run') {
        return async (...args: Parameters<GpuContext['run']>) => {
          const f = state.onRun;
          state.onRun = null;
          if (f) await f(args[0]);
          return target.run(...args);
        };
      }
      // everything else is the real context's (bound to it: its private state stays its own)
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  instrumented.set(ctx, (h = state));
  return h;
}

/** Distinct storage buffers' bytes (uniforms are parameters, not data). */
function storageBytes(buffers: GPUBuffer[]): number {
  let sum = 0;
  for (const b of new Set(buffers)) if (b.usage & BU.STORAGE) sum += b.size;
  return sum;
}

export interface ProfileOptions {
  reps: number;
  warmup: number;
}

/**
 * Profile dispatches grouped as they really run (`passes`: one list per compute pass). Per rep:
 * every launch in a pass of its own, then the passes as recorded; medians over `reps` after
 * `warmup`. Their buffers must stay alive until this returns.
 */
export async function profileDispatches(ctx: GpuContext, passes: ReadonlyArray<readonly Dispatch[]>, o: ProfileOptions): Promise<ProfileMeasure> {
  const kernels: KernelTiming[] = [];
  const uniforms: GPUBuffer[] = [];
  const grouped: Launch[][] = passes.map((ds, group) => ds.map((d) => {
    const info = kernelInfo.get(d.pipeline);
    const wg: [number, number, number] = [d.workgroups[0], d.workgroups[1] ?? 1, d.workgroups[2] ?? 1];
    const size = info?.size;
    kernels.push({
      index: kernels.length, group, name: info?.name ?? 'unnamed', workgroups: wg,
      threads: size ? wg[0] * wg[1] * wg[2] * size[0] * size[1] * size[2] : null,
      bytesBound: storageBytes(d.buffers), medianUs: NaN,
    });
    return launchesOf(ctx, [d], (u) => uniforms.push(u))[0];
  }));
  const single = grouped.flat().map((l) => [l]);
  const each: number[][] = kernels.map(() => []);
  const whole: number[] = [];
  let source: 'timestamp' | 'wall' = 'wall';
  await settleClocks(async () => (await timePasses(ctx, grouped)).ms.reduce((x, y) => x + y, 0), { skip: ctx.report.software });
  for (let r = 0; r < o.warmup + o.reps; r++) {
    const a = await timePasses(ctx, single);
    const b = await timePasses(ctx, grouped);
    source = a.source;
    if (r < o.warmup) continue;
    a.ms.forEach((v, i) => each[i].push(v));
    whole.push(b.ms.reduce((x, y) => x + y, 0));
  }
  kernels.forEach((k, i) => (k.medianUs = median(each[i]) * 1e3));
  for (const u of uniforms) u.destroy();
  return { kernels, onePassUs: median(whole) * 1e3, passes: passes.length, reps: o.reps, timeSource: source };
}


/**
 * Build `op`'s dispatches at `cfg` with PRNG weights (the bench's seeds) through its own GPU
 * path and hand them to `use` while their buffers live; the op's real run follows, untimed.
 */
export async function withOpDispatches<T>(ctx: GpuContext, op: AnyOp, cfg: unknown, use: (d: Dispatch[]) => Promise<T>): Promise<T> {
  if (!op.gpu) throw new Error(`${op.name} has no WebGPU path`);
  const shape = op.inputShape(cfg) as number[];
  const x = Float32Array.from(prngInput(`bench:${op.name}`, shape.reduce((a, b) => a * b, 1)));
  const p = syntheticParams(op.paramShapes(cfg));
  const h = instrument(ctx);
  let out: { v: T } | null = null;
  h.onRun = async (d) => {
    out = { v: await use(d) };
  };
  try {
    await op.gpu(h.ctx, x, p, cfg, { maps: false, timed: false });
  } finally {
    h.onRun = null;
  }
  if (!out) throw new Error(`${op.name}: its GPU path never called ctx.run`);
  return (out as { v: T }).v;
}

/** Profile of one op at a `grid`×`grid` token grid (default config). */
export async function profileOp(ctx: GpuContext, op: AnyOp, grid: number, o: ProfileOptions): Promise<{ measure: ProfileMeasure; macs: number }> {
  const cfg = op.defaultConfig(grid, grid);
  const measure = await scoped(ctx, () => withOpDispatches(ctx, op, cfg, (d) => profileDispatches(ctx, [d], o)));
  return { measure, macs: op.macs(cfg) };
}

/**
 * Profile of one backbone variant's forward at `batch` (PRNG weights): its plan's launches, the
 * plan's own passes as the real run. Its own weights and plan are released after.
 */
export async function profileModel(ctx: GpuContext, family: string, variant: string, batch: number, o: ProfileOptions): Promise<{ measure: ProfileMeasure; macs: number }> {
  const m = MODELS.find((f) => f.family === family);
  if (!m?.forwardGpu || !(variant in m.variants)) throw new Error(`no WebGPU backbone '${variant}' in family '${family}'`);
  const cfg = m.variants[variant];
  const size = m.inputSize(cfg).size;
  const w = syntheticParams(m.expectedKeys(cfg));
  // the 8-bit input, as the benchmark times it: its normalisation pass is the forward's first launch
  const x = benchInput(variant, batch * 3 * size * size, 'u8');
  const h = instrument(ctx);
  let seen: PreparedGroup[] | null = null;
  observeBackbonePlans((_, groups) => (seen = groups));
  try {
    return await scoped(ctx, async () => {
      await m.forwardGpu!(h.ctx, x, [batch, 3, size, size], w, cfg, { stages: false, timed: false });
      const groups = seen as PreparedGroup[] | null;
      if (!groups) throw new Error(`${variant}: its forward ran no backbone plan`);
      const measure = await profileDispatches(ctx, groups.map((g) => g.dispatches), o);
      return { measure, macs: batch * m.macs(cfg, size, size) };
    });
  } finally {
    observeBackbonePlans(null);
    m.releaseGpu?.(h.ctx, w);
  }
}

/** The roofs the bench measured (or knows from the data sheet), for the profile's shares. */
export function roofsFromReport(rep: BenchReport): Roofs {
  const tflops = rep.matmulTflops ?? rep.nominalPeakTflops;
  const gbps = rep.copy?.gbps ?? rep.nominalGBps;
  const t = rep.matmulTflops ? `measured ${rep.matmulTflops.toPrecision(3)} TFLOP/s (our Linear kernel)` : tflops ? `nominal ${tflops} TFLOP/s (${rep.peakSource})` : 'no compute peak known (--matmul)';
  const g = rep.copy ? `measured ${rep.copy.gbps.toPrecision(4)} GB/s copy bandwidth (${rep.copy.method})` : gbps ? `nominal ${gbps} GB/s (${rep.peakSource})` : 'no bandwidth known (--roofline)';
  return { tflops: tflops ? Number(tflops.toPrecision(3)) : null, gbps: gbps ?? null, basis: `${t}; ${g}` };
}

export interface ProfileSectionOptions extends ProfileOptions {
  /** op names, or 'all': every op with a WebGPU path */
  ops: string[] | 'all';
  grid: number;
  /** backbone variants, with their families */
  models: Array<{ family: string; variant: string }>;
  batch: number;
  roofs: Roofs;
  log?: (line: string) => void;
}

/** The Markdown section `--profile` prints: a table per op, an aggregation per backbone. */
export async function profileSection(ctx: GpuContext, o: ProfileSectionOptions): Promise<string> {
  const ops = o.ops === 'all' ? OPS.filter((op) => op.gpu).map((op) => op.name) : o.ops;
  const out = [`#### Per-kernel profile (ops at ${o.grid}×${o.grid}${o.models.length ? `, backbones at batch ${o.batch}` : ''})`, '',
    profileLegend(o.roofs, ctx.report.timestamps ? 'timestamp' : 'wall', o.reps)];
  for (const name of ops) {
    const op = opByName(name);
    if (!op?.gpu) {
      out.push('', `##### ${name}: no WebGPU path`);
      continue;
    }
    try {
      const r = await profileOp(ctx, op, o.grid, o);
      out.push('', opProfileMarkdown(`${name} ${o.grid}×${o.grid}`, r.measure, r.macs, o.roofs));
      o.log?.(`profile ${name}: ${r.measure.kernels.length} launches, ${(r.measure.onePassUs / 1e3).toFixed(3)} ms`);
    } catch (e) {
      out.push('', `##### ${name} ${o.grid}×${o.grid}: failed: ${(e as Error).message}`);
    }
  }
  for (const { family, variant } of o.models) {
    try {
      const r = await profileModel(ctx, family, variant, o.batch, o);
      out.push('', modelProfileMarkdown(`${variant} batch ${o.batch}`, r.measure, r.macs, o.roofs));
      o.log?.(`profile ${variant}: ${r.measure.kernels.length} launches, ${(r.measure.onePassUs / 1e3).toFixed(2)} ms`);
    } catch (e) {
      out.push('', `##### ${variant} batch ${o.batch}: failed: ${(e as Error).message}`);
    }
  }
  return out.join('\n');
}
