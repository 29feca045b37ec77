/**
 * Steadiness probe (issue 14): the same work measured fresh, after tfjs-composition churn, after
 * re-creating our buffers, and after explicit buffer churn — in ONE process, so a slowdown and what
 * clears it show up side by side. Node + Dawn only (bundled like the bench, see buildProbeBundle).
 *   node dist-bench/steady-probe.mjs --models=litv2-s,vig-t --ops=gla2d,fasa,vicinity,gma --grid=56
 *        [--dawn=flag,flag] [--churn=tfjs|buffers|none] [--reps=20] [--submit-first=8] [--submit-split=0|1]
 *        [--breakdown=1] [--split-min-steps=N] [--rows32-below=N] [--wgsl-swap=a:b]
 * Prints `PROBE {json}` lines: { phase, what, gpuMs, wallMs }; with --breakdown also `HOST {json}`
 * lines per backbone: medians over the timed forwards of where the host's part of the wall time
 * goes (ms from the forwardGpu call to its first submit, its last submit, the read-back's map
 * resolving, and its return; submits per forward).
 */
import { BU, GpuContext } from '../src/gpu/context';
import { runBench } from '../src/bench/suite';
import { benchModel, releaseBenchModels } from '../src/bench/models';
import { variantFamily } from '../src/parity/model-check';
import { applyTuningFlags } from '../src/bench/tuning-flags';
import { MODELS } from '../src/models/registry';
import { median } from '../src/tensor/stats';

function arg(name: string, fallback: string): string {
  return process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
}
const list = (v: string) => v.split(',').filter(Boolean);

async function main() {
  const mod = (await import(/* @vite-ignore */ process.env.WEBGPU_MODULE ?? 'webgpu')) as { create(flags: string[]): GPU; globals: Record<string, unknown> };
  Object.assign(globalThis, mod.globals);
  const extra = list(arg('dawn', ''));
  const gpu = mod.create(['disable-dawn-features=timestamp_quantization', ...extra]);
  const g = globalThis as { navigator?: { gpu?: GPU } };
  if (!g.navigator) g.navigator = { gpu };
  else if (!g.navigator.gpu) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  const ctx = await GpuContext.acquire(gpu);
  const models = list(arg('models', 'litv2-s'));
  const ops = list(arg('ops', 'gla2d,fasa,vicinity,gma'));
  const grid = Number(arg('grid', '56'));
  const reps = Number(arg('reps', '20'));
  const churn = list(arg('churn', 'tfjs'));
  applyTuningFlags(arg);
  const emit = (phase: string, what: string, gpuMs: number | null, wallMs: number) =>
    console.log(`PROBE ${JSON.stringify({ phase, what, gpuMs: gpuMs === null ? null : +gpuMs.toFixed(4), wallMs: +wallMs.toFixed(4) })}`);

  const host = arg('breakdown', '') === '1' ? hostBreakdown() : null;
  const measure = async (phase: string) => {
    for (const v of models) {
      host?.rows.splice(0);
      const r = await benchModel(ctx, variantFamily(v), v, 1, reps, { warmup: 3 });
      emit(phase, `${v} b1`, r.gpuMedianMs, r.medianMs);
      if (host) console.log(`HOST ${JSON.stringify({ phase, what: `${v} b1`, ...host.summary(reps) })}`);
    }
    if (ops.length) {
      const rep = await runBench(ctx, { ops, grids: [grid], reps, warmup: 3, roofline: false, tfjs: false });
      for (const row of rep.rows) emit(phase, `${row.op} ${row.grid}`, row.medianMs, row.medianMs);
    }
  };

  await measure('fresh');
  await measure('fresh-again');
  for (const c of churn) {
    if (c === 'tfjs') {
      await runBench(ctx, { ops: ['mhsa', 'hilo', 'gla', 'gla2d', 'vicinity', 'fasa', 'gma'], grids: [14, 28, 56], reps: 5, warmup: 1, roofline: false, tfjs: true });
    } else if (c === 'buffers') {
      // our own churn: many short-lived storage buffers of mixed sizes, as tfjs makes them
      for (let i = 0; i < 20000; i++) {
        const b = ctx.device.createBuffer({ size: 256 * (1 + (i * 7919) % 4096), usage: BU.STORAGE | BU.COPY_SRC | BU.COPY_DST });
        if (i % 2 === 0) ctx.device.queue.writeBuffer(b, 0, new Float32Array(64));
        b.destroy();
        if (i % 1000 === 999) await ctx.device.queue.onSubmittedWorkDone();
      }
    } else if (c === 'uniforms') {
      for (let i = 0; i < 20000; i++) ctx.uniformBuffer(new Uint32Array([i, 1, 2, 3]).buffer).destroy();
      await ctx.device.queue.onSubmittedWorkDone();
    } else if (c === 'roofline') {
      await runBench(ctx, { ops: [], grids: [], reps: 1, warmup: 0, matmulN: 4096, roofline: true, copyMB: 256 });
    }
    await measure(`after-${c}`);
    releaseBenchModels(ctx);
    await measure(`after-${c}-rebuilt`);
  }
  ctx.destroy();
  process.exit(0);
}

/** Per forward: call time, submit times, when the read-back's map resolved, return time (see --breakdown). */
interface HostRow { t0: number; subs: number[]; mapped?: number; end?: number }

function hostBreakdown() {
  const rows: HostRow[] = [];
  let cur: HostRow | null = null;
  // dawn.node's globals are the classes of its objects: patching their prototypes sees every call
  const q = GPUQueue.prototype as unknown as { submit: (...a: unknown[]) => unknown };
  const submit = q.submit;
  q.submit = function (this: unknown, ...a: unknown[]) {
    const r = submit.apply(this, a);
    cur?.subs.push(performance.now());
    return r;
  };
  const bp = GPUBuffer.prototype as unknown as { mapAsync: (...a: unknown[]) => Promise<void> };
  const mapAsync = bp.mapAsync;
  bp.mapAsync = function (this: unknown, ...a: unknown[]) {
    const p = mapAsync.apply(this, a);
    const row = cur;
    if (row) p.then(() => (row.mapped ??= performance.now()), () => undefined);
    return p;
  };
  for (const m of MODELS) {
    const f = m.forwardGpu;
    if (!f) continue;
    (m as { forwardGpu: typeof f }).forwardGpu = (async (...a: Parameters<typeof f>) => {
      const row: HostRow = { t0: performance.now(), subs: [] };
      cur = row;
      try {
        return await f(...a);
      } finally {
        row.end = performance.now();
        cur = null;
        rows.push(row);
      }
    }) as typeof f;
  }
  const ms = (v: number[]) => +median(v).toFixed(4);
  return {
    rows,
    /** medians over the last `n` forwards (the timed ones) */
    summary(n: number) {
      const r = rows.slice(-n).filter((x) => x.subs.length && x.mapped !== undefined && x.end !== undefined);
      return {
        n: r.length,
        submits: ms(r.map((x) => x.subs.length)),
        firstSubmitMs: ms(r.map((x) => x.subs[0] - x.t0)),
        lastSubmitMs: ms(r.map((x) => x.subs[x.subs.length - 1] - x.t0)),
        mappedMs: ms(r.map((x) => x.mapped! - x.t0)),
        returnMs: ms(r.map((x) => x.end! - x.t0)),
      };
    },
  };
}

main().catch((e) => {
  console.error(`steady-probe: ${(e as Error).stack}`);
  process.exit(1);
});
