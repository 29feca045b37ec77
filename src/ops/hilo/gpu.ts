/**
 * WebGPU path of HiLo (one submit). Hi-Fi: h_qkv Linear → window attention (one workgroup per
 * window per head) → h_proj. Lo-Fi: l_q Linear; AvgPool (ws > 1) → l_kv Linear; attention of each
 * query to the M pooled keys → l_proj. Then [Hi-Fi | Lo-Fi] concat.
 *
 * Zero padding of the seg/det version is never materialised: Linears run on the N real tokens only,
 * the window kernel treats a padded token as x = 0 (q/k/v = h_qkv bias), the pool kernel sums real
 * pixels and divides by ws². Results equal the padded-and-cropped official forward.
 *
 * Maps: opts.maps without opts.rows → the fixture layouts attn_hifi [hHeads, G, T, T],
 * attn_lofi [lHeads, N, M], attn_eff [heads, N, N]. With opts.rows (the UI's clicked tokens) → only
 * those queries: attn_hifi [hHeads, R, T] (the query's row of its window matrix), attn_lofi
 * [lHeads, R, M], attn_eff [heads, R, N]. A branch with 0 heads has no tensor.
 *
 * The pieces are exported so a backbone (LITv2) can record HiLo inside its own pass:
 * uploadHiloWeights (once per weights), hiloDispatches (the dispatch list for given input/output
 * buffers and a batch of images, scratch from the caller's allocator). hiloGpu is the op's
 * one-submit wrapper.
 */
import type { GpuContext, Dispatch } from '../../gpu/context';
import { expandWgsl } from '../../gpu/wgsl';
import windowWgsl from '../../../kernels/hilo_window.wgsl?raw';
import poolWgsl from '../../../kernels/hilo_pool.wgsl?raw';
import lofiWgsl from '../../../kernels/hilo_lofi.wgsl?raw';
import lofiRowsWgsl from '../../../kernels/hilo_lofi_rows.wgsl?raw';
import effWgsl from '../../../kernels/hilo_eff.wgsl?raw';
import hifiRowsWgsl from '../../../kernels/hilo_hifi_rows.wgsl?raw';
import concatWgsl from '../../../kernels/hilo_concat.wgsl?raw';
import { runOpOnce, type ScratchAlloc } from '../common/gpu-run';
import type { GpuOpOutput, GpuRunOptions, Params } from '../types';
import { linearDispatch } from '../common/gpu-linear';
import { uploadParam } from '../common/params';
import { hiloDerived, type HiloConfig } from './spec';

export interface HiloGpuOptions {
  maps: boolean;
  rows?: number[];
  timed?: boolean;
}

/** Keys per workgroup tile so that k + v tiles stay within 8 KiB each (16 KiB workgroup budget). */
const keyTile = (hd: number) => Math.max(1, Math.min(64, Math.floor(2048 / hd)));

/** One HiLo module's weights on the GPU (float32); a branch with 0 heads has nulls. */
export interface HiloGpuWeights {
  hQkvW: GPUBuffer | null;
  hQkvB: GPUBuffer | null;
  hProjW: GPUBuffer | null;
  hProjB: GPUBuffer | null;
  lQW: GPUBuffer | null;
  lQB: GPUBuffer | null;
  lKvW: GPUBuffer | null;
  lKvB: GPUBuffer | null;
  lProjW: GPUBuffer | null;
  lProjB: GPUBuffer | null;
  /** every buffer above, for destroy() */
  all: GPUBuffer[];
}

/** Upload one module's state_dict (keys without prefix: 'h_qkv.weight', …). */
export function uploadHiloWeights(ctx: GpuContext, p: Params, c: HiloConfig): HiloGpuWeights {
  const g = hiloDerived(c);
  const req = (k: string, on: boolean) => (on ? uploadParam(ctx, p, k) : null);
  const opt = (k: string, on: boolean) => (on && p[k] ? uploadParam(ctx, p, k) : null);
  const hi = g.hHeads > 0;
  const lo = g.lHeads > 0;
  const w = {
    hQkvW: req('h_qkv.weight', hi), hQkvB: opt('h_qkv.bias', hi), hProjW: req('h_proj.weight', hi), hProjB: opt('h_proj.bias', hi),
    lQW: req('l_q.weight', lo), lQB: opt('l_q.bias', lo), lKvW: req('l_kv.weight', lo), lKvB: opt('l_kv.bias', lo),
    lProjW: req('l_proj.weight', lo), lProjB: opt('l_proj.bias', lo),
  };
  return { ...w, all: Object.values(w).filter((b): b is GPUBuffer => b !== null) };
}

