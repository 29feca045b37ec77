/**
 * Node entry of the benchmark (bundled to dist-bench/bench-node.mjs by `npm run bench -- --build`):
 * WebGPU through Dawn (`webgpu` package, left external so ../shared/tools/gpu-runtime can supply it
 * on a GPU machine). Prints a Markdown table and a BENCH_JSON line.
 */
import { GpuContext } from '../src/gpu/context';
import { reportMarkdown, runBench } from '../src/bench/suite';
import { benchModel, releaseBenchModels } from '../src/bench/models';
import { variantFamily } from '../src/parity/model-check';

function arg(name: string, fallback: string): string {
  return process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
}

async function main() {
  const modPath = process.env.WEBGPU_MODULE ?? 'webgpu';
  const mod = (await import(/* @vite-ignore */ modPath)) as { create(flags: string[]): GPU; globals: Record<string, unknown> };
  Object.assign(globalThis, mod.globals);
  // Dawn quantises timestamps to ~65 µs by default (a browser privacy measure); a benchmark wants
  // the real resolution.
  const gpu = mod.create(['disable-dawn-features=timestamp_quantization']);
  const ctx = await GpuContext.acquire(gpu);
  const rep = await runBench(ctx, {
    gpuName: arg('gpu-name', ''),
    ops: arg('ops', 'mhsa').split(','),
    grids: arg('grids', '14,28,56').split(',').map(Number),
    reps: Number(arg('reps', '20')),
    warmup: Number(arg('warmup', '3')),
    matmulN: Number(arg('matmul', '4096')) || undefined,
    log: (l) => console.error(l),
  });
  console.log(reportMarkdown(rep, 'Node + Dawn (webgpu npm)'));
  // Backbones: batch-1 latency and batch-N throughput with PRNG weights (--models=vig-t,vig-h-t).
  const models = arg('models', '').split(',').filter(Boolean);
  if (models.length) {
    const batches = arg('batches', '1,32').split(',').map(Number);
    console.log('\n| model | batch | MACs/img | median ms (wall) | p10–p90 ms | GPU ms | img/s |\n|---|---:|---:|---:|---:|---:|---:|');
    for (const v of models) {
      for (const b of batches) {
        try {
          const r = await benchModel(ctx, variantFamily(v), v, b, Number(arg('model-reps', '20')), { warmup: 3, log: (l) => console.error(l) });
          console.log(`| ${v} | ${b} | ${(r.macsPerImage / 1e9).toFixed(2)} G | ${r.medianMs.toFixed(2)} | ${r.p10Ms.toFixed(2)}–${r.p90Ms.toFixed(2)} | ${r.gpuMedianMs?.toFixed(2) ?? '–'} | ${r.imgPerSec.toFixed(0)} |`);
        } catch (e) {
          console.log(`| ${v} | ${b} | failed: ${(e as Error).message} | | | | |`);
        }
      }
    }
    releaseBenchModels(ctx);
  }
  console.log(`BENCH_JSON ${JSON.stringify(rep)}`);
  ctx.destroy();
  process.exit(0);
}

main().catch((e) => {
  console.error(`bench-node: ${(e as Error).message}`);
  process.exit(1);
});
