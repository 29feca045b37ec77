/**
 * WebGPU path of HiLo (one submit). Hi-Fi: h_qkv Linear → window attention (one workgroup per
 * window per head) → h_proj. Lo-Fi: l_q Linear; AvgPool (ws > 1) → l_kv Linear; attention of each
 * query to the M pooled keys → l_proj. Then [Hi-Fi | Lo-Fi] concat. The Linears reading the same
 * input run as one (stacked weights), both attentions write their columns of one buffer, and the
 * two projections are one block-diagonal Linear, so there is no concat (see HiloGpuWeights).
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
import { expandWgsl, kernelText } from '../../gpu/wgsl';
import windowWgsl from '../../../kernels/hilo_window.wgsl?raw';
import poolWgsl from '../../../kernels/hilo_pool.wgsl?raw';
import attnWgsl from '../../../kernels/attn.wgsl?raw';
import lofiRowsWgsl from '../../../kernels/attn_rows.wgsl?raw';
import effWgsl from '../../../kernels/hilo_eff.wgsl?raw';
import hifiRowsWgsl from '../../../kernels/hilo_hifi_rows.wgsl?raw';
import { runOpOnce, type ScratchAlloc } from '../common/gpu-run';
import type { GpuOpOutput, GpuRunOptions, Params } from '../types';
import { linearDispatch } from '../../gpu/gemm';
import { uploadParam } from '../common/params';
import { attnShape } from '../common/attn';
import { hiloDerived, type HiloConfig } from './spec';

/** Keys per workgroup tile so that k + v tiles stay within 8 KiB each (16 KiB workgroup budget). */
const keyTile = (hd: number) => Math.max(1, Math.min(64, Math.floor(2048 / hd)));

/**
 * One HiLo module's weights on the GPU (float32), stacked so that the op runs as few dispatches as
 * possible (each fused Linear gives bit-identical outputs: every output column is the same dot
 * product in the same order, and the zero blocks of `projW` add exact zeros):
 *  - `inW`: every projection reading x on all tokens, rows stacked: both branches [h_qkv; l_q],
 *    Hi-Fi only h_qkv, Lo-Fi only [l_q; l_kv] (ws = 1 reads k, v from the same output rows);
 *  - `kvW`: l_kv alone when both branches exist (it reads the pooled x);
 *  - `projW`: both branches block-diag(h_proj, l_proj) over the [Hi-Fi | Lo-Fi] columns, which
 *    replaces two Linears and the concat; else the branch's own projection.
 * The layout depends only on which branches have heads (the op's weight-cache key), never on ws.
 */
