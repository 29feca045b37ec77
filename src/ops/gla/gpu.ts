/**
 * WebGPU path of ViG's attention, one submit of 5 launches:
 *   gla_proj: dwconv(+SiLU) on the fly → one Linear with [q|k|v|g|gk_proj.0] stacked (also stores loc)
 *   gla_chunk_state → gla_chunk_scan → gla_scan: the chunked bidirectional scan; both chunk
 *     kernels compute the log-decay from the low-rank gate columns themselves (lib/gla_gate.wgsl)
 *   gla_out: merge, per-head norms, locality gate, output act and o_proj in one GEMM, written in
 *     the module's layout (token rows, or channel planes for ViG-H)
 * (+ the effective-weight / decay maps kernel when maps are requested; maps run both scans).
 * Maps: log_decay_f/b [h,L,dk] and gate [L,V] always cover all tokens; attn_f/b and decay_f/b are
 * per query: all L rows when `maps` (the fixture layout [h,L,L]), or only `rows` → [h,rows.length,L].
 *
 * The pieces are exported so a backbone can record the op inside its own pass: uploadGlaWeights
 * (once per weights), glaDispatches (the dispatch list for given input/output buffers and a batch
 * of images, scratch from the caller's allocator). glaGpu is the op's one-submit wrapper.
 */
import type { Dispatch, GpuContext } from '../../gpu/context';
import { expandWgsl } from '../../gpu/wgsl';
import projWgsl from '../../../kernels/gla_proj.wgsl?raw';
import scanWgsl from '../../../kernels/gla_scan.wgsl?raw';
import chunkStateWgsl from '../../../kernels/gla_chunk_state.wgsl?raw';
import chunkScanWgsl from '../../../kernels/gla_chunk_scan.wgsl?raw';
import outWgsl from '../../../kernels/gla_out.wgsl?raw';
import mapsWgsl from '../../../kernels/gla_maps.wgsl?raw';
import { runOpOnce, type ScratchAlloc } from '../common/gpu-run';
import type { GpuOpOutput, GpuRunOptions, Params } from '../types';
import { requireParam, uploadParam } from '../common/params';
import { directionWeights, glaDims, validateGla, type GlaConfig } from './spec';

/** value columns per scan workgroup */
const DVB = 16;

/** Chunk length: 16 (fla's) while the chunk's q/k/γ tiles fit in 16 KiB of workgroup memory. */
export function scanChunk(dk: number): number {
  return Math.max(4, Math.min(16, 2 ** Math.floor(Math.log2(512 / dk))));
}

/** The params `keys` back to back (stacked weights; a weight and its bias in one buffer). */
function concat(p: Params, keys: string[]): Float32Array {
  const parts = keys.map((k) => requireParam(p, k).data);
  const out = new Float32Array(parts.reduce((n, a) => n + a.length, 0));
  parts.reduce((o, a) => (out.set(a, o), o + a.length), 0);
  return out;
}

/** One GLA module's weights on the GPU (float32). */
export interface GlaGpuWeights {
  wIn: GPUBuffer;
  wProj: GPUBuffer;
  bProj: GPUBuffer;
  /** gk_proj.1 [weight | bias] */
  wGk1: GPUBuffer;
  wO: GPUBuffer;
  /** [g_norm | l_norm] weights */
  wNorm: GPUBuffer;
  /** every buffer above, for destroy() */
  all: GPUBuffer[];
}

