/**
 * WebGPU path of Vicinity attention, linear in tokens, for a batch of images:
 *   [q|k|v] Linear → SE: column-sum partials, ReLU matvec (token mean folded in), sigmoid matvec →
 *   φ(K)ᵀV and Σφ(K): split-K partials per chunk of tokens, reduced + clamped →
 *   φ(Q)·KV with z (tiled) → out_proj Linear with the clamps and the SE merge in its epilogue.
 * Maps (opts.maps or opts.rows, batch 1): attn rows z_t·φ(q_t)·φ(k_j) per head, [heads, rows, N],
 * and the locality rows [rows, N]; all N rows when opts.maps is set without opts.rows (fixture layout).
 * The trig table (cos/sin of the float32-rounded angles) is built on the CPU, O(N), and written
 * into a buffer from the caller's allocator when the dispatches are made.
 *
 * The pieces are exported so a backbone (VVT) can record the op inside its own pass:
 * uploadVicinityWeights (once per weights), vicinityDispatches (the dispatch list for given
 * input/output buffers and a batch of images, scratch from the caller's allocator). vicinityGpu
 * is the op's one-submit wrapper.
 */
import type { Dispatch, GpuContext } from '../../gpu/context';
import { expandWgsl } from '../../gpu/wgsl';
import colsumWgsl from '../../../kernels/vicinity_colsum.wgsl?raw';
import matvecWgsl from '../../../kernels/vicinity_matvec.wgsl?raw';
import kvWgsl from '../../../kernels/vicinity_kv.wgsl?raw';
import kvReduceWgsl from '../../../kernels/vicinity_kv_reduce.wgsl?raw';
import applyWgsl from '../../../kernels/vicinity_apply.wgsl?raw';
import outprojWgsl from '../../../kernels/vicinity_outproj.wgsl?raw';
import rowsWgsl from '../../../kernels/vicinity_rows.wgsl?raw';
import { runOpOnce, type ScratchAlloc } from '../common/gpu-run';
import type { GpuOpOutput, GpuRunOptions, Params } from '../types';
import { linearDispatch } from '../../gpu/gemm';
import { requireParam, uploadParam } from '../common/params';
import { validateVicinity, vicinityDims, type VicinityConfig } from './spec';
import { vicinityTrig } from './angles';

/** Tokens per workgroup of the SE column sums. */
const COLSUM_CHUNK = 128;
/** Aim for about this many key-statistics workgroups (split-K over tokens) in one dispatch. */
const KV_TARGET_WGS = 512;

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

/** One Vicinity module's weights on the GPU (float32). */
export interface VicinityGpuWeights {
  /** [q|k|v] stacked, [3r, C] and [3r] */
  wqkv: GPUBuffer;
  bqkv: GPUBuffer;
  wse0: GPUBuffer;
  wse2: GPUBuffer;
  wout: GPUBuffer;
  bout: GPUBuffer;
  /** every buffer above, for destroy() */
  all: GPUBuffer[];
}

/** Upload one module's state_dict (keys without prefix: 'q_proj.weight', …). */
export function uploadVicinityWeights(ctx: GpuContext, p: Params, c: VicinityConfig): VicinityGpuWeights {
  validateVicinity(c);
  const qkv = stackQkv(p);
  const w = {
    wqkv: ctx.upload(qkv.w),
    bqkv: ctx.upload(qkv.b),
    wse0: uploadParam(ctx, p, 'se_fc.0.weight'),
    wse2: uploadParam(ctx, p, 'se_fc.2.weight'),
    wout: uploadParam(ctx, p, 'out_proj.weight'),
    bout: uploadParam(ctx, p, 'out_proj.bias'),
  };
  return { ...w, all: Object.values(w) };
}

/** Scratch buffers by role; a backbone passes a pool so every block reuses the same ones. */

export interface VicinityDispatchIO {
  /** input tokens: B images back to back, each [H·W, C] */
  x: GPUBuffer;
  /** output, same layout (must not be x) */
  y: GPUBuffer;
  batch?: number;
}

export interface VicinityDispatchResult {
  dispatches: Dispatch[];
  /** the requested map rows (batch 1): attn [heads, rows, N], locality [rows, N] */
  maps?: { attn: GPUBuffer; locality: GPUBuffer; rows: number };
}

/** Key-statistics chunk length: enough workgroups to fill the GPU, 64 tokens at least, 16-aligned. */
export function vicinityKvChunk(N: number, heads: number, batch: number): number {
  const chunks = Math.max(1, Math.min(Math.ceil(N / 64), Math.ceil(KV_TARGET_WGS / (heads * batch))));
  return Math.ceil(Math.ceil(N / chunks) / 16) * 16;
}

/**
 * The op's dispatches for a batch of images: x → y with weights `w`. Buffers come from `alloc`
 * (role, floats; distinct roles never alias); uniforms are created here. The trig table's role
 * names its grid and θ, so blocks of one configuration share it and others never overwrite it.
 */
