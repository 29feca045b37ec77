/**
 * Launches recorded back to back, each pass timed by GPU timestamps in one submit: the per-kernel
 * profile's timer, and the op benchmark's (`timeBackToBack`). Timing an op by one submit per run
 * (upload, run, read back) leaves the GPU idle between runs, and an H100 then holds its clock on a
 * 1305–1410 MHz plateau: the same op read 1.5–1.8× slower at the start of a process than at its end
 * (BENCHMARKS.md, 2026-12-06). Back to back, the GPU is busy for the whole measurement.
 */
import { BU, type Dispatch, type GpuContext } from '../gpu/context';
import { settleClocks } from '../gpu/clock-settle';

export interface Launch {
  pipeline: GPUComputePipeline;
  bind: GPUBindGroup;
  wg: [number, number, number];
}

/** Timestamp queries per query set (the WebGPU maximum is 4096). */
const MAX_QUERIES = 4096;

/**
 * GPU ms of each pass (a list of launches), passes recorded back to back. Timestamps: one submit
 * per ≤ 2048 passes. Without them each pass is its own submit, timed by the wall clock.
 */
export async function timePasses(ctx: GpuContext, passes: Launch[][]): Promise<{ ms: number[]; source: 'timestamp' | 'wall' }> {
  const dev = ctx.device;
  const record = (pass: GPUComputePassEncoder, ls: Launch[]) => {
    for (const l of ls) {
      pass.setPipeline(l.pipeline);
      pass.setBindGroup(0, l.bind);
      pass.dispatchWorkgroups(l.wg[0], l.wg[1], l.wg[2]);
    }
    pass.end();
  };
  const ms: number[] = [];
  if (!ctx.report.timestamps) {
    for (const ls of passes) {
      const enc = dev.createCommandEncoder();
      record(enc.beginComputePass(), ls);
      const t0 = performance.now();
      dev.queue.submit([enc.finish()]);
      await dev.queue.onSubmittedWorkDone();
      ms.push(performance.now() - t0);
    }
    return { ms, source: 'wall' };
  }
  for (let start = 0; start < passes.length; start += MAX_QUERIES / 2) {
    const chunk = passes.slice(start, start + MAX_QUERIES / 2);
    const n = 2 * chunk.length;
    const qs = dev.createQuerySet({ type: 'timestamp', count: n });
    const resolve = dev.createBuffer({ size: n * 8, usage: BU.QUERY_RESOLVE | BU.COPY_SRC });
    const read = dev.createBuffer({ size: n * 8, usage: BU.MAP_READ | BU.COPY_DST });
    const enc = dev.createCommandEncoder();
    chunk.forEach((ls, i) => record(enc.beginComputePass({ timestampWrites: { querySet: qs, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } }), ls));
    enc.resolveQuerySet(qs, 0, n, resolve, 0);
    enc.copyBufferToBuffer(resolve, 0, read, 0, n * 8);
    dev.queue.submit([enc.finish()]);
    await read.mapAsync(1);
    const t = new BigUint64Array(read.getMappedRange().slice(0));
    read.unmap();
    for (const b of [read, resolve]) b.destroy();
    qs.destroy();
    for (let i = 0; i < chunk.length; i++) ms.push(Number(t[2 * i + 1] - t[2 * i]) / 1e6);
  }
  return { ms, source: 'timestamp' };
}

/** The launches of `dispatches` with their bind groups; `own` receives the uniform buffers made for them. */
export function launchesOf(ctx: GpuContext, dispatches: readonly Dispatch[], own: (b: GPUBuffer) => void): Launch[] {
  return dispatches.map((d) => ({ pipeline: d.pipeline, bind: ctx.bindGroup(d, own), wg: [d.workgroups[0], d.workgroups[1] ?? 1, d.workgroups[2] ?? 1] }));
}

/**
 * GPU ms of `reps` runs of `dispatches` (one pass each), recorded back to back in one submit after
 * `warmup` more, once the clocks settle under the same back-to-back load. Sorted ascending.
 */
export async function timeBackToBack(ctx: GpuContext, dispatches: readonly Dispatch[], reps: number, warmup = 0): Promise<number[]> {
  const uniforms: GPUBuffer[] = [];
  const one = launchesOf(ctx, dispatches, (u) => uniforms.push(u));
  const runs = (n: number) => Array.from({ length: n }, () => one);
  try {
    // settle units of 5·reps runs: long enough to keep the GPU busy between the host's checks
    await settleClocks(async () => (await timePasses(ctx, runs(5 * reps))).ms.reduce((a, b) => a + b, 0), { skip: ctx.report.software });
    return (await timePasses(ctx, runs(warmup + reps))).ms.slice(warmup).sort((a, b) => a - b);
  } finally {
    for (const u of uniforms) u.destroy();
  }
}