/** Scratch buffers by role; a backbone passes a pool so every block reuses the same ones. */
export type { ScratchAlloc } from '../common/gpu-run';

export interface HiloDispatchIO {
  /** input tokens: B images back to back, each [H·W, C] */
  x: GPUBuffer;
  /** output, same layout */
  y: GPUBuffer;
  batch?: number;
}

export interface HiloDispatchResult {
  dispatches: Dispatch[];
  /** maps (batch 1 only, when rows/maps were asked for), see the header for layouts */
  hifiMap: GPUBuffer | null;
  hifiRows: GPUBuffer | null;
  lofiMap: GPUBuffer | null;
  eff: GPUBuffer | null;
  rows: number;
}

/**
 * The op's dispatches for a batch of images: x → y with weights `w`. Buffers come from `alloc`
 * (role, floats; distinct roles never alias); uniforms are created here. Maps need batch 1.
 */
export function hiloDispatches(ctx: GpuContext, w: HiloGpuWeights, c: HiloConfig, io: HiloDispatchIO, alloc: ScratchAlloc, opts: { maps?: boolean; rows?: number[] } = {}): HiloDispatchResult {
  const g = hiloDerived(c);
  const N = g.N;
  const C = g.C;
  if (g.d > 128) throw new Error(`hilo: head size ${g.d} > 128 is not supported on the GPU path`);
  const B = io.batch ?? 1;
  const BN = B * N;
  const rows = opts.rows ?? (opts.maps ? Array.from({ length: N }, (_, i) => i) : []);
  const R = rows.length;
  const wantMaps = R > 0;
  if (wantMaps && B !== 1) throw new Error('hilo: maps need batch 1');
  const rowsLayout = opts.rows !== undefined;
  let rb: GPUBuffer | null = null;
  if (wantMaps) {
    rb = alloc('hilo.rows', R);
    ctx.device.queue.writeBuffer(rb, 0, Uint32Array.from(rows));
  }
  const dispatches: Dispatch[] = [];
  const both = g.hHeads > 0 && g.lHeads > 0;

  let yh: GPUBuffer | null = null;
  let hifiMap: GPUBuffer | null = null;
  if (g.hHeads > 0) {
    const qkv = alloc('hilo.qkv', BN * 3 * g.hDim);
    dispatches.push(linearDispatch(ctx, io.x, w.hQkvW!, w.hQkvB, qkv, BN, 3 * g.hDim, C));
    const oh = alloc('hilo.oh', BN * g.hDim);
    hifiMap = wantMaps ? alloc('hilo.hifiMap', g.hHeads * g.G * g.T * g.T) : null;
    dispatches.push({
      pipeline: ctx.pipeline(expandWgsl(windowWgsl, { HD: g.d, TKEY: keyTile(g.d), TQ: g.T <= 32 ? 32 : 64 })),
      buffers: [qkv, w.hQkvB ?? alloc('hilo.noBias', 1), oh, hifiMap ?? alloc('hilo.noMap', 1),
        ctx.uniform([c.H, c.W, g.Gw, c.ws, g.hDim, g.G, w.hQkvB ? 1 : 0, wantMaps ? 1 : 0, g.scale], ['u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'f'])],
      workgroups: [g.G, g.hHeads, B],
    });
    yh = both ? alloc('hilo.yh', BN * g.hDim) : io.y;
    dispatches.push(linearDispatch(ctx, oh, w.hProjW!, w.hProjB, yh, BN, g.hDim, g.hDim));
  }

  let yl: GPUBuffer | null = null;
  let lofiMap: GPUBuffer | null = null;
  if (g.lHeads > 0) {
    const q = alloc('hilo.q', BN * g.lDim);
    dispatches.push(linearDispatch(ctx, io.x, w.lQW!, w.lQB, q, BN, g.lDim, C));
    let src = io.x;
    if (c.ws > 1) {
      src = alloc('hilo.pooled', B * g.M * C);
      dispatches.push({
        pipeline: ctx.pipeline(poolWgsl),
        buffers: [io.x, src, ctx.uniform([c.H, c.W, g.Gw, c.ws, C, 1 / g.T], ['u', 'u', 'u', 'u', 'u', 'f'])],
        workgroups: [Math.ceil(C / 64), g.M, B],
      });
    }
    const kv = alloc('hilo.kv', B * g.M * 2 * g.lDim);
    dispatches.push(linearDispatch(ctx, src, w.lKvW!, w.lKvB, kv, B * g.M, 2 * g.lDim, C));
    const ol = alloc('hilo.ol', BN * g.lDim);
    dispatches.push({
      pipeline: ctx.pipeline(expandWgsl(lofiWgsl, { HD: g.d, TKEY: keyTile(g.d) })),
      buffers: [q, kv, ol, ctx.uniform([N, g.M, g.lDim, g.scale], ['u', 'u', 'u', 'f'])],
      workgroups: [Math.ceil(N / 64), g.lHeads, B],
    });
    yl = both ? alloc('hilo.yl', BN * g.lDim) : io.y;
    dispatches.push(linearDispatch(ctx, ol, w.lProjW!, w.lProjB, yl, BN, g.lDim, g.lDim));
    if (rb) {
      lofiMap = alloc('hilo.lofiMap', g.lHeads * R * g.M);
      dispatches.push({
        pipeline: ctx.pipeline(expandWgsl(lofiRowsWgsl, { HD: g.d })),
        buffers: [q, kv, rb, lofiMap, ctx.uniform([g.M, g.lDim, R, g.scale], ['u', 'u', 'u', 'f'])],
        workgroups: [R, g.lHeads],
      });
    }
  }

  if (yh && yl) {
    dispatches.push({
      pipeline: ctx.pipeline(concatWgsl),
      buffers: [yh, yl, io.y, ctx.uniform([g.hDim, g.lDim], ['u', 'u'])],
      workgroups: [Math.ceil(C / 64), N, B],
    });
  }

  let eff: GPUBuffer | null = null;
  let hifiRows: GPUBuffer | null = null;
  if (rb) {
    eff = alloc('hilo.eff', c.heads * R * N);
    const none = alloc('hilo.noMapIn', 1);
    dispatches.push({
      pipeline: ctx.pipeline(effWgsl),
      buffers: [rb, hifiMap ?? none, lofiMap ?? none, eff, ctx.uniform([c.W, N, c.ws, g.Gw, g.G, g.hHeads, g.M, R], ['u', 'u', 'u', 'u', 'u', 'u', 'u', 'u'])],
      workgroups: [Math.ceil(N / 64), R, c.heads],
    });
    if (hifiMap && rowsLayout) {
      hifiRows = alloc('hilo.hifiRows', g.hHeads * R * g.T);
      dispatches.push({
        pipeline: ctx.pipeline(hifiRowsWgsl),
        buffers: [rb, hifiMap, hifiRows, ctx.uniform([c.W, c.ws, g.Gw, g.G, R], ['u', 'u', 'u', 'u', 'u'])],
        workgroups: [Math.ceil(g.T / 64), R, g.hHeads],
      });
    }
  }
  return { dispatches, hifiMap, hifiRows, lofiMap, eff, rows: R };
}

/** The op on one image: upload, one submit, read back, destroy everything it made. */
export function hiloGpu(ctx: GpuContext, x: Float32Array, p: Params, c: HiloConfig, opts: GpuRunOptions): Promise<GpuOpOutput> {
  const g = hiloDerived(c);
  const N = g.N;
  const key = `hilo:${g.hHeads > 0 ? 'hi' : ''}${g.lHeads > 0 ? 'lo' : ''}`;
  return runOpOnce(ctx, x, N * g.C, opts, (io) => {
    const w = io.weights(p, key, () => uploadHiloWeights(ctx, p, c));
    return hiloDispatches(ctx, w, c, { x: io.x, y: io.y }, io.alloc, { maps: opts.maps, rows: opts.rows });
  }, async (r) => {
    const maps: Record<string, Float32Array> = {};
    const R = r.rows;
    if (r.hifiMap) maps.attn_hifi = r.hifiRows ? await ctx.read(r.hifiRows, g.hHeads * R * g.T) : await ctx.read(r.hifiMap, g.hHeads * g.G * g.T * g.T);
    if (r.lofiMap) maps.attn_lofi = await ctx.read(r.lofiMap, g.lHeads * R * g.M);
    if (r.eff) maps.attn_eff = await ctx.read(r.eff, c.heads * R * N);
    return maps;
  });
}
