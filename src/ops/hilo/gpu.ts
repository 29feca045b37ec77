/**
 * WebGPU path of HiLo (one submit, three launches): one grouped GEMM for both input projections
 * (kernels/hilo_in.wgsl: [h_qkv | l_q] on the N tokens, l_kv on the ws×ws average-pooled cells,
 * the pooling folded into its A read) → one launch for both attentions (kernels/hilo_attn.wgsl:
 * window workgroups and pooled-key flash-attention workgroups, each writing its columns of
 * o = [Hi-Fi | Lo-Fi]) → one block-diagonal Linear for both projections (no concat; see
 * HiloGpuWeights).
 *
 * Zero padding of the seg/det version is never materialised: Linears run on the N real tokens only,
 * the window branch treats a padded token as x = 0 (q/k/v = h_qkv bias), the pooled read sums real
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
import inWgsl from '../../../kernels/hilo_in.wgsl?raw';
import attnWgsl from '../../../kernels/hilo_attn.wgsl?raw';
import lofiRowsWgsl from '../../../kernels/attn_rows.wgsl?raw';
import effWgsl from '../../../kernels/hilo_eff.wgsl?raw';
import hifiRowsWgsl from '../../../kernels/hilo_hifi_rows.wgsl?raw';
import { runOpOnce, type ScratchAlloc } from '../common/gpu-run';
import type { GpuOpOutput, GpuRunOptions, Params } from '../types';
import { biasOrDummy, gemmPlan, linearDispatch } from '../../gpu/gemm';
import { uploadParam } from '../common/params';
import { attnShape } from '../common/attn';
import { hiloDerived, type HiloConfig } from './spec';

export interface HiloGpuOptions {
  maps: boolean;
  rows?: number[];
  timed?: boolean;
}

/**
 * One HiLo module's weights on the GPU (float32), stacked so that the op runs as few launches as
 * possible (every output column is the same dot product in the same order, and the zero blocks of
 * `projW` add exact zeros):
 *  - `inW`: all input projections, rows stacked [h_qkv; l_q; l_kv] (a branch without heads has no
 *    rows): the tokens' product takes the first rows (all of them at ws = 1), the pooled cells'
 *    product the l_kv rows;
 *  - `projW`: both branches block-diag(h_proj, l_proj) over the [Hi-Fi | Lo-Fi] columns, which
 *    replaces two Linears and the concat; else the branch's own projection.
 * The layout depends only on which branches have heads (the op's weight-cache key), never on ws.
 */
export interface HiloGpuWeights {
  inW: GPUBuffer;
  /** null when none of the stacked Linears has a bias (a missing one is zeros otherwise) */
  inB: GPUBuffer | null;
  projW: GPUBuffer;
  projB: GPUBuffer | null;
  /** every buffer above, for destroy() */
  all: GPUBuffer[];
}

/** Rows of several [rows, cols] weights stacked; null when none has data (all-null biases). */
function stackRows(parts: Array<{ data: ArrayLike<number> | null; rows: number; cols: number }>): Float32Array | null {
  if (parts.every((q) => !q.data)) return null;
  const out = new Float32Array(parts.reduce((a, q) => a + q.rows * q.cols, 0));
  let off = 0;
  for (const q of parts) {
    if (q.data) out.set(q.data, off);
    off += q.rows * q.cols;
  }
  return out;
}

