/**
 * What "fast" is measured against: nominal fp32 (non-tensor-core) peaks and memory bandwidths of
 * common GPUs by adapter name, and what this device really reaches: our tiled Linear kernel on a
 * large matmul, and a large buffer copy (copyBufferToBuffer and a vec4 copy kernel, the better one).
 */
import { BU, type Dispatch, type GpuContext } from '../gpu/context';
import { median } from '../tensor/stats';
import { bigDispatch, gemmDispatches, gemmPlan, linearDispatch, tileDispatch } from '../gpu/gemm';
import copyWgsl from '../../kernels/copy_vec4.wgsl?raw';

/** Dense fp32 FMA peak in TFLOP/s and memory bandwidth in GB/s (vendor data sheets; boost clocks). */
const NOMINAL: Array<[RegExp, number, number, string]> = [
  [/H200/i, 66.9, 4800, 'NVIDIA H200 SXM data sheet'],
  [/H100.*PCIe/i, 51.2, 2000, 'NVIDIA H100 PCIe data sheet'],
  [/H100/i, 66.9, 3350, 'NVIDIA H100 SXM data sheet'],
  [/A100.*80/i, 19.5, 2039, 'NVIDIA A100 80GB SXM data sheet'],
  [/A100/i, 19.5, 1555, 'NVIDIA A100 40GB data sheet'],
  [/L40S/i, 91.6, 864, 'NVIDIA L40S data sheet'],
  [/RTX 4090/i, 82.6, 1008, 'NVIDIA RTX 4090 spec'],
];

export function nominalPeak(adapterText: string): { tflops: number; gbps: number; source: string } | null {
  for (const [re, tflops, gbps, source] of NOMINAL) if (re.test(adapterText)) return { tflops, gbps, source };
  return null;
}


/** Median TFLOP/s of our Linear kernel on an n×n×n product (2·n³ flops). */
export async function measureMatmulTflops(ctx: GpuContext, n = 4096, reps = 5): Promise<number> {
  const a = ctx.scratch(n * n);
  const w = ctx.scratch(n * n);
  const y = ctx.scratch(n * n);
  const d = linearDispatch(ctx, a, w, null, y, n, n, n);
  await ctx.run([d]);
  const times: number[] = [];
  for (let i = 0; i < reps; i++) times.push((await ctx.run([d], { timed: true })).ms);
  for (const b of [a, w, y]) b.destroy();
  return (2 * n ** 3) / (median(times) * 1e-3) / 1e12;
}

/** GPU time of one M×N×K product (x·Wᵀ + b) on each GEMM kernel that can run it, and on the one gemmPlan picks. */
export interface GemmShapeTiming {
  shape: [number, number, number];
  picked: string;
  /** kernel → median ms */
  ms: Record<string, number>;
}

/** Time `shapes` ([M, N, K]) on linear.wgsl, linear_big (rn 4 and 8 where N allows) and gemmPlan's pick (bench `--gemm`). */
export async function timeGemmShapes(ctx: GpuContext, shapes: Array<[number, number, number]>, reps = 10): Promise<GemmShapeTiming[]> {
  const out: GemmShapeTiming[] = [];
  for (const [M, N, K] of shapes) {
    const x = ctx.scratch(M * K);
    const w = ctx.scratch(N * K);
    const b = ctx.scratch(N);
    const y = ctx.scratch(M * N);
    const part: GPUBuffer[] = [];
    const variants: Record<string, () => Dispatch[]> = {
      linear: () => [tileDispatch(ctx, x, w, b, y, M, N, K)],
      picked: () => gemmDispatches(ctx, (_r, n) => { const p = ctx.scratch(n); part.push(p); return p; }, x, w, b, y, M, N, K),
    };
    if (K % 4 === 0 && N % 4 === 0) variants.big4 = () => [bigDispatch(ctx, x, w, b, y, M, N, K, 4)];
    if (K % 4 === 0 && N % 128 === 0) variants.big8 = () => [bigDispatch(ctx, x, w, b, y, M, N, K, 8)];
    const ms: Record<string, number> = {};
    for (const [name, make] of Object.entries(variants)) {
      const d = make();
      await ctx.run(d);
      const t: number[] = [];
      for (let i = 0; i < reps; i++) t.push((await ctx.run(d, { timed: true })).ms);
      ms[name] = median(t);
    }
    const p = gemmPlan(M, N, K);
    out.push({ shape: [M, N, K], picked: p.kind === 'splitk' ? `splitk×${p.splits}` : p.kind === 'big' ? `big${p.rn}` : 'linear', ms });
    for (const buf of [x, w, b, y, ...part]) buf.destroy();
  }
  return out;
}

export interface CopyBandwidth {
  /** the better of the two, GB/s (bytes read + bytes written per second, 1 GB = 1e9 bytes) */
  gbps: number;
  method: 'copyBufferToBuffer' | 'vec4 kernel';
  bufferMB: number;
  copyBufferGBps: number;
  kernelGBps: number;
  timeSource: 'timestamp' | 'wall';
}

