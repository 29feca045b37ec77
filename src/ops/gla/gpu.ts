/**
 * WebGPU path of ViG's attention, one submit:
 *   dwconv(+SiLU) → [q|k|v|g] Linear and the low-rank gate Linears → log-decay → chunked
 *   bidirectional scan → merge/norms/locality gate → o_proj (→ transpose for ViG-H)
 *   (+ the effective-weight / decay maps kernel when maps are requested).
 * Maps: log_decay_f/b [h,L,dk] and gate [L,V] always cover all tokens; attn_f/b and decay_f/b are
 * per query: all L rows when `maps` (the fixture layout [h,L,L]), or only `rows` → [h,rows.length,L].
 */
import type { Dispatch, GpuContext } from '../../gpu/context';
import { expandWgsl } from '../../gpu/wgsl';
import dwconvWgsl from '../../../kernels/gla_dwconv.wgsl?raw';
import gatesWgsl from '../../../kernels/gla_gates.wgsl?raw';
import scanWgsl from '../../../kernels/gla_scan.wgsl?raw';
import mergeWgsl from '../../../kernels/gla_merge.wgsl?raw';
import mapsWgsl from '../../../kernels/gla_maps.wgsl?raw';
import transposeWgsl from '../../../kernels/gla_transpose.wgsl?raw';
import type { GpuOpOutput, Params } from '../types';
import { linearDispatch } from '../common/gpu-linear';
import { requireParam, uploadParam } from '../common/params';
import { directionWeights, glaDims, validateGla, type GlaConfig } from './spec';

export interface GlaGpuOptions {
  /** all query rows of the N×N maps (parity), or these rows only (the UI), or none */
  maps: boolean;
  rows?: number[];
  timed?: boolean;
}

/** value columns per scan workgroup */
const DVB = 16;

/** Chunk length: 16 (fla's) while the chunk's q/k/γ tiles fit in 16 KiB of workgroup memory. */
export function scanChunk(dk: number): number {
  return Math.max(4, Math.min(16, 2 ** Math.floor(Math.log2(512 / dk))));
}

/** qkv_proj and g_proj read the same xs: one Linear with the weights stacked [q|k|v|g]. */
function stackedQkvG(p: Params, K: number, V: number, C: number): { w: Float32Array; b: Float32Array } {
  const qkv = requireParam(p, 'qkv_proj.weight').data;
  const g = requireParam(p, 'g_proj.weight').data;
  const w = new Float32Array((2 * K + 2 * V) * C);
  w.set(qkv);
  w.set(g, qkv.length);
  const b = new Float32Array(2 * K + 2 * V);
  b.set(requireParam(p, 'g_proj.bias').data, 2 * K + V);
  return { w, b };
}

