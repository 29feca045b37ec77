/**
 * Node entry of the benchmark (bundled to dist-bench/bench-node.mjs by `npm run bench -- --build`):
 * WebGPU through Dawn (`webgpu` package, left external so ../shared/tools/gpu-runtime can supply it
 * on a GPU machine). Prints a Markdown table and a BENCH_JSON line.
 *   --ops=mhsa,hilo --grids=14,28,56 --reps=20 --warmup=3 --matmul=4096 --gpu-name="NVIDIA H200"
 *   --roofline (default on; --roofline=0 skips the copy-bandwidth measurement) --copy-mb=256
 *   --tfjs                          also time each op composed from stock tfjs ops
 *   --growth=14,21,28,42,56,70,84   cost growth of --growth-ops (default the six mechanisms)
 *   --chart=growth.svg              write the growth chart (log-log SVG)
 *   --models=vig-t,vig-h-t --batches=1,32 --model-reps=20   backbones
 *   --input=u8                      backbone input: u8 (8-bit RGB normalised on the GPU, default) or f32 (host-normalised)
 *   --storage=f32,half              backbone float storage: fp32, and/or 16-bit (f16 with shader-f16,
 *                                   else its emulation), whose logits error against fp32 is printed
 *   --knob-models=vig-t,litv2-s     knob change on a whole backbone → logits at batch 1 (issue 13)
 *   --profile --profile-grid=56 --profile-ops=all --profile-reps=10 --profile-warmup=2 --profile-batch=1
 *                                   per-kernel profile of the ops (--profile-ops= for none) and --models
 *   --attn-shape=8x2[x256]          force the attention core's launch shape (key splits × queries per
 *                                   thread × workgroup size; src/ops/common/attn.ts) to time shapes
 *   --gemm=6272x1536x384,196x1536x384   GPU time of M×N×K products on each GEMM kernel and the one picked
 *   --gma-tokens=N                  gma_mix's tokens per tile (at most the default; src/ops/gma/gpu.ts)
 *   --subgroups=0                   no subgroup operations in the kernels (lib/wg_reduce.wgsl's tree all
 *                                   the way down in workgroup memory) on a device that has them: A/B
 *   --again                         steadiness: after everything above (ops, tfjs compositions,
 *                                   backbones, profile, interaction, knob changes), time the ops and the backbones
 *                                   once more in the same process and print both tables again, to
 *                                   set beside the first ones and beside fresh processes
 */
import { benchKnobChange } from '../src/bench/knob-change';
import { attnShapeForce } from '../src/ops/common/attn';
import { gmaTuning } from '../src/ops/gma/gpu';
import { applyTuningFlags } from '../src/bench/tuning-flags';
import { writeFileSync } from 'node:fs';
import { GpuContext } from '../src/gpu/context';
import { reportMarkdown, runBench } from '../src/bench/suite';
import { growthChartSvg } from '../src/bench/chart';
import { benchModel, releaseBenchModels } from '../src/bench/models';
import { benchInteraction, interactionMarkdown } from '../src/bench/interaction';
import { variantFamily } from '../src/parity/model-check';
import { profileSection, roofsFromReport } from '../src/bench/profile';
import { timeGemmShapes } from '../src/bench/peak';

function arg(name: string, fallback: string): string {
  return process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
}

/** `--name` or `--name=1/true/yes` → true, `--name=0/false/no` → false, absent → fallback. */
function flag(name: string, fallback: boolean): boolean {
  if (process.argv.includes(`--${name}`)) return true;
  const v = arg(name, '');
  return v === '' ? fallback : !/^(0|false|no|off)$/i.test(v);
}

const list = (v: string) => v.split(',').filter(Boolean);