/** Upload one module's state_dict (keys without prefix: 'qkv_proj.weight', …). */
export function uploadGlaWeights(ctx: GpuContext, p: Params, c: GlaConfig): GlaGpuWeights {
  const { K, V, C } = glaDims(c);
  // qkv_proj, g_proj and gk_proj.0 read the same conv output: one Linear with the weights stacked
  // [q|k|v|g|z0] (2K + 2V + r rows); the bias is g_proj's, 0 elsewhere
  const wProj = concat(p, ['qkv_proj.weight', 'g_proj.weight', 'gk_proj.0.weight']);
  const bProj = new Float32Array(wProj.length / C);
  bProj.set(requireParam(p, 'g_proj.bias').data, 2 * K + V);
  const w = {
    wIn: uploadParam(ctx, p, 'in_proj.0.weight'),
    wProj: ctx.upload(wProj),
    bProj: ctx.upload(bProj),
    wGk1: ctx.upload(concat(p, ['gk_proj.1.weight', 'gk_proj.1.bias'])),
    wO: uploadParam(ctx, p, 'o_proj.weight'),
    wNorm: ctx.upload(concat(p, ['g_norm.weight', 'l_norm.weight'])),
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
  /** log-decay [B, 2, h, L, dk] (per image: the log_decay_f half, then log_decay_b), with maps only */
  gam: GPUBuffer | null;
  /** the gate G actually used, [B·L, V], with maps only */
  gate: GPUBuffer | null;
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
  const zoff = 2 * K + 2 * V;
  const stride = zoff + r;
  const rows = opts.rows ?? (opts.maps ? Array.from({ length: L }, (_, i) => i) : []);
  const wantMaps = Boolean(opts.maps) || rows.length > 0;
  if (wantMaps && B !== 1) throw new Error('gla: maps need batch 1');
  const [wf, wb] = directionWeights(c);
  const gates = { K, zoff, r, inv_tau: 1 / c.tau, use_clamp: c.clampMin === null ? 0 : 1, clamp_min: c.clampMin ?? 0 };

  const loc = alloc('gla.loc', BL * C);
  const proj = alloc('gla.proj', BL * stride);
  const ob = alloc('gla.o', 2 * BL * V);
  // buffers only the maps fill (a 1-float stand-in otherwise)
  const mapsOnly = (role: string, floats: number) => (wantMaps ? alloc(role, floats) : alloc(`${role}.none`, 1));
  const gcum = mapsOnly('gla.gcum', 2 * L * K);
  const gam = mapsOnly('gla.gam', 2 * L * K);
  const gate = mapsOnly('gla.gate', BL * V);

  const bt = scanChunk(dk);
  const dirs = wantMaps || (wf && wb) ? 2 : 1; // the maps show both scans' log-decay
  const dir0 = dirs === 2 || wf ? 0 : 1;
  const ncb = Math.ceil(dv / DVB);
  const nchunks = Math.ceil(L / bt);
  const states = alloc('gla.states', dirs * B * h * nchunks * dk * dv);
  const blast = alloc('gla.blast', dirs * B * h * nchunks * dk);
  const carry = mapsOnly('gla.carry', dirs * B * h * nchunks * dk);
  const tiles: [number, number] = [Math.ceil(C / 64), Math.ceil(BL / 64)];
  const stats = alloc('gla.stats', tiles[0] * tiles[1] * 64 * h * 2);
  const dispatches: Dispatch[] = [
    {
      pipeline: ctx.pipeline(projWgsl),
      buffers: [io.x, w.wIn, w.wProj, w.bProj, proj, loc],
      params: { M: BL, N: stride, C, H: c.H, W: c.W, channel_first: c.layout === 'channels' ? 1 : 0, act: c.actInConv ? 1 : 0 },
      workgroups: [Math.ceil(stride / 64), Math.ceil(BL / 64)],
    },
    // the scan, chunk-parallel: every chunk's state contribution, the recurrence over chunk states,
    // every chunk's output from the state entering it
    {
      pipeline: ctx.pipeline(expandWgsl(chunkStateWgsl, { DK: dk, BT: bt, DVB })),
      buffers: [proj, w.wGk1, states, blast], params: { L, dv, heads: h, stride, ncb, nchunks, dir0, dirs, ...gates },
      workgroups: [nchunks, ncb * h, dirs * B],
    },
    {
      pipeline: ctx.pipeline(chunkScanWgsl),
      buffers: [states, blast, carry], params: { DK: dk, dv, nchunks, heads: h, write_cum: wantMaps ? 1 : 0 },
      workgroups: [Math.ceil((dk * dv) / 64), h, dirs * B],
    },
    {
      pipeline: ctx.pipeline(expandWgsl(scanWgsl, { DK: dk, BT: bt, DVB })),
      buffers: [proj, w.wGk1, states, carry, ob, gcum, gam],
      params: { L, dv, heads: h, stride, V, scale, write_cum: wantMaps ? 1 : 0, dir0, dirs, BL, ncb, nchunks, ...gates },
      workgroups: [nchunks, ncb * h, dirs * B],
    },
    {
      pipeline: ctx.pipeline(outWgsl),
      buffers: [ob, loc, proj, w.wNorm, w.wO, io.y, gate, stats],
      params: {
        M: BL, N: C, V, L, heads: h, dv, wf, wb, mode: { learned: 0, off: 1, full: 2 }[c.locality], out_act: c.outAct ? 1 : 0, eps: c.eps,
        stride, goff: 2 * K + V, channels: c.layout === 'channels' ? 1 : 0, write_gate: wantMaps ? 1 : 0,
      },
      workgroups: tiles,
    },
  ];
  let attn: GPUBuffer | null = null;
  let decay: GPUBuffer | null = null;
  if (rows.length) {
    const rb = alloc('gla.rows', rows.length);
    ctx.device.queue.writeBuffer(rb, 0, Uint32Array.from(rows));
    attn = alloc('gla.attn', 2 * h * rows.length * L);
    decay = alloc('gla.decay', 2 * h * rows.length * L);
    dispatches.push({
      pipeline: ctx.pipeline(expandWgsl(mapsWgsl, { DK: dk })),
      buffers: [proj, gcum, rb, attn, decay], params: { L, K, heads: h, stride, R: rows.length, scale, on_f: wf ? 1 : 0, on_b: wb ? 1 : 0 },
      workgroups: [Math.ceil(L / 64), Math.ceil(rows.length / 8), 2 * h],
    });
  }
  return { dispatches, gam: wantMaps ? gam : null, gate: wantMaps ? gate : null, attn, decay, rows: rows.length };
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
    if (d.gam && d.gate) {
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
