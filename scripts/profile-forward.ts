/**
 * Where a backbone forward's CPU time goes (Node + Dawn): counts the WebGPU calls of a steady
 * forward (submits, passes, dispatches, buffer/bind-group creations, writeBuffer, mapAsync) and
 * times the first forward (plan + pipelines), the JS up to the end of submit, and the whole call.
 * SwiftShader times are CPU emulation: compare ratios only.
 *   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json npx vite-node scripts/profile-forward.ts -- --models=litv2-s,vig-t --batches=1 --reps=3
 *   --list prints each pass's dispatches by kernel
 *   --dry drops the submits: call counts at full size without running anything
 *   --img=64 overrides imgSize (LITv2) so SwiftShader finishes; call counts do not depend on it
 */
import { GpuContext } from '../src/gpu/context';
import { MODELS } from '../src/models/registry';
import { syntheticParams } from '../src/ops/common/params';
import { prngInput } from '../src/weights/prng';
import { variantFamily } from '../src/parity/model-check';
import { median } from '../src/tensor/stats';
import { observeBackbonePlans, type BackbonePlan } from '../src/gpu/plan';
import { kernelName } from '../src/bench/kernel-label';
import { includeWgsl } from '../src/gpu/wgsl';

const arg = (n: string, d: string) => process.argv.find((a) => a.startsWith(`--${n}=`))?.slice(n.length + 3) ?? d;

type Counts = Record<string, number>;
const counts: Counts = {};
const bump = (k: string) => (counts[k] = (counts[k] ?? 0) + 1);
/** performance.now() of the last call of each wrapped method (its end), for the phase split */
const lastAt: Record<string, number> = {};

/** Wrap `name` on `obj`'s prototype so each call is counted (and timed under `t:name` when `time`). */
function wrap(obj: object, name: string, time = false): void {
  const proto = Object.getPrototypeOf(obj) as Record<string, unknown>;
  const f = proto[name] as ((...a: unknown[]) => unknown) | undefined;
  if (typeof f !== 'function' || (f as { __wrapped?: boolean }).__wrapped) return;
  const g = function (this: unknown, ...a: unknown[]) {
    bump(name);
    if (!time) {
      const r = f.apply(this, a);
      lastAt[name] = performance.now();
      return r;
    }
    const t0 = performance.now();
    const r = f.apply(this, a);
    lastAt[name] = performance.now();
    counts[`t:${name}`] = (counts[`t:${name}`] ?? 0) + lastAt[name] - t0;
    return r;
  };
  (g as { __wrapped?: boolean }).__wrapped = true;
  proto[name] = g;
}

