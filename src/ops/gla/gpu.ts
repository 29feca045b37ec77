/**
 * WebGPU path of ViG's attention, one submit:
 *   dwconv(+SiLU) → [q|k|v|g] Linear and the low-rank gate Linears → log-decay → chunked
 *   bidirectional scan → merge/norms/locality gate → o_proj (→ transpose for ViG-H)
 *   (+ the effective-weight / decay maps kernel when maps are requested).
 * Maps: log_decay_f/b [h,L,dk] and gate [L,V] always cover all tokens; attn_f/b and decay_f/b are
 * per query: all L rows when `maps` (the fixture layout [h,L,L]), or only `rows` → [h,rows.length,L].
 *
 * The pieces are exported so a backbone can record the op inside its own pass: uploadGlaWeights
 * (once per weights), glaDispatches (the dispatch list for given input/output buffers and a batch
 * of images, scratch from the caller's allocator). glaGpu is the op's one-submit wrapper.
 */
import type { Dispatch, GpuContext } from '../../gpu/context';
import { expandWgsl, kernelText } from '../../gpu/wgsl';
import gatesWgsl from '../../../kernels/gla_gates.wgsl?raw';
import scanWgsl from '../../../kernels/gla_scan.wgsl?raw';
import chunkStateWgsl from '../../../kernels/gla_chunk_state.wgsl?raw';
import chunkScanWgsl from '../../../kernels/gla_chunk_scan.wgsl?raw';
import mergeWgsl from '../../../kernels/gla_merge.wgsl?raw';
import mapsWgsl from '../../../kernels/gla_maps.wgsl?raw';
import transposeWgsl from '../../../kernels/gla_transpose.wgsl?raw';
import { runOpOnce, type ScratchAlloc } from '../common/gpu-run';
import type { GpuOpOutput, GpuRunOptions, Params } from '../types';
import { linearDispatch } from '../../gpu/gemm';
import { dwconvDispatch } from '../../gpu/plan/layers';
import { requireParam, uploadParam } from '../common/params';
import { directionWeights, glaDims, validateGla, type GlaConfig } from './spec';

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

/** One GLA module's weights on the GPU (float32). */
export interface GlaGpuWeights {
  wIn: GPUBuffer;
  wProj: GPUBuffer;
  bProj: GPUBuffer;
  wGk0: GPUBuffer;
  wGk1: GPUBuffer;
  bGk1: GPUBuffer;
  wO: GPUBuffer;
  gnw: GPUBuffer;
  lnw: GPUBuffer;
  /** every buffer above, for destroy() */
  all: GPUBuffer[];
}

/** Upload one module's state_dict (keys without prefix: 'qkv_proj.weight', …). */
export function uploadGlaWeights(ctx: GpuContext, p: Params, c: GlaConfig): GlaGpuWeights {
  const { C, K, V } = glaDims(c);
  const stacked = stackedQkvG(p, K, V, C);
  const w = {
    wIn: uploadParam(ctx, p, 'in_proj.0.weight'),
    wProj: ctx.upload(stacked.w),
    bProj: ctx.upload(stacked.b),
    wGk0: uploadParam(ctx, p, 'gk_proj.0.weight'),
    wGk1: uploadParam(ctx, p, 'gk_proj.1.weight'),
    bGk1: uploadParam(ctx, p, 'gk_proj.1.bias'),
    wO: uploadParam(ctx, p, 'o_proj.weight'),
    gnw: uploadParam(ctx, p, 'g_norm.weight'),
    lnw: uploadParam(ctx, p, 'l_norm.weight'),
  };
  return { ...w, all: Object.values(w) };
}

export interface GlaDispatchIO {
  /** input: B images back to back, each tokens [L,C] ('tokens') or [C,L] ('channels') */
  x: GPUBuffer;
  /** output, same layout as x */
  y: GPUBuffer;
  batch?: number;
}