/** Upload one module's state_dict (keys without prefix: 'h_qkv.weight', …). */
export function uploadHiloWeights(ctx: GpuContext, p: Params, c: HiloConfig): HiloGpuWeights {
  const g = hiloDerived(c);
  const C = g.C;
  const hi = g.hHeads > 0;
  const lo = g.lHeads > 0;
  const t = (k: string) => {
    const v = p[k];
    if (!v) throw new Error(`missing weight '${k}'`);
    return v.data;
  };
  const o = (k: string) => p[k]?.data ?? null;
  const up = (a: Float32Array | null) => (a ? ctx.upload(a) : null);
  const inParts: Array<[string, number]> = [];
  if (hi) inParts.push(['h_qkv', 3 * g.hDim]);
  if (lo) inParts.push(['l_q', g.lDim], ['l_kv', 2 * g.lDim]);
  const inW = up(stackRows(inParts.map(([k, rows]) => ({ data: t(`${k}.weight`), rows, cols: C }))))!;
  const inB = up(stackRows(inParts.map(([k, rows]) => ({ data: o(`${k}.bias`), rows, cols: 1 }))));
  let projW: GPUBuffer;
  let projB: GPUBuffer | null;
  if (hi && lo) {
    // block-diag: output row r < hDim reads columns [0, hDim) with h_proj, the rest [hDim, C) with l_proj
    const bd = new Float32Array(C * C);
    const hp = t('h_proj.weight');
    const lp = t('l_proj.weight');
    for (let r = 0; r < g.hDim; r++) for (let k = 0; k < g.hDim; k++) bd[r * C + k] = hp[r * g.hDim + k];
    for (let r = 0; r < g.lDim; r++) for (let k = 0; k < g.lDim; k++) bd[(g.hDim + r) * C + g.hDim + k] = lp[r * g.lDim + k];
    projW = ctx.upload(bd);
    projB = up(stackRows([{ data: o('h_proj.bias'), rows: g.hDim, cols: 1 }, { data: o('l_proj.bias'), rows: g.lDim, cols: 1 }]));
  } else {
    const k = hi ? 'h_proj' : 'l_proj';
    projW = uploadParam(ctx, p, `${k}.weight`);
    projB = p[`${k}.bias`] ? uploadParam(ctx, p, `${k}.bias`) : null;
  }
  const w = { inW, inB, projW, projB };
  return { ...w, all: Object.values(w).filter((b): b is GPUBuffer => b !== null) };
}

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

/** y[M, N] = x[M, K]·Wᵀ + b as dispatches: a backbone's Linear by shape (split K, bigger tiles). */
export type LinearBuilder = (x: GPUBuffer, w: GPUBuffer, b: GPUBuffer | null, y: GPUBuffer, M: number, N: number, K: number) => Dispatch[];

/** Workgroup memory of the attention launch: 1024 vec4s = 16 KiB, the WebGPU default limit. */
const SH_MAX = 1024;

/**
 * The op's dispatches for a batch of images: x → y with weights `w`. Buffers come from `alloc`
 * (role, floats; distinct roles never alias); uniforms are created here. Maps need batch 1.
 * Three launches: input GEMMs (hilo_in) → both attentions (hilo_attn) → projection. With
 * `opts.linear` (a backbone's Linear by shape), the projection runs on it, and so does the tokens'
 * input product whenever gemmPlan picks another kernel than lib/gemm's 64×64 tiles for it (128-row
 * tiles at batch 32, split K for the 7×7 stage at batch 1): hilo_in then runs the pooled product
 * alone (or nothing).
 */