async function main() {
  const mod = (await import('webgpu')) as unknown as { create(flags: string[]): GPU; globals: Record<string, unknown> };
  Object.assign(globalThis, mod.globals);
  const gpu = mod.create(['disable-dawn-features=timestamp_quantization']);
  const ctx = await GpuContext.acquire(gpu);
  const dev = ctx.device;
  for (const n of ['createBuffer', 'createBindGroup', 'createCommandEncoder', 'createQuerySet']) wrap(dev, n);
  // --dry: command buffers are dropped instead of submitted, so full-size call counts come at once
  // (the read-backs then map untouched buffers; times and outputs mean nothing)
  if (process.argv.includes('--dry')) (Object.getPrototypeOf(dev.queue) as { submit: () => void }).submit = () => undefined;
  wrap(dev.queue, 'submit', true);
  wrap(dev.queue, 'writeBuffer', true);
  wrap(dev.queue, 'onSubmittedWorkDone');
  const enc = dev.createCommandEncoder();
  const pass = enc.beginComputePass();
  wrap(enc, 'beginComputePass');
  wrap(enc, 'copyBufferToBuffer');
  wrap(enc, 'finish', true);
  wrap(pass, 'dispatchWorkgroups');
  pass.end();
  enc.finish();
  const sb = dev.createBuffer({ size: 16, usage: 1 | 8 });
  wrap(sb, 'mapAsync');
  sb.destroy();
  const reps = Number(arg('reps', '3'));
  // kernel names of the pipelines (from their WGSL) and the plan each forward runs, for --list
  const names = new Map<GPUComputePipeline, string>();
  const pipeline = ctx.pipeline.bind(ctx);
  ctx.pipeline = (source: string, entry = 'main') => {
    const p = pipeline(source, entry);
    // raw kernels come with their //#include lines unresolved; the names match expanded text
    if (!names.has(p)) names.set(p, kernelName(includeWgsl(source), entry));
    return p;
  };
  let plan: BackbonePlan | null = null;
  observeBackbonePlans((p) => (plan = p));
  for (const v of arg('models', 'litv2-s').split(',')) {
    const fam = variantFamily(v);
    const m = MODELS.find((f) => f.family === fam)!;
    // --img=N shrinks the input of models that take their size from the config (SwiftShader is slow)
    const img = Number(arg('img', '0'));
    const cfg = img ? { ...(m.variants[v] as object), imgSize: img } : m.variants[v];
    const size = m.inputSize(cfg).size;
    const w = syntheticParams(m.expectedKeys(cfg));
    for (const B of arg('batches', '1').split(',').map(Number)) {
      const x = Float32Array.from(prngInput(`bench:${v}`, B * 3 * size * size));
      const run = () => m.forwardGpu!(ctx, x, [B, 3, size, size], w, cfg, { stages: false, timed: true });
      for (const k of Object.keys(counts)) delete counts[k];
      let t0 = performance.now();
      await run();
      const first = performance.now() - t0;
      const firstCounts = { ...counts };
      const walls: number[] = [];
      const cpu: number[] = [];
      // process CPU time per forward: in Node, SwiftShader runs in this process, so this is the
      // emulated GPU's work, less sensitive to other load on the machine than wall time
      const proc: number[] = [];
      const gpus: number[] = [];
      let stageMs: number[] | undefined;
      for (let i = 0; i < reps; i++) {
        for (const k of Object.keys(counts)) delete counts[k];
        t0 = performance.now();
        const u0 = process.cpuUsage();
        const r = await run();
        const u = process.cpuUsage(u0);
        proc.push((u.user + u.system) / 1e3);
        walls.push(performance.now() - t0);
        // JS from the call to the end of submit: plan lookup, input write, encoding, finish, submit
        cpu.push(lastAt.submit - t0);
        gpus.push(r.gpuMs);
        stageMs = r.stageMs;
      }
      const per = Object.fromEntries(Object.entries(counts).map(([k, n]) => [k, k.startsWith('t:') ? +n.toFixed(2) : n]));
      console.log(`${v} b${B}: first forward ${first.toFixed(0)} ms (creates: buffers ${firstCounts.createBuffer ?? 0}, bind groups ${firstCounts.createBindGroup ?? 0}); `
        + `steady wall median ${median(walls).toFixed(1)} ms (CPU to submit ${median(cpu).toFixed(2)} ms, process CPU ${median(proc).toFixed(0)} ms), GPU ${median(gpus).toFixed(1)} ms (stages ${stageMs?.map((t) => t.toFixed(1)).join(' / ')})`);
      console.log(`  per steady forward (last rep): ${JSON.stringify(per)}`);
      if (process.argv.includes('--list') && plan) {
        for (const g of (plan as BackbonePlan).groups) {
          const byName = new Map<string, number>();
          for (const d of g.dispatches) byName.set(names.get(d.pipeline) ?? '?', (byName.get(names.get(d.pipeline) ?? '?') ?? 0) + 1);
          console.log(`  ${g.label}: ${g.dispatches.length} — ${[...byName].map(([k, n]) => `${k} ${n}`).join(', ')}`);
        }
      }
    }
    m.releaseGpu?.(ctx, w);
  }
  ctx.destroy();
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