async function main() {
  const modPath = process.env.WEBGPU_MODULE ?? 'webgpu';
  const mod = (await import(/* @vite-ignore */ modPath)) as { create(flags: string[]): GPU; globals: Record<string, unknown> };
  Object.assign(globalThis, mod.globals);
  // Dawn quantises timestamps to ~65 µs by default (a browser privacy measure); a benchmark wants
  // the real resolution.
  const gpu = mod.create(['disable-dawn-features=timestamp_quantization']);
  // tfjs's WebGPU backend refuses to start without navigator.gpu (Node 20 has no navigator).
  const g = globalThis as { navigator?: { gpu?: GPU } };
  if (!g.navigator) g.navigator = { gpu };
  else if (!g.navigator.gpu) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  const ctx = await GpuContext.acquire(gpu);
  if (!flag('subgroups', true)) ctx.report.subgroups = false;
  const forced = arg('attn-shape', '').split('x').map(Number);
  if (forced[0]) Object.assign(attnShapeForce, { S: forced[0], QB: forced[1] || 1, WG: forced[2] || 256 });
  applyTuningFlags(arg);
  if (arg('gma-tokens', '')) gmaTuning.tokens = Number(arg('gma-tokens', ''));
  const growth = list(arg('growth', '')).map(Number);
  const opOptions = {
    gpuName: arg('gpu-name', ''),
    ops: list(arg('ops', 'mhsa')),
    grids: list(arg('grids', '14,28,56')).map(Number),
    reps: Number(arg('reps', '20')),
    warmup: Number(arg('warmup', '3')),
    log: (l: string) => console.error(l),
  };
  const rep = await runBench(ctx, {
    ...opOptions,
    matmulN: Number(arg('matmul', '4096')) || undefined,
    roofline: flag('roofline', true),
    copyMB: Number(arg('copy-mb', '256')),
    tfjs: flag('tfjs', false),
    growth,
    growthOps: list(arg('growth-ops', '')),
  });
  console.log(reportMarkdown(rep, 'Node + Dawn (webgpu npm)'));
  const chart = arg('chart', '');
  if (chart && rep.growth) {
    writeFileSync(chart, growthChartSvg(rep.growth, { title: `Median time against token count — ${rep.adapter}` }));
    console.error(`wrote ${chart}`);
  }
  const gemmShapes = list(arg('gemm', '')).map((s) => s.split('x').map(Number) as [number, number, number]);
  if (gemmShapes.length) {
    console.log('\n| M×N×K | picked | kernel: ms (TFLOP/s) |\n|---|---|---|');
    for (const g of await timeGemmShapes(ctx, gemmShapes)) {
      const f = 2 * g.shape[0] * g.shape[1] * g.shape[2];
      console.log(`| ${g.shape.join('×')} | ${g.picked} | ${Object.entries(g.ms).map(([k, ms]) => `${k}: ${ms.toFixed(3)} (${(f / ms / 1e9).toFixed(1)})`).join('; ')} |`);
    }
  }
  // Backbones: batch-1 latency and batch-N throughput with PRNG weights (--models=vig-t,vig-h-t).
  const models = list(arg('models', ''));
  const runModels = async () => {
    if (!models.length) return;
    const batches = arg('batches', '1,32').split(',').map(Number);
    const storages = list(arg('storage', 'f32'));
    console.log('\n| model | storage | batch | MACs/img | median ms (wall) | p10–p90 ms | GPU ms | GPU ms per stage | img/s, one forward | img/s, pipelined | logits vs f32 (rel L2, top-1) |\n|---|---|---:|---:|---:|---:|---:|---|---:|---:|---|');
    for (const v of models) {
      for (const st of storages) {
        for (const b of batches) {
          try {
            const r = await benchModel(ctx, variantFamily(v), v, b, Number(arg('model-reps', '20')), { warmup: 3, half: st !== 'f32', input: arg('input', 'u8') === 'f32' ? 'f32' : 'u8', log: (l) => console.error(l) });
            const err = r.halfError ? `${r.halfError.relL2.toExponential(2)}, ${(100 * r.halfError.top1Agree).toFixed(0)}%` : '–';
            console.log(`| ${v} | ${r.storage} | ${b} | ${(r.macsPerImage / 1e9).toFixed(2)} G | ${r.medianMs.toFixed(2)} | ${r.p10Ms.toFixed(2)}–${r.p90Ms.toFixed(2)} | ${r.gpuMedianMs?.toFixed(2) ?? '–'} | ${r.stageMedianMs?.map((t) => t.toFixed(2)).join(' / ') ?? '–'} | ${r.imgPerSec.toFixed(0)} | ${r.pipelinedImgPerSec?.toFixed(0) ?? '–'} | ${err} |`);
          } catch (e) {
            console.log(`| ${v} | ${st} | ${b} | failed: ${(e as Error).message} | | | | | | | |`);
          }
        }
      }
    }
    releaseBenchModels(ctx);
  };
  await runModels();
  // Per launch: kernel, workgroups, bytes bound, time; totals against the roofs (--profile).
  if (flag('profile', false)) {
    console.log('\n' + await profileSection(ctx, {
      ops: arg('profile-ops', 'all') === 'all' ? 'all' : list(arg('profile-ops', '')), grid: Number(arg('profile-grid', '56')),
      reps: Number(arg('profile-reps', '10')), warmup: Number(arg('profile-warmup', '2')),
      models: models.map((v) => ({ family: variantFamily(v), variant: v })), batch: Number(arg('profile-batch', '1')),
      roofs: roofsFromReport(rep), log: (l) => console.error(l),
    }));
  }
  // Slider → map, the GPU half (op run + map read-back per change), p50/p95 (--interaction).
  if (flag('interaction', false)) {
    const ir = await benchInteraction(ctx, { grids: list(arg('interaction-grids', '14,56')).map(Number), reps: Number(arg('interaction-reps', '30')), log: (l) => console.error(l) });
    console.log('\n' + interactionMarkdown(ir, 'Node + Dawn (GPU half: op run + map read-back)'));
  }
  // Knob change on a whole backbone → logits, batch 1 (--knob-models=vig-t,litv2-s).
  const knobModels = list(arg('knob-models', ''));
  if (knobModels.length) {
    console.log('\n| model | knob | first visit p50 / p95 ms | new setting p50 / p95 ms | cached setting p50 / p95 ms |\n|---|---|---:|---:|---:|');
    for (const v of knobModels) {
      const r = await benchKnobChange(ctx, variantFamily(v), v, { log: (l) => console.error(l) });
      console.log(`| ${v} | ${r.knob} (${r.fresh.n} values) | ${r.cold.p50.toFixed(2)} / ${r.cold.p95.toFixed(2)} | ${r.fresh.p50.toFixed(2)} / ${r.fresh.p95.toFixed(2)} | ${r.cached.p50.toFixed(2)} / ${r.cached.p95.toFixed(2)} |`);
    }
  }
  if (flag('again', false)) {
    // the same op rows (no roofs, tfjs or growth this time) and backbones, late in the same process
    const again = await runBench(ctx, { ...opOptions, roofline: false });
    for (const row of again.rows) {
      const first = rep.rows.find((r) => r.op === row.op && r.grid === row.grid);
      if (first) Object.assign(row, { floorMs: first.floorMs, bound: first.bound, floorRatio: first.floorMs ? row.medianMs / first.floorMs : null });
    }
    console.log('\n### Again, after everything above in the same process\n\n' + reportMarkdown({ ...again, tfjsBackend: null }, 'Node + Dawn (webgpu npm), same process'));
    await runModels();
  }
  console.log(`BENCH_JSON ${JSON.stringify(rep)}`);
  ctx.destroy();
  process.exit(0);
}

main().catch((e) => {
  console.error(`bench-node: ${(e as Error).message}`);
  process.exit(1);
});