export interface GlaDispatchResult {
  dispatches: Dispatch[];
  /** log-decay [B, 2, h, L, dk] (per image: the log_decay_f half, then log_decay_b) */
  gam: GPUBuffer;
  /** the gate G actually used, [B·L, V] */
  gate: GPUBuffer;
  /** per-query maps [2, h, rows, L] (batch 1 only, when rows/maps were asked for) */
  attn: GPUBuffer | null;
  decay: GPUBuffer | null;
  rows: number;
}

/**
 * The op's dispatches for a batch of images: x → y with weights `w`. Buffers come from `alloc`
 * (role, floats); uniforms are created here. Maps (opts.maps / opts.rows) need batch 1.
 */
export function glaDispatches(ctx: GpuContext, w: GlaGpuWeights, c: GlaConfig, io: GlaDispatchIO, alloc: ScratchAlloc, opts: { maps?: boolean; rows?: number[] } = {}): GlaDispatchResult {
  validateGla(c);
  const { L, C, K, V, dk, dv, scale } = glaDims(c);
  if (dk > 128) throw new Error(`gla: per-head key dim ${dk} > 128 is not supported on the GPU path`);
  const B = io.batch ?? 1;
  const BL = B * L;
  const h = c.heads;
  const r = c.lowRank;
  const stride = 2 * K + 2 * V;
  const rows = opts.rows ?? (opts.maps ? Array.from({ length: L }, (_, i) => i) : []);
  const wantMaps = Boolean(opts.maps) || rows.length > 0;
  if (wantMaps && B !== 1) throw new Error('gla: maps need batch 1');
  const [wf, wb] = directionWeights(c);

  const loc = alloc('gla.loc', BL * C);
  const proj = alloc('gla.proj', BL * stride);
  const z0 = alloc('gla.z0', BL * r);
  const z = alloc('gla.z', BL * 2 * K);
  const gam = alloc('gla.gam', 2 * BL * K);
  const ob = alloc('gla.o', 2 * BL * V);
  const gcum = wantMaps ? alloc('gla.gcum', 2 * L * K) : alloc('gla.gcum.none', 1);
  const ycat = alloc('gla.ycat', BL * V);
  const gate = alloc('gla.gate', BL * V);
  const channels = c.layout === 'channels';
  const yTok = channels ? alloc('gla.ytok', BL * C) : io.y;

  const bt = scanChunk(dk);
  const dirs = wf && wb ? 2 : 1;
  const dir0 = wf ? 0 : 1;
  const ncb = Math.ceil(dv / DVB);
  const nchunks = Math.ceil(L / bt);
  const states = alloc('gla.states', dirs * B * h * nchunks * dk * dv);
  const blast = alloc('gla.blast', dirs * B * h * nchunks * dk);
  const carry = wantMaps ? alloc('gla.carry', dirs * B * h * nchunks * dk) : alloc('gla.carry.none', 1);
  const dispatches: Dispatch[] = [
    dwconvDispatch(ctx, io.x, w.wIn, null, loc, { B, H: c.H, W: c.W, C, k: 3, pad: 1, act: c.actInConv ? 'silu' : 'none', channelFirst: channels }),
    linearDispatch(ctx, loc, w.wProj, w.bProj, proj, BL, stride, C),
    linearDispatch(ctx, loc, w.wGk0, null, z0, BL, r, C),
    linearDispatch(ctx, z0, w.wGk1, w.bGk1, z, BL, 2 * K, r),
    {
      pipeline: ctx.pipeline(gatesWgsl),
      buffers: [z, gam], params: { L, K, dk, heads: h, inv_tau: 1 / c.tau, use_clamp: c.clampMin === null ? 0 : 1, clamp_min: c.clampMin ?? 0 },
      workgroups: [Math.ceil((2 * K) / 64), L, B],
    },
    // the scan, chunk-parallel: every chunk's state contribution, the recurrence over chunk states,
    // every chunk's output from the state entering it
    {
      pipeline: ctx.pipeline(expandWgsl(chunkStateWgsl, { DK: dk, BT: bt, DVB })),
      buffers: [proj, gam, states, blast], params: { L, K, dv, heads: h, stride, ncb, nchunks, dir0, dirs },
      workgroups: [nchunks, ncb * h, dirs * B],
    },
    {
      pipeline: ctx.pipeline(chunkScanWgsl),
      buffers: [states, blast, carry], params: { DK: dk, dv, nchunks, heads: h, write_cum: wantMaps ? 1 : 0 },
      workgroups: [Math.ceil((dk * dv) / 64), h, dirs * B],
    },
    {
      pipeline: ctx.pipeline(expandWgsl(scanWgsl, { DK: dk, BT: bt, DVB })),
      buffers: [proj, gam, states, carry, ob, gcum], params: { L, K, dv, heads: h, stride, V, scale, write_cum: wantMaps ? 1 : 0, dir0, dirs, BL, ncb, nchunks },
      workgroups: [nchunks, ncb * h, dirs * B],
    },
    {
      pipeline: ctx.pipeline(mergeWgsl),
      buffers: [ob, loc, proj, w.gnw, w.lnw, ycat, gate],
      params: { L: BL, V, heads: h, dv, wf, wb, mode: { learned: 0, off: 1, full: 2 }[c.locality], out_act: c.outAct ? 1 : 0, eps: c.eps, stride, goff: 2 * K + V },
      workgroups: [Math.ceil(BL / 64), h],
    },
    linearDispatch(ctx, ycat, w.wO, null, yTok, BL, C, V),
  ];
  if (channels) {
    dispatches.push({
      pipeline: ctx.pipeline(transposeWgsl),
      buffers: [yTok, io.y], params: { M: L, N: C },
      workgroups: [Math.ceil(C / 16), Math.ceil(L / 16), B],
    });
  }
  let attn: GPUBuffer | null = null;
  let decay: GPUBuffer | null = null;
  if (rows.length) {
    const rb = alloc('gla.rows', rows.length);
    ctx.device.queue.writeBuffer(rb, 0, Uint32Array.from(rows));
    attn = alloc('gla.attn', 2 * h * rows.length * L);
    decay = alloc('gla.decay', 2 * h * rows.length * L);
    dispatches.push({
      pipeline: ctx.pipeline(expandWgsl(kernelText('gla_maps.wgsl', mapsWgsl), { DK: dk })),
      buffers: [proj, gcum, rb, attn, decay], params: { L, K, heads: h, stride, R: rows.length, scale, on_f: wf ? 1 : 0, on_b: wb ? 1 : 0 },
      workgroups: [Math.ceil(L / 64), Math.ceil(rows.length / 8), 2 * h],
    });
  }
  return { dispatches, gam, gate, attn, decay, rows: rows.length };
}

