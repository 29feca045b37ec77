/** WebGPU path of mhsa: qkv Linear → fused online-softmax attention → proj Linear (one submit). */
import type { GpuContext } from '../../gpu/context';
import { expandWgsl } from '../../gpu/wgsl';
import flashWgsl from '../../../kernels/mhsa_flash.wgsl?raw';
import rowsWgsl from '../../../kernels/attn_rows.wgsl?raw';
import type { GpuOpOutput, GpuRunOptions, Params } from '../types';
import { linearDispatch } from '../common/gpu-linear';
import { uploadParam } from '../common/params';
import { validateMhsa, type MhsaConfig } from './spec';

export async function mhsaGpu(ctx: GpuContext, x: Float32Array, p: Params, c: MhsaConfig, opts: GpuRunOptions): Promise<GpuOpOutput> {
  validateMhsa(c);
  const N = c.H * c.W;
  const C = c.dim;
  const hd = C / c.heads;
  const scale = hd ** -0.5;
  const bufs: GPUBuffer[] = [];
  const keep = <T extends GPUBuffer>(b: T) => (bufs.push(b), b);
  const xb = keep(ctx.upload(x));
  const wq = keep(uploadParam(ctx, p, 'qkv.weight'));
  const bq = p['qkv.bias'] ? keep(uploadParam(ctx, p, 'qkv.bias')) : null;
  const wp = keep(uploadParam(ctx, p, 'proj.weight'));
  const bp = p['proj.bias'] ? keep(uploadParam(ctx, p, 'proj.bias')) : null;
  const qkv = keep(ctx.scratch(N * 3 * C));
  const o = keep(ctx.scratch(N * C));
  const y = keep(ctx.scratch(N * C));
  const dispatches = [
    linearDispatch(ctx, xb, wq, bq, qkv, N, 3 * C, C),
    {
      pipeline: ctx.pipeline(expandWgsl(flashWgsl, { HD: hd })),
      buffers: [qkv, o, ctx.uniform([N, C, c.heads, scale], ['u', 'u', 'u', 'f'])],
      workgroups: [Math.ceil(N / 64), c.heads] as [number, number],
    },
    linearDispatch(ctx, o, wp, bp, y, N, C, C),
  ];
  const rows = opts.rows ?? (opts.maps ? Array.from({ length: N }, (_, i) => i) : []);
  let attn: GPUBuffer | null = null;
  if (rows.length) {
    const rb = keep(ctx.upload(Uint32Array.from(rows)));
    attn = keep(ctx.scratch(c.heads * rows.length * N));
    dispatches.push({
      pipeline: ctx.pipeline(expandWgsl(rowsWgsl, { HD: hd })),
      buffers: [qkv, rb, attn, ctx.uniform([N, C, c.heads, scale, rows.length], ['u', 'u', 'u', 'f', 'u'])],
      workgroups: [rows.length, c.heads],
    });
  }
  const t = await ctx.run(dispatches, { timed: opts.timed ?? true });
  const out: GpuOpOutput = { y: await ctx.read(y, N * C), maps: {}, gpuMs: t.ms };
  if (attn) out.maps.attn = await ctx.read(attn, c.heads * rows.length * N);
  for (const b of bufs) b.destroy();
  return out;
}