/**
 * GPU ms of `k` copyBufferToBuffer calls in one submit. With timestamps: between the end of an
 * empty compute pass before the copies and the start of one after them; otherwise wall time from
 * submit to completion (an upper bound that includes the submit latency).
 */
async function timeCopies(ctx: GpuContext, src: GPUBuffer, dst: GPUBuffer, bytes: number, k: number): Promise<{ ms: number; source: 'timestamp' | 'wall' }> {
  const dev = ctx.device;
  const enc = dev.createCommandEncoder();
  let qs: GPUQuerySet | null = null;
  if (ctx.report.timestamps) {
    qs = dev.createQuerySet({ type: 'timestamp', count: 2 });
    enc.beginComputePass({ timestampWrites: { querySet: qs, endOfPassWriteIndex: 0 } }).end();
  }
  for (let i = 0; i < k; i++) enc.copyBufferToBuffer(src, 0, dst, 0, bytes);
  let resolve: GPUBuffer | null = null;
  let readback: GPUBuffer | null = null;
  if (qs) {
    enc.beginComputePass({ timestampWrites: { querySet: qs, beginningOfPassWriteIndex: 1 } }).end();
    resolve = dev.createBuffer({ size: 16, usage: BU.QUERY_RESOLVE | BU.COPY_SRC });
    readback = dev.createBuffer({ size: 16, usage: BU.MAP_READ | BU.COPY_DST });
    enc.resolveQuerySet(qs, 0, 2, resolve, 0);
    enc.copyBufferToBuffer(resolve, 0, readback, 0, 16);
  }
  const t0 = performance.now();
  dev.queue.submit([enc.finish()]);
  await dev.queue.onSubmittedWorkDone();
  const wall = performance.now() - t0;
  if (qs && readback && resolve) {
    await readback.mapAsync(1);
    const t = new BigUint64Array(readback.getMappedRange().slice(0));
    readback.unmap();
    for (const b of [readback, resolve]) b.destroy();
    qs.destroy();
    const ns = Number(t[1] - t[0]);
    if (ns > 0) return { ms: ns / 1e6, source: 'timestamp' };
  }
  return { ms: wall, source: 'wall' };
}

/**
 * Achievable memory bandwidth: a buffer of `mb` MiB (capped by the device's limits) copied `k` times
 * per timed submit, median of `reps`, both with copyBufferToBuffer and with a vec4 copy kernel; the
 * better rate is the memory roof. Choose `mb` well above the last-level cache (H100/H200: 50 MB L2).
 */
export async function measureCopyGBps(ctx: GpuContext, mb = 256, reps = 5, k = 4): Promise<CopyBandwidth> {
  const lim = ctx.device.limits;
  const bytes = Math.floor(Math.min(mb * 2 ** 20, lim.maxStorageBufferBindingSize, lim.maxBufferSize) / 16) * 16;
  if (!(bytes >= 16)) throw new Error(`copy roofline: ${mb} MiB is no buffer to copy (use --copy-mb > 0, or --roofline=0 to skip it)`);
  const src = ctx.scratch(bytes / 4);
  const dst = ctx.scratch(bytes / 4);
  const n = bytes / 16;
  const perRow = Math.min(Math.ceil(n / 256), 32768);
  const dispatch = {
    pipeline: ctx.pipeline(copyWgsl),
    buffers: [src, dst], params: { n },
    workgroups: [perRow, Math.ceil(n / 256 / perRow)] as [number, number],
  };
  const moved = 2 * bytes * k;
  let source: 'timestamp' | 'wall' = 'wall';
  const copyTimes: number[] = [];
  const kernelTimes: number[] = [];
  await timeCopies(ctx, src, dst, bytes, 1);
  await ctx.run([dispatch]);
  for (let i = 0; i < reps; i++) {
    const c = await timeCopies(ctx, src, dst, bytes, k);
    copyTimes.push(c.ms);
    const d = await ctx.run(Array.from({ length: k }, () => dispatch), { timed: true });
    kernelTimes.push(d.ms);
    source = c.source === 'timestamp' && d.source === 'timestamp' ? 'timestamp' : 'wall';
  }
  for (const b of [src, dst]) b.destroy();
  const copyBufferGBps = moved / (median(copyTimes) * 1e-3) / 1e9;
  const kernelGBps = moved / (median(kernelTimes) * 1e-3) / 1e9;
  return {
    gbps: Math.max(copyBufferGBps, kernelGBps),
    method: copyBufferGBps >= kernelGBps ? 'copyBufferToBuffer' : 'vec4 kernel',
    bufferMB: bytes / 2 ** 20,
    copyBufferGBps,
    kernelGBps,
    timeSource: source,
  };
}