export interface HiloGpuWeights {
  inW: GPUBuffer;
  /** null when none of the stacked Linears has a bias (a missing one is zeros otherwise) */
  inB: GPUBuffer | null;
  kvW: GPUBuffer | null;
  kvB: GPUBuffer | null;
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
  let inParts: Array<[string, number]>;
  if (hi && lo) inParts = [['h_qkv', 3 * g.hDim], ['l_q', g.lDim]];
  else if (hi) inParts = [['h_qkv', 3 * g.hDim]];
  else inParts = [['l_q', g.lDim], ['l_kv', 2 * g.lDim]];
  const inW = up(stackRows(inParts.map(([k, rows]) => ({ data: t(`${k}.weight`), rows, cols: C }))))!;
  const inB = up(stackRows(inParts.map(([k, rows]) => ({ data: o(`${k}.bias`), rows, cols: 1 }))));
  const kvW = hi && lo ? uploadParam(ctx, p, 'l_kv.weight') : null;
  const kvB = hi && lo && p['l_kv.bias'] ? uploadParam(ctx, p, 'l_kv.bias') : null;
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
  const w = { inW, inB, kvW, kvB, projW, projB };
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

/** y[M, N] = x[M, K]·Wᵀ + b as dispatches; a backbone may pass its own (split K, another tile). */
export type LinearBuilder = (x: GPUBuffer, w: GPUBuffer, b: GPUBuffer | null, y: GPUBuffer, M: number, N: number, K: number) => Dispatch[];

/**
 * The op's dispatches for a batch of images: x → y with weights `w`. Buffers come from `alloc`
 * (role, floats; distinct roles never alias); uniforms are created here. Maps need batch 1.
 * Both branches, ws > 1: input Linear [h_qkv | l_q] → window attention and (pool → l_kv Linear →)
 * pooled attention, each writing its columns of o = [Hi-Fi | Lo-Fi] → block-diagonal projection:
 * 6 dispatches. Lo-Fi only, ws = 1: [l_q | l_kv] Linear → attention → l_proj: 3.
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

  // input projection on the N real tokens: columns [h_qkv (3·hDim) | l_q (lDim) | l_kv when ws = 1]
  const inCols = (hi ? 3 * g.hDim : 0) + (lo ? (hi || c.ws > 1 ? g.lDim : 3 * g.lDim) : 0);
  const xin = alloc('hilo.in', BN * inCols);
  dispatches.push(...lin(io.x, w.inW, w.inB, xin, BN, inCols, C));
  // attention output [BN, C]: Hi-Fi heads in columns [0, hDim), Lo-Fi heads after
  const o = alloc('hilo.o', BN * C);

  let hifiMap: GPUBuffer | null = null;
  if (hi) {
    hifiMap = wantMaps ? alloc('hilo.hifiMap', g.hHeads * g.G * g.T * g.T) : null;
    dispatches.push({
      pipeline: ctx.pipeline(expandWgsl(kernelText('hilo_window.wgsl', windowWgsl), { HD: g.d, TKEY: keyTile(g.d), TQ: g.T <= 32 ? 32 : 64 })),
      buffers: [xin, w.inB ?? alloc('hilo.noBias', 1), o, hifiMap ?? alloc('hilo.noMap', 1)], params: { H: c.H, W: c.W, Gw: g.Gw, ws: c.ws, hDim: g.hDim, G: g.G, hasBias: w.inB ? 1 : 0, writeMap: wantMaps ? 1 : 0, scale: g.scale, qkvStride: inCols, oStride: C },
      workgroups: [g.G, g.hHeads, B],
    });
  }

  let lofiMap: GPUBuffer | null = null;
  if (lo) {
    const qOff = hi ? 3 * g.hDim : 0;
    // keys/values: ws = 1 → columns of xin; else l_kv on the pooled cells (Lo-Fi only: the stacked
    // [l_q; l_kv] rows on the pooled cells, whose l_q columns go unused)
    let kv = xin;
    let kvStride = inCols;
    let kOff = g.lDim;
    // both branches at ws = 1 (a network knob keeping the trained head split): l_kv on x itself
    if (c.ws > 1 || hi) {
      let pooled = io.x;
      if (c.ws > 1) {
        pooled = alloc('hilo.pooled', B * g.M * C);
        dispatches.push({
          pipeline: ctx.pipeline(poolWgsl),
          buffers: [io.x, pooled], params: { H: c.H, W: c.W, Gw: g.Gw, ws: c.ws, C, inv: 1 / g.T },
          workgroups: [Math.ceil(C / 64), g.M, B],
        });
      }
      kvStride = hi ? 2 * g.lDim : 3 * g.lDim;
      kOff = hi ? 0 : g.lDim;
      kv = alloc('hilo.kv', B * g.M * kvStride);
      dispatches.push(...lin(pooled, hi ? w.kvW! : w.inW, hi ? w.kvB : w.inB, kv, B * g.M, kvStride, C));
    }
    const sh = attnShape(N, g.M, g.d, g.lHeads * B);
    dispatches.push({
      pipeline: ctx.pipeline(expandWgsl(attnWgsl, sh.defines)),
      buffers: [xin, kv, o], params: { N, M: g.M, qStride: inCols, qOff, kvStride, kOff, vOff: kOff + g.lDim, oStride: C, oOff: g.hDim, scale: g.scale },
      workgroups: [sh.blocks, g.lHeads, B],
    });
    if (rb) {
      lofiMap = alloc('hilo.lofiMap', g.lHeads * R * g.M);
      dispatches.push({
        pipeline: ctx.pipeline(expandWgsl(lofiRowsWgsl, { HD: g.d })),
        buffers: [xin, kv, rb, lofiMap], params: { M: g.M, nrows: R, qStride: inCols, qOff, kvStride, kOff, scale: g.scale },
        workgroups: [R, g.lHeads],
      });
    }
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