export function hiloDispatches(ctx: GpuContext, w: HiloGpuWeights, c: HiloConfig, io: HiloDispatchIO, alloc: ScratchAlloc, opts: { maps?: boolean; rows?: number[]; linear?: LinearBuilder } = {}): HiloDispatchResult {
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
  const lin: LinearBuilder = opts.linear ?? ((x, wt, b, y, M, Nn, K) => [linearDispatch(ctx, x, wt, b, y, M, Nn, K)]);
  const dispatches: Dispatch[] = [];
  const hi = g.hHeads > 0;
  const lo = g.lHeads > 0;
  const pooled = lo && c.ws > 1;

  // input products: the tokens' columns [h_qkv | l_q | l_kv when ws = 1] → xin; l_kv on the
  // pooled cells → kv (ws > 1)
  const inCols = (hi ? 3 * g.hDim : 0) + (lo ? (pooled ? g.lDim : 3 * g.lDim) : 0);
  const xin = alloc('hilo.in', BN * inCols);
  const kvStride = pooled ? 2 * g.lDim : inCols;
  const kv = pooled ? alloc('hilo.kv', B * g.M * kvStride) : xin;
  const ownIn = !opts.linear || gemmPlan(BN, inCols, C).kind === 'linear';
  if (!ownIn) dispatches.push(...lin(io.x, w.inW, w.inB, xin, BN, inCols, C));
  const tx1 = Math.ceil(inCols / 64);
  const tiles1 = ownIn ? tx1 * Math.ceil(BN / 64) : 0;
  const tx2 = Math.ceil(kvStride / 64);
  const tiles2 = pooled ? tx2 * Math.ceil((B * g.M) / 64) : 0;
  if (tiles1 + tiles2 > 65535) throw new Error(`hilo: ${tiles1 + tiles2} GEMM tiles exceed one dispatch`);
  if (tiles1 + tiles2 > 0) {
    dispatches.push({
      pipeline: ctx.pipeline(inWgsl),
      buffers: [io.x, w.inW, biasOrDummy(ctx, w.inB), xin, pooled ? kv : alloc('hilo.noKv', 1)],
      params: { K: C, rows1: BN, n1: inCols, tx1, tiles1, rows2: B * g.M, n2: kvStride, tx2, off2: inCols, hasBias: w.inB ? 1 : 0, H: c.H, W: c.W, Gw: g.Gw, G: g.G, ws: c.ws, inv: 1 / g.T },
      workgroups: [tiles1 + tiles2],
    });
  }

  // both attentions → o [BN, C]: Hi-Fi heads in columns [0, hDim), Lo-Fi heads after
  const o = alloc('hilo.o', BN * C);
  const sh = attnShape(N, g.M, g.d, g.lHeads * B);
  const HD4 = sh.defines.HD4;
  // Hi-Fi: wpw windows per workgroup of 256 threads, kt keys of each staged at a time in SH_MAX
  const tw = Math.min(g.T, 256);
  const keysMax = Math.floor(SH_MAX / (2 * HD4));
  const wpw = Math.min(Math.floor(256 / tw), keysMax);
  const kt = Math.min(g.T, Math.floor(keysMax / wpw));
  const hBlocks = hi ? Math.ceil(g.G / wpw) : 0;
  const lBlocks = lo ? sh.blocks : 0;
  const hifiMap = hi && wantMaps ? alloc('hilo.hifiMap', g.hHeads * g.G * g.T * g.T) : null;
  const qOff = hi ? 3 * g.hDim : 0;
  // Lo-Fi k, v: columns of kv (pooled: [k | v]; ws = 1: after l_q in xin)
  const kOff = pooled ? 0 : qOff + g.lDim;
  dispatches.push({
    pipeline: ctx.pipeline(expandWgsl(attnWgsl, { ...sh.defines, SH: Math.max(sh.defines.SH, hi ? 2 * wpw * kt * HD4 : 0) })),
    buffers: [xin, biasOrDummy(ctx, w.inB), kv, o, hifiMap ?? alloc('hilo.noMap', 1)],
    params: {
      H: c.H, W: c.W, Gw: g.Gw, G: g.G, ws: c.ws, hDim: g.hDim, hBlocks, hiWg: g.hHeads * hBlocks, wpw, kt, hasBias: w.inB ? 1 : 0, writeMap: hifiMap ? 1 : 0,
      N, M: g.M, lBlocks, qStride: inCols, qOff, kvStride, kOff, vOff: kOff + g.lDim, oStride: C, scale: g.scale,
    },
    workgroups: [g.hHeads * hBlocks + g.lHeads * lBlocks, 1, B],
  });
  let lofiMap: GPUBuffer | null = null;
  if (lo && rb) {
    lofiMap = alloc('hilo.lofiMap', g.lHeads * R * g.M);
    dispatches.push({
      pipeline: ctx.pipeline(expandWgsl(lofiRowsWgsl, { HD: g.d })),
      buffers: [xin, kv, rb, lofiMap], params: { M: g.M, nrows: R, qStride: inCols, qOff, kvStride, kOff, scale: g.scale },
      workgroups: [R, g.lHeads],
    });
  }
  dispatches.push(...lin(o, w.projW, w.projB, io.y, BN, C, C));

  let eff: GPUBuffer | null = null;
  let hifiRows: GPUBuffer | null = null;
  if (rb) {
    eff = alloc('hilo.eff', c.heads * R * N);
    const none = alloc('hilo.noMapIn', 1);
    dispatches.push({
      pipeline: ctx.pipeline(effWgsl),
      buffers: [rb, hifiMap ?? none, lofiMap ?? none, eff], params: { W: c.W, N, ws: c.ws, Gw: g.Gw, G: g.G, hHeads: g.hHeads, M: g.M, nrows: R },
      workgroups: [Math.ceil(N / 64), R, c.heads],
    });
    if (hifiMap && rowsLayout) {
      hifiRows = alloc('hilo.hifiRows', g.hHeads * R * g.T);
      dispatches.push({
        pipeline: ctx.pipeline(hifiRowsWgsl),
        buffers: [rb, hifiMap, hifiRows], params: { W: c.W, ws: c.ws, Gw: g.Gw, G: g.G, nrows: R },
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