export function vicinityDispatches(ctx: GpuContext, w: VicinityGpuWeights, c: VicinityConfig, io: VicinityDispatchIO, alloc: ScratchAlloc, opts: { maps?: boolean; rows?: number[] } = {}): VicinityDispatchResult {
  validateVicinity(c);
  const { N, r, d, seHidden } = vicinityDims(c);
  const C = c.dim;
  const h = c.heads;
  const B = io.batch ?? 1;
  const BN = B * N;
  const S = 4 * d * d + 4 * d;
  const rows = opts.rows ?? (opts.maps ? Array.from({ length: N }, (_, i) => i) : []);
  if (rows.length && B !== 1) throw new Error('vicinity: maps need batch 1');
  if (rows.some((t) => !(t >= 0 && t < N && Number.isInteger(t)))) throw new Error(`vicinity: map rows must be tokens 0…${N - 1}`);

  const trig = alloc(`vicinity.trig@${c.H}x${c.W}@${c.theta}`, 4 * N);
  const trigData = ctx.encodeFloats(Float32Array.from(vicinityTrig(c)));
  ctx.device.queue.writeBuffer(trig, 0, trigData.buffer, trigData.byteOffset, trigData.byteLength);
  const qkv = alloc('vicinity.qkv', BN * 3 * r);
  const ncol = Math.ceil(N / COLSUM_CHUNK);
  const colsum = alloc('vicinity.colsum', B * ncol * C);
  const seHid = alloc('vicinity.seHid', B * seHidden);
  const se = alloc('vicinity.se', B * C);
  const chunk = vicinityKvChunk(N, h, B);
  const nchunks = Math.ceil(N / chunk);
  const part = alloc('vicinity.part', B * nchunks * h * S);
  const kv = alloc('vicinity.kv', B * h * S);
  const o = alloc('vicinity.o', BN * r);

  const per = Math.ceil((d * d) / 256);
  const reduceWgs = Math.ceil((B * h * S) / 256);
  const rx = Math.min(reduceWgs, 65535);
  const dispatches: Dispatch[] = [
    linearDispatch(ctx, io.x, w.wqkv, w.bqkv, qkv, BN, 3 * r, C),
    {
      pipeline: ctx.pipeline(colsumWgsl),
      buffers: [io.x, colsum], params: { N, C, chunk: COLSUM_CHUNK, nchunk: ncol },
      workgroups: [Math.ceil(C / 64), ncol, B],
    },
    {
      pipeline: ctx.pipeline(matvecWgsl),
      buffers: [colsum, w.wse0, seHid], params: { outF: seHidden, inF: C, act: 0, nsum: ncol, scale: 1 / N },
      workgroups: [seHidden, B],
    },
    {
      pipeline: ctx.pipeline(matvecWgsl),
      buffers: [seHid, w.wse2, se], params: { outF: C, inF: seHidden, act: 1, nsum: 1, scale: 1 },
      workgroups: [C, B],
    },
    {
      pipeline: ctx.pipeline(expandWgsl(kvWgsl, { D: d, PER: per, PER4: 4 * per, TTD: 16 * d })),
      buffers: [qkv, trig, part], params: { N, r, chunk, heads: h },
      workgroups: [nchunks, h, B],
    },
    {
      pipeline: ctx.pipeline(kvReduceWgsl),
      buffers: [part, kv], params: { total: B * h * S, hs: h * S, nchunks, S, kvLen: 4 * d * d },
      workgroups: [rx, Math.ceil(reduceWgs / rx)],
    },
    {
      pipeline: ctx.pipeline(expandWgsl(applyWgsl, { D: d })),
      buffers: [qkv, trig, kv, o], params: { N, r, heads: h },
      workgroups: [Math.ceil(d / 64), Math.ceil(N / 64), B * h],
    },
    {
      pipeline: ctx.pipeline(outprojWgsl),
      buffers: [o, w.wout, w.bout, se, io.y], params: { M: BN, N: C, K: r, L: N },
      workgroups: [Math.ceil(C / 64), Math.ceil(BN / 64)],
    },
  ];

  if (!rows.length) return { dispatches };
  const rb = alloc('vicinity.rows', rows.length);
  ctx.device.queue.writeBuffer(rb, 0, Uint32Array.from(rows));
  const attn = alloc('vicinity.attnRows', h * rows.length * N);
  const locality = alloc('vicinity.localityRows', rows.length * N);
  dispatches.push({
    pipeline: ctx.pipeline(expandWgsl(rowsWgsl, { D: d })),
    buffers: [qkv, trig, kv, rb, attn, locality], params: { N, r, heads: h, nrows: rows.length },
    workgroups: [rows.length, h],
  });
  return { dispatches, maps: { attn, locality, rows: rows.length } };
}

/**
 * The op on one image: one submit, read back. Weights are cached per params object; the upload
 * reads the config only to validate it (vicinityDispatches validates too), so the key is the op's.
 */
export function vicinityGpu(ctx: GpuContext, x: Float32Array, p: Params, c: VicinityConfig, opts: GpuRunOptions): Promise<GpuOpOutput> {
  const { N } = vicinityDims(c);
  return runOpOnce(ctx, x, N * c.dim, opts, (io) => {
    const w = io.weights(p, 'vicinity', () => uploadVicinityWeights(ctx, p, c));
    return vicinityDispatches(ctx, w, c, { x: io.x, y: io.y }, io.alloc, { maps: opts.maps, rows: opts.rows });
  }, async (r): Promise<Record<string, Float32Array>> => (r.maps ? {
    attn: await ctx.read(r.maps.attn, c.heads * r.maps.rows * N),
    locality: await ctx.read(r.maps.locality, r.maps.rows * N),
  } : {}));
}