export async function glaGpu(ctx: GpuContext, x: Float32Array, p: Params, c: GlaConfig, opts: GlaGpuOptions): Promise<GpuOpOutput> {
  validateGla(c);
  const { L, C, K, V, dk, dv, scale } = glaDims(c);
  if (dk > 128) throw new Error(`gla: per-head key dim ${dk} > 128 is not supported on the GPU path`);
  const h = c.heads;
  const r = c.lowRank;
  const stride = 2 * K + 2 * V;
  const rows = opts.rows ?? (opts.maps ? Array.from({ length: L }, (_, i) => i) : []);
  const wantMaps = opts.maps || rows.length > 0;
  const [wf, wb] = directionWeights(c);

  const bufs: GPUBuffer[] = [];
  const keep = <T extends GPUBuffer>(b: T) => (bufs.push(b), b);
  const stacked = stackedQkvG(p, K, V, C);
  const xb = keep(ctx.upload(x));
  const wIn = keep(uploadParam(ctx, p, 'in_proj.0.weight'));
  const wProj = keep(ctx.upload(stacked.w));
  const bProj = keep(ctx.upload(stacked.b));
  const wGk0 = keep(uploadParam(ctx, p, 'gk_proj.0.weight'));
  const wGk1 = keep(uploadParam(ctx, p, 'gk_proj.1.weight'));
  const bGk1 = keep(uploadParam(ctx, p, 'gk_proj.1.bias'));
  const wO = keep(uploadParam(ctx, p, 'o_proj.weight'));
  const gnw = keep(uploadParam(ctx, p, 'g_norm.weight'));
  const lnw = keep(uploadParam(ctx, p, 'l_norm.weight'));
  const loc = keep(ctx.scratch(L * C));
  const proj = keep(ctx.scratch(L * stride));
  const z0 = keep(ctx.scratch(L * r));
  const z = keep(ctx.scratch(L * 2 * K));
  const gam = keep(ctx.scratch(2 * L * K));
  const ob = keep(ctx.scratch(2 * L * V));
  const gcum = keep(ctx.scratch(wantMaps ? 2 * L * K : 1));
  const ycat = keep(ctx.scratch(L * V));
  const gate = keep(ctx.scratch(L * V));
  const yTok = keep(ctx.scratch(L * C));

  const bt = scanChunk(dk);
  const dirs = wf && wb ? 2 : 1;
  const dispatches: Dispatch[] = [
    {
      pipeline: ctx.pipeline(dwconvWgsl),
      buffers: [xb, wIn, loc, ctx.uniform([c.H, c.W, C, c.layout === 'channels' ? 1 : 0, c.actInConv ? 1 : 0])],
      workgroups: [Math.ceil(C / 64), L],
    },
    linearDispatch(ctx, loc, wProj, bProj, proj, L, stride, C),
    linearDispatch(ctx, loc, wGk0, null, z0, L, r, C),
    linearDispatch(ctx, z0, wGk1, bGk1, z, L, 2 * K, r),
    {
      pipeline: ctx.pipeline(gatesWgsl),
      buffers: [z, gam, ctx.uniform([L, K, dk, h, 1 / c.tau, c.clampMin === null ? 0 : 1, c.clampMin ?? 0], ['u', 'u', 'u', 'u', 'f', 'u', 'f'])],
      workgroups: [Math.ceil((2 * K) / 64), L],
    },
    {
      pipeline: ctx.pipeline(expandWgsl(scanWgsl, { DK: dk, BT: bt, DVB })),
      buffers: [proj, gam, ob, gcum, ctx.uniform([L, K, dv, h, stride, V, scale, wantMaps ? 1 : 0, wf ? 0 : 1], ['u', 'u', 'u', 'u', 'u', 'u', 'f', 'u', 'u'])],
      workgroups: [Math.ceil(dv / DVB), h, dirs],
    },
    {
      pipeline: ctx.pipeline(mergeWgsl),
      buffers: [
        ob, loc, proj, gnw, lnw, ycat, gate,
        ctx.uniform([L, V, h, dv, wf, wb, { learned: 0, off: 1, full: 2 }[c.locality], c.outAct ? 1 : 0, c.eps, stride, 2 * K + V],
          ['u', 'u', 'u', 'u', 'f', 'f', 'u', 'u', 'f', 'u', 'u']),
      ],
      workgroups: [Math.ceil(L / 64), h],
    },
    linearDispatch(ctx, ycat, wO, null, yTok, L, C, V),
  ];
  let y = yTok;
  if (c.layout === 'channels') {
    y = keep(ctx.scratch(L * C));
    dispatches.push({
      pipeline: ctx.pipeline(transposeWgsl),
      buffers: [yTok, y, ctx.uniform([L, C])],
      workgroups: [Math.ceil(C / 16), Math.ceil(L / 16)],
    });
  }
  let attn: GPUBuffer | null = null;
  let decay: GPUBuffer | null = null;
  if (rows.length) {
    const rb = keep(ctx.upload(Uint32Array.from(rows)));
    attn = keep(ctx.scratch(2 * h * rows.length * L));
    decay = keep(ctx.scratch(2 * h * rows.length * L));
    dispatches.push({
      pipeline: ctx.pipeline(expandWgsl(mapsWgsl, { DK: dk })),
      buffers: [proj, gcum, rb, attn, decay, ctx.uniform([L, K, h, stride, rows.length, scale, wf ? 1 : 0, wb ? 1 : 0], ['u', 'u', 'u', 'u', 'u', 'f', 'u', 'u'])],
      workgroups: [Math.ceil(L / 64), Math.ceil(rows.length / 8), 2 * h],
    });
  }

  const t = await ctx.run(dispatches, { timed: opts.timed ?? true });
  const out: GpuOpOutput = { y: await ctx.read(y, L * C), maps: {}, gpuMs: t.ms };
  if (wantMaps) {
    const half = h * L * dk;
    out.maps.log_decay_f = await ctx.read(gam, half);
    out.maps.log_decay_b = await ctx.read(gam, half, half);
    out.maps.gate = await ctx.read(gate, L * V);
  }
  if (attn && decay) {
    const n = h * rows.length * L;
    out.maps.attn_f = await ctx.read(attn, n);
    out.maps.attn_b = await ctx.read(attn, n, n);
    out.maps.decay_f = await ctx.read(decay, n);
    out.maps.decay_b = await ctx.read(decay, n, n);
  }
  for (const b of bufs) b.destroy();
  return out;
}
