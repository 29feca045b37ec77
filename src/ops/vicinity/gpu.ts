/**
 * WebGPU path of Vicinity attention, linear in tokens (one submit):
 *   [q|k|v] Linear → SE: column mean, ReLU matvec, sigmoid matvec →
 *   φ(K)ᵀV and Σφ(K): split-K partials per 64-token chunk, reduced + clamped →
 *   φ(Q)·KV with z (tiled) → out_proj Linear → clamp + SE merge (in place).
 * Maps (opts.maps or opts.rows): attn rows z_t·φ(q_t)·φ(k_j) per head, [heads, rows, N], and the
 * locality rows [rows, N]; all N rows when opts.maps is set without opts.rows (fixture layout).
 * The trig table (cos/sin of the float32-rounded angles) is built on the CPU, O(N).
 */
import type { Dispatch, GpuContext } from '../../gpu/context';
import { expandWgsl } from '../../gpu/wgsl';
import colmeanWgsl from '../../../kernels/vicinity_colmean.wgsl?raw';
import matvecWgsl from '../../../kernels/vicinity_matvec.wgsl?raw';
import kvWgsl from '../../../kernels/vicinity_kv.wgsl?raw';
import kvReduceWgsl from '../../../kernels/vicinity_kv_reduce.wgsl?raw';
import applyWgsl from '../../../kernels/vicinity_apply.wgsl?raw';
import gateWgsl from '../../../kernels/vicinity_gate.wgsl?raw';
import rowsWgsl from '../../../kernels/vicinity_rows.wgsl?raw';
import type { GpuOpOutput, GpuRunOptions, Params } from '../types';
import { linearDispatch } from '../common/gpu-linear';
import { requireParam, uploadParam } from '../common/params';
import { validateVicinity, vicinityDims, type VicinityConfig } from './spec';
import { vicinityTrig } from './angles';

/** Tokens per split-K chunk of the key statistics. */
const KV_CHUNK = 64;

/** q, k, v weights stacked into one [3r, C] Linear so one matmul produces all three. */
function stackQkv(p: Params): { w: Float32Array; b: Float32Array } {
  const keys = ['q_proj', 'k_proj', 'v_proj'];
  const ws = keys.map((k) => requireParam(p, `${k}.weight`).data);
  const bs = keys.map((k) => requireParam(p, `${k}.bias`).data);
  const w = new Float32Array(ws.reduce((n, a) => n + a.length, 0));
  const b = new Float32Array(bs.reduce((n, a) => n + a.length, 0));
  let ow = 0;
  let ob = 0;
  for (let i = 0; i < 3; i++) {
    w.set(ws[i], ow);
    b.set(bs[i], ob);
    ow += ws[i].length;
    ob += bs[i].length;
  }
  return { w, b };
}

export async function vicinityGpu(ctx: GpuContext, x: Float32Array, p: Params, c: VicinityConfig, opts: GpuRunOptions): Promise<GpuOpOutput> {
  validateVicinity(c);
  const { N, r, d, seHidden } = vicinityDims(c);
  const C = c.dim;
  const h = c.heads;
  const S = 4 * d * d + 4 * d;
  const nchunks = Math.ceil(N / KV_CHUNK);
  const bufs: GPUBuffer[] = [];
  const keep = <T extends GPUBuffer>(b: T) => (bufs.push(b), b);

  const qkvW = stackQkv(p);
  const xb = keep(ctx.upload(x));
  const wqkv = keep(ctx.upload(qkvW.w));
  const bqkv = keep(ctx.upload(qkvW.b));
  const wse0 = keep(uploadParam(ctx, p, 'se_fc.0.weight'));
  const wse2 = keep(uploadParam(ctx, p, 'se_fc.2.weight'));
  const wout = keep(uploadParam(ctx, p, 'out_proj.weight'));
  const bout = keep(uploadParam(ctx, p, 'out_proj.bias'));
  const trig = keep(ctx.upload(Float32Array.from(vicinityTrig(c))));

  const qkv = keep(ctx.scratch(N * 3 * r));
  const mean = keep(ctx.scratch(C));
  const seHid = keep(ctx.scratch(seHidden));
  const se = keep(ctx.scratch(C));
  const part = keep(ctx.scratch(nchunks * h * S));
  const kv = keep(ctx.scratch(h * S));
  const o = keep(ctx.scratch(N * r));
  const y = keep(ctx.scratch(N * C));

  const per = Math.ceil((d * d) / 256);
  const dispatches: Dispatch[] = [
    linearDispatch(ctx, xb, wqkv, bqkv, qkv, N, 3 * r, C),
    { pipeline: ctx.pipeline(colmeanWgsl), buffers: [xb, mean, ctx.uniform([N, C])], workgroups: [C] },
    { pipeline: ctx.pipeline(matvecWgsl), buffers: [mean, wse0, seHid, ctx.uniform([seHidden, C, 0])], workgroups: [seHidden] },
    { pipeline: ctx.pipeline(matvecWgsl), buffers: [seHid, wse2, se, ctx.uniform([C, seHidden, 1])], workgroups: [C] },
    {
      pipeline: ctx.pipeline(expandWgsl(kvWgsl, { D: d, PER: per, PER4: 4 * per, TTD: 16 * d })),
      buffers: [qkv, trig, part, ctx.uniform([N, r, KV_CHUNK, h])],
      workgroups: [nchunks, h],
    },
    {
      pipeline: ctx.pipeline(kvReduceWgsl),
      buffers: [part, kv, ctx.uniform([h, nchunks, S, 4 * d * d])],
      workgroups: [Math.ceil((h * S) / 256)],
    },
    {
      pipeline: ctx.pipeline(expandWgsl(applyWgsl, { D: d })),
      buffers: [qkv, trig, kv, o, ctx.uniform([N, r, h])],
      workgroups: [Math.ceil(d / 64), Math.ceil(N / 64), h],
    },
    linearDispatch(ctx, o, wout, bout, y, N, C, r),
    { pipeline: ctx.pipeline(gateWgsl), buffers: [y, se, ctx.uniform([N, C])], workgroups: [Math.ceil((N * C) / 256)] },
  ];

  const rows = opts.rows ?? (opts.maps ? Array.from({ length: N }, (_, i) => i) : []);
  let attn: GPUBuffer | null = null;
  let locality: GPUBuffer | null = null;
  if (rows.length) {
    const rb = keep(ctx.upload(Uint32Array.from(rows)));
    attn = keep(ctx.scratch(h * rows.length * N));
    locality = keep(ctx.scratch(rows.length * N));
    dispatches.push({
      pipeline: ctx.pipeline(expandWgsl(rowsWgsl, { D: d })),
      buffers: [qkv, trig, kv, rb, attn, locality, ctx.uniform([N, r, h, rows.length])],
      workgroups: [rows.length, h],
    });
  }
  const t = await ctx.run(dispatches, { timed: opts.timed ?? true });
  const out: GpuOpOutput = { y: await ctx.read(y, N * C), maps: {}, gpuMs: t.ms };
  if (attn && locality) {
    out.maps.attn = await ctx.read(attn, h * rows.length * N);
    out.maps.locality = await ctx.read(locality, rows.length * N);
  }
  for (const b of bufs) b.destroy();
  return out;
}
