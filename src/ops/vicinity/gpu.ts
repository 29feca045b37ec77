/**
 * WebGPU path of Vicinity attention, linear in tokens, for a batch of images, in three launches:
 *   1. stats (chunk, head × {k and v, q}, image): the head's [q|k|v] of the chunk's tokens, its
 *      partial φ(K)ᵀ[V|1] (KV with ksum as an extra column), the chunk's column sums of x (SE gate);
 *   2. reduce: the partials summed (KV clamped), and the SE gate's ReLU Linear on the token mean;
 *      with few key chunks also φ(Q)·[KV|ksum] per (head, tile of 64 tokens), its B operand summed
 *      from the partials (apply's step 1, moved where it runs once rather than in every column group);
 *   3. apply (column group, tile of 64 tokens, image): φ(Q)·[KV|ksum] for every head (unless the
 *      reduce launch did it), the SE gate's sigmoid Linear for the tile's channels, out_proj with
 *      the clamps and the SE merge.
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
import statsWgsl from '../../../kernels/vicinity_stats.wgsl?raw';
import reduceWgsl from '../../../kernels/vicinity_reduce.wgsl?raw';
import applyWgsl from '../../../kernels/vicinity_apply.wgsl?raw';
import rowsWgsl from '../../../kernels/vicinity_rows.wgsl?raw';
import { runOpOnce, type ScratchAlloc } from '../common/gpu-run';
import type { GpuOpOutput, GpuRunOptions, Params } from '../types';
import { requireParam, uploadParam } from '../common/params';
import { validateVicinity, vicinityDims, type VicinityConfig } from './spec';
import { vicinityTrig } from './angles';

/** Aim for about this many key-statistics workgroups (chunks of tokens × heads × images) in one dispatch. */
const KV_TARGET_WGS = 512;
/** Token tiles (× images) from which one apply workgroup does all column tiles of its tokens. */
const APPLY_FILL_WGS = 128;
/**
 * Key chunks up to which the reduce launch does φ(Q)·[KV|ksum] (each of its B elements is then the
 * sum of nchunk partials, read per K step): with more, apply does it from the reduced stat.
 */
const REDUCE_APPLY_MAX_CHUNKS = 4;

/**
 * q, k, v weights (and biases) stacked per head, [heads][q_h | k_h | v_h][C], so one product per
 * head gives all three of its d-wide slices.
 */
function stackQkv(p: Params, heads: number, d: number): { w: Float32Array; b: Float32Array } {
  const keys = ['q_proj', 'k_proj', 'v_proj'];
  const ws = keys.map((k) => requireParam(p, `${k}.weight`).data);
  const bs = keys.map((k) => requireParam(p, `${k}.bias`).data);
  const C = ws[0].length / bs[0].length;
  const w = new Float32Array(3 * ws[0].length);
  const b = new Float32Array(3 * bs[0].length);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < 3; i++) {
      const row = (h * 3 + i) * d;
      w.set(ws[i].subarray(h * d * C, (h + 1) * d * C), row * C);
      b.set(bs[i].subarray(h * d, (h + 1) * d), row);
    }
  }
  return { w, b };
}

/** One Vicinity module's weights on the GPU (float32). */
export interface VicinityGpuWeights {
  /** [q|k|v] stacked per head, [3r, C] and [3r] */
  wqkv: GPUBuffer;
  bqkv: GPUBuffer;
  wse0: GPUBuffer;
  wse2: GPUBuffer;
  /** out_proj weight [C, r] followed by its bias [C] */
  wout: GPUBuffer;
  /** every buffer above, for destroy() */
  all: GPUBuffer[];
}