/**
 * The op on one image: one submit, read back. Weights are cached per params object; the upload
 * reads the config only for the stacked projection's widths (τ, direction, … sliders hit).
 */
export function glaGpu(ctx: GpuContext, x: Float32Array, p: Params, c: GlaConfig, opts: GpuRunOptions): Promise<GpuOpOutput> {
  validateGla(c);
  const { L, C, K, V, dk } = glaDims(c);
  const h = c.heads;
  return runOpOnce(ctx, x, L * C, opts, (io) => {
    const w = io.weights(p, `gla:${C}:${K}:${V}`, () => uploadGlaWeights(ctx, p, c));
    return glaDispatches(ctx, w, c, { x: io.x, y: io.y }, io.alloc, { maps: opts.maps, rows: opts.rows });
  }, async (d) => {
    const maps: Record<string, Float32Array> = {};
    if (opts.maps || d.rows > 0) {
      const half = h * L * dk;
      maps.log_decay_f = await ctx.read(d.gam, half);
      maps.log_decay_b = await ctx.read(d.gam, half, half);
      maps.gate = await ctx.read(d.gate, L * V);
    }
    if (d.attn && d.decay) {
      const n = h * d.rows * L;
      maps.attn_f = await ctx.read(d.attn, n);
      maps.attn_b = await ctx.read(d.attn, n, n);
      maps.decay_f = await ctx.read(d.decay, n);
      maps.decay_b = await ctx.read(d.decay, n, n);
    }
    return maps;
  });
}