/** Upload one module's state_dict (keys without prefix: 'q_proj.weight', …). */
export function uploadVicinityWeights(ctx: GpuContext, p: Params, c: VicinityConfig): VicinityGpuWeights {
  validateVicinity(c);
  const qkv = stackQkv(p, c.heads, vicinityDims(c).d);
  const wo = requireParam(p, 'out_proj.weight').data;
  const bo = requireParam(p, 'out_proj.bias').data;
  const wout = new Float32Array(wo.length + bo.length);
  wout.set(wo);
  wout.set(bo, wo.length);
  const w = {
    wqkv: ctx.upload(qkv.w),
    bqkv: ctx.upload(qkv.b),
    wse0: uploadParam(ctx, p, 'se_fc.0.weight'),
    wse2: uploadParam(ctx, p, 'se_fc.2.weight'),
    wout: ctx.upload(wout),
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

/** Key-statistics chunk length: whole tiles of 64 tokens, as few per chunk as fill the GPU. */
export function vicinityKvChunk(N: number, heads: number, batch: number): number {
  const tiles = Math.ceil(N / 64);
  const chunks = Math.max(1, Math.min(tiles, Math.ceil(KV_TARGET_WGS / (heads * batch))));
  return Math.ceil(tiles / chunks) * 64;
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
  /** per head: [KV | ksum], [4d, d + 1] */
  const S = 4 * d * (d + 1);
  const rows = opts.rows ?? (opts.maps ? Array.from({ length: N }, (_, i) => i) : []);
  if (rows.length && B !== 1) throw new Error('vicinity: maps need batch 1');
  if (rows.some((t) => !(t >= 0 && t < N && Number.isInteger(t)))) throw new Error(`vicinity: map rows must be tokens 0…${N - 1}`);

  const trig = alloc(`vicinity.trig@${c.H}x${c.W}@${c.theta}`, 4 * N);
  const trigData = ctx.encodeFloats(Float32Array.from(vicinityTrig(c)));
  ctx.device.queue.writeBuffer(trig, 0, trigData.buffer, trigData.byteOffset, trigData.byteLength);
  const tiles = Math.ceil(N / 64);
  const chunk = vicinityKvChunk(N, h, B);
  const nchunk = Math.ceil(N / chunk);
  const nct = Math.ceil(C / 64);
  const ctPer = B * tiles >= APPLY_FILL_WGS ? nct : 1;
  const groups = Math.ceil(nct / ctPer);
  const qkv = alloc('vicinity.qkv', BN * 3 * r);
  const part = alloc('vicinity.part', B * nchunk * h * S);
  const colpart = alloc('vicinity.colpart', B * nchunk * C);
  const stat = alloc('vicinity.stat', B * (h * S + seHidden));
  const early = nchunk <= REDUCE_APPLY_MAX_CHUNKS;
  const oraw = alloc('vicinity.oraw', (early ? 1 : groups) * BN * h * (d + 1));
  const nkv = Math.ceil((h * S) / 256);
  const nse = Math.ceil(seHidden / 64);
  const D = { D: d };
  const dispatches: Dispatch[] = [
    {
      pipeline: ctx.pipeline(expandWgsl(statsWgsl, D)),
      buffers: [io.x, w.wqkv, w.bqkv, trig, qkv, part, colpart], params: { N, C, r, heads: h, tiles: chunk / 64, nchunk },
      workgroups: [nchunk, 2 * h, B],
    },
    {
      pipeline: ctx.pipeline(expandWgsl(reduceWgsl, D)),
      buffers: [part, colpart, w.wse0, qkv, trig, stat, oraw], params: { hs: h * S, nchunk, nkv, nse, N, C, r, heads: h, tiles, seHidden, B, invN: 1 / N },
      workgroups: [nkv + nse + (early ? h * tiles : 0), B],
    },
    {
      pipeline: ctx.pipeline(expandWgsl(applyWgsl, D)),
      buffers: [qkv, trig, stat, w.wse2, w.wout, oraw, io.y], params: { N, C, r, heads: h, seHidden, ctPer, B, own: early ? 0 : 1 },
      workgroups: [groups, tiles, B],
    },
  ];

  if (!rows.length) return { dispatches };
  const rb = alloc('vicinity.rows', rows.length);
  ctx.device.queue.writeBuffer(rb, 0, Uint32Array.from(rows));
  const attn = alloc('vicinity.attnRows', h * rows.length * N);
  const locality = alloc('vicinity.localityRows', rows.length * N);
  dispatches.push({
    pipeline: ctx.pipeline(expandWgsl(rowsWgsl, { D: d })),
    buffers: [qkv, trig, stat, rb, attn, locality], params: { N, r, heads: h, nrows: rows.length },
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
