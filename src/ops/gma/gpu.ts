/**
 * WebGPU path of GMA, for a batch of B images (tokens [B, N, C] back to back), in five launches:
 *   qkv Linear →
 *   gma_mix: per tile of tokens, aggregator segments 0..3 of q, k, v (shared weights; depthwise k×k →
 *   pointwise → folded BN → Hardswish) into A = [B, 3, N, 4s], the tile's partials of
 *   softmax_N(k')ᵀv' per head with chunk-local softmax statistics, and (other workgroups) Agg_0
 *   (depthwise 3×3 on [q4|k4|v4] → pointwise → LayerNorm → Hardswish) into Z after A →
 *   gma_m: per head and image, the partials combined into M_e and the channel statistics →
 *   gma_y: per head and tile of tokens, Y[:, :4s] = scale·q'M + q'⊙CRPE(v') (CRPE convs in place),
 *   Y[:, 4s:] = Z →
 *   proj Linear (optionally accumulated into the output: a backbone's residual add).
 * The three-launch version of 2026-12-05 folded gma_m, gma_y and proj into one kernel (gma_out):
 * every workgroup of its 64×64 output tiles recombined all partials and recomputed all of Y for its
 * tokens, and GroupMixFormer-M at batch 1 spent 3.7 of its 7.9 ms GPU there (H100, BENCHMARKS.md).
 * Maps (sample 0) with opts.maps / opts.rows: attn_eff rows [heads, rows, N] (all N rows when maps
 * is set without rows: the fixture layout) and k_softmax [heads, N, Ch] in full (it is per key,
 * not per query, and only O(N·C)). Disabled segments skip their convs and write zeros.
 *
 * As the other ops: uploadGmaWeights (once per weights; eval BatchNorms folded here),
 * gmaDispatches (the dispatch list for given input/output buffers, scratch from the caller's
 * allocator, so a backbone records the op inside its own pass) and gmaGpu, the op's one-submit
 * wrapper.
 */
import type { Dispatch, GpuContext } from '../../gpu/context';
import { expandWgsl, kernelText } from '../../gpu/wgsl';
import mixWgsl from '../../../kernels/gma_mix.wgsl?raw';
import mWgsl from '../../../kernels/gma_m.wgsl?raw';
import yWgsl from '../../../kernels/gma_y.wgsl?raw';
import ksoftmaxWgsl from '../../../kernels/gma_ksoftmax.wgsl?raw';
import rowsWgsl from '../../../kernels/gma_rows.wgsl?raw';
import { runOpOnce, type ScratchAlloc } from '../common/gpu-run';
import type { GpuOpOutput, GpuRunOptions, Params } from '../types';
import type { Tensor } from '../../tensor/tensor';
import { linearDispatch } from '../../gpu/gemm';
import { requireParam, uploadParam } from '../common/params';
import { GMA_CRPE_SPLIT, GMA_SEG_KERNEL, gmaDims, gmaSegmentOn, validateGma, type GmaConfig } from './spec';

/** Tokens per gma_y workgroup. */
const GMA_Y_TOKENS = 32;
/** Workgroup memory budget of the kernels in floats (16 KiB, WebGPU's default limit). */
const WG_FLOATS = 4096;
const BN_EPS = 1e-5;
/** gma_mix roles: segments 0..3 (k', v', partials), the q' of segments 1..3, Agg_0 (kernel header). */
const GMA_MIX_ROLES = 8;

/**
 * gma_mix's tokens per tile: 0 = the most that fit the 16 KiB of workgroup memory (at most 64);
 * n > 0 = min(n, that). Settable only for the bench's A/B (`--gma-tokens`): another tile changes the
 * chunk-local softmax partials' rounding.
 */
export const gmaTuning = { tokens: 0 };

/** One GMA module's weights on the GPU (float32). */
export interface GmaGpuWeights {
  qkvW: GPUBuffer;
  qkvB: GPUBuffer | null;
  projW: GPUBuffer;
  projB: GPUBuffer | null;
  /** segments 0..3: BN0 scale/shift, then per segment DW, BN-folded PW and its bias (gma_mix) */
  agg: GPUBuffer;
  /** offsets of segments 1..3 in `agg` */
  aggOff: [number, number, number];
  /** Agg_0: DW, PW, LayerNorm gamma, beta (gma_mix) */
  agg0: GPUBuffer;
  /** CRPE: 3×3, 5×5, 7×7 depthwise weights, then the biases (gma_y) */
  crpe: GPUBuffer;
  crpeOff: { off5: number; off7: number; offb: number };
  /** every buffer above, for destroy() */
  all: GPUBuffer[];
}

/** Eval BN `prefix` as y = x·sc + sh per channel; identity when the module has none (already folded). */
function bnAffine(p: Params, prefix: string, n: number): { sc: Float64Array; sh: Float64Array } {
  const sc = new Float64Array(n).fill(1);
  const sh = new Float64Array(n);
  const mean = p[`${prefix}.running_mean`];
  if (!mean) return { sc, sh };
  const g = p[`${prefix}.weight`];
  const b = p[`${prefix}.bias`];
  const v = requireParam(p, `${prefix}.running_var`).data;
  for (let c = 0; c < n; c++) {
    sc[c] = (g ? g.data[c] : 1) / Math.sqrt(v[c] + BN_EPS);
    sh[c] = (b ? b.data[c] : 0) - mean.data[c] * sc[c];
  }
  return { sc, sh };
}

/** A weight, or zeros when the module is switched off and may lack it. */
function weightOr(p: Params, key: string, n: number, on: boolean): ArrayLike<number> {
  const t: Tensor | undefined = p[key];
  if (t) return t.data;
  if (on) throw new Error(`missing weight '${key}'`);
  return new Float64Array(n);
}

/**
 * Upload one module's state_dict (keys without prefix: 'qkv.weight', 'aggregator.norm1.weight', …).
 * The aggregator BNs are folded here (norm1..3 into the pointwise convs, norm0 as an affine);
 * weights whose BNs were already folded (pointwise convs with a bias, no BN keys) work too.
 */
export function uploadGmaWeights(ctx: GpuContext, p: Params, c: GmaConfig): GmaGpuWeights {
  validateGma(c);
  const { s, Ch, Cp } = gmaDims(c);
  // segments 0..3
  const seg0 = bnAffine(p, 'aggregator.norm0', s);
  const parts: number[] = [...seg0.sc, ...seg0.sh];
  const aggOff: [number, number, number] = [0, 0, 0];
  for (let j = 1; j <= 3; j++) {
    const k = GMA_SEG_KERNEL[j];
    const on = gmaSegmentOn(c, j);
    aggOff[j - 1] = parts.length;
    parts.push(...Array.from(weightOr(p, `aggregator.agg${j}.conv1.weight`, s * k * k, on)));
    const pw = weightOr(p, `aggregator.agg${j}.pointwise_conv.weight`, s * s, on);
    const pb = p[`aggregator.agg${j}.pointwise_conv.bias`]?.data;
    const bn = bnAffine(p, `aggregator.norm${j}`, s);
    for (let o = 0; o < s; o++) for (let i = 0; i < s; i++) parts.push(pw[o * s + i] * bn.sc[o]);
    for (let o = 0; o < s; o++) parts.push((pb ? pb[o] : 0) * bn.sc[o] + bn.sh[o]);
  }
  // Agg_0
  const on0 = gmaSegmentOn(c, 4);
  const a0: number[] = [
    ...Array.from(weightOr(p, 'aggregator.agg0.conv.conv1.weight', 27 * s, on0)),
    ...Array.from(weightOr(p, 'aggregator.agg0.conv.pointwise_conv.weight', 3 * s * s, on0)),
    ...Array.from(weightOr(p, 'aggregator.agg0.norm.weight', s, on0)),
    ...Array.from(weightOr(p, 'aggregator.agg0.norm.bias', s, on0)),
  ];
  // CRPE
  const cr: number[] = [];
  const offs: number[] = [];
  GMA_CRPE_SPLIT.forEach((_, i) => {
    offs.push(cr.length);
    cr.push(...Array.from(requireParam(p, `crpe.conv_list.${i}.weight`).data));
  });
  const offb = cr.length;
  GMA_CRPE_SPLIT.forEach((_, i) => cr.push(...Array.from(requireParam(p, `crpe.conv_list.${i}.bias`).data)));
  if (cr.length - offb !== Cp) throw new Error(`gma: CRPE biases cover ${cr.length - offb} channels, expected ${Cp}`);
  const w = {
    qkvW: uploadParam(ctx, p, 'qkv.weight'),
    qkvB: c.qkvBias && p['qkv.bias'] ? uploadParam(ctx, p, 'qkv.bias') : null,
    projW: uploadParam(ctx, p, 'proj.weight'),
    projB: p['proj.bias'] ? uploadParam(ctx, p, 'proj.bias') : null,
    agg: ctx.upload(Float32Array.from(parts)),
    agg0: ctx.upload(Float32Array.from(a0)),
    crpe: ctx.upload(Float32Array.from(cr)),
  };
  if (Ch < 1) throw new Error('gma: empty heads');
  return {
    ...w, aggOff, crpeOff: { off5: offs[1], off7: offs[2], offb },
    all: Object.values(w).filter((b): b is GPUBuffer => b !== null),
  };
}

export interface GmaDispatchIO {
  /** input tokens: B images back to back, each [H·W, C] */
  x: GPUBuffer;
  /** output, same layout */
  y: GPUBuffer;
  batch?: number;
  /** y += GMA(x) instead of y = GMA(x) (the residual add of a backbone block, fused into proj) */
  accumulate?: boolean;
}

export interface GmaDispatchResult {
  dispatches: Dispatch[];
  /** sample 0's maps when rows/maps were asked for, see the header for layouts */
  maps?: { attnEff: GPUBuffer; kSoftmax: GPUBuffer; rows: number };
}

/**
 * The op's dispatches for a batch of images: x → y with weights `w`. Buffers come from `alloc`
 * (role, floats; distinct roles never alias); uniforms are created here.
 */
export function gmaDispatches(ctx: GpuContext, w: GmaGpuWeights, c: GmaConfig, io: GmaDispatchIO, alloc: ScratchAlloc, opts: { maps?: boolean; rows?: number[] } = {}): GmaDispatchResult {
  validateGma(c);
  const { N, s, Cp, Ch, scale } = gmaDims(c);
  // gma_y holds one head's M_e in workgroup memory; gma_m its channel statistics beside 256 floats.
  const wgFloats = ctx.device.limits.maxComputeWorkgroupStorageSize / 4;
  if (Ch * Ch > wgFloats || Ch > 256) throw new Error(`gma: ${Ch} channels per head is too many for the GPU path on this device (${wgFloats} floats of workgroup memory)`);
  const C = c.dim;
  const nh = c.heads;
  const B = io.batch ?? 1;
  const BN = B * N;
  const qkv = alloc('gma.qkv', BN * 3 * C);
  const A = alloc('gma.A', B * 3 * N * Cp + BN * s);
  const ttMax = Math.max(1, Math.min(64, Math.floor((WG_FLOATS - s) / (3 * s))));
  const tt = gmaTuning.tokens > 0 ? Math.min(gmaTuning.tokens, ttMax) : ttMax;
  const nchunks = Math.ceil(N / tt);
  const part = alloc('gma.part', B * nchunks * nh * (Ch * Ch + 2 * Ch));
  const M = alloc('gma.M', B * nh * Ch * Ch);
  const Yz = alloc('gma.Yz', BN * C);
  const stats = alloc('gma.stats', B * Cp * 2);
  let mask = 0;
  for (let j = 0; j < 5; j++) if (gmaSegmentOn(c, j)) mask |= 1 << j;
  const zoff = B * 3 * N * Cp;
  const [[, h3], [, h5]] = GMA_CRPE_SPLIT;
  const dispatches: Dispatch[] = [
    linearDispatch(ctx, io.x, w.qkvW, w.qkvB, qkv, BN, 3 * C, C),
    {
      pipeline: ctx.pipeline(expandWgsl(kernelText('gma_mix.wgsl', mixWgsl), { TT: tt, CH: Ch, S: s })),
      buffers: [qkv, w.agg, w.agg0, A, part],
      params: { N, H: c.H, W: c.W, C, s, mask, off1: w.aggOff[0], off2: w.aggOff[1], off3: w.aggOff[2], nchunks, zoff },
      workgroups: [nchunks, GMA_MIX_ROLES, B],
    },
    {
      pipeline: ctx.pipeline(expandWgsl(mWgsl, { CH: Ch })),
      buffers: [part, stats, M],
      params: { heads: nh, cp: Cp, nchunks },
      workgroups: [nh, 1, B],
    },
    {
      pipeline: ctx.pipeline(expandWgsl(yWgsl, { CH: Ch, CHCH: Ch * Ch, TY: GMA_Y_TOKENS })),
      buffers: [A, M, w.crpe, Yz],
      params: { N, H: c.H, W: c.W, cp: Cp, C, heads: nh, e1: h3, e2: h3 + h5, off5: w.crpeOff.off5, off7: w.crpeOff.off7, offb: w.crpeOff.offb, scale, zoff },
      workgroups: [nh, Math.ceil(N / GMA_Y_TOKENS), B],
    },
    linearDispatch(ctx, Yz, w.projW, w.projB, io.y, BN, C, C, { accumulate: io.accumulate }),
  ];

  const rows = opts.rows ?? (opts.maps ? Array.from({ length: N }, (_, i) => i) : []);
  if (!rows.length) return { dispatches };
  const rb = alloc('gma.rows', rows.length);
  ctx.device.queue.writeBuffer(rb, 0, Uint32Array.from(rows));
  const attnEff = alloc('gma.attnEff', nh * rows.length * N);
  const kSoftmax = alloc('gma.kSoftmax', N * Cp);
  // sample 0: A's first [3, N, cp] block and stats' first cp pairs
  dispatches.push(
    { pipeline: ctx.pipeline(ksoftmaxWgsl), buffers: [A, stats, kSoftmax], params: { N, cp: Cp, CH: Ch }, workgroups: [Math.ceil((N * Cp) / 256)] },
    {
      pipeline: ctx.pipeline(expandWgsl(rowsWgsl, { CH: Ch })),
      buffers: [A, stats, rb, attnEff], params: { N, cp: Cp, nrows: rows.length, scale },
      workgroups: [rows.length, nh],
    },
  );
  return { dispatches, maps: { attnEff, kSoftmax, rows: rows.length } };
}

/**
 * The op on one image: one submit, read back. Weights are cached per params object; the upload
 * reads the config for the width, which segments are on (a switched-off one may lack weights and
 * gets zeros) and qkv_bias.
 */
export function gmaGpu(ctx: GpuContext, x: Float32Array, p: Params, c: GmaConfig, opts: GpuRunOptions): Promise<GpuOpOutput> {
  const { N, Cp } = gmaDims(c);
  let segs = '';
  for (let j = 1; j <= 4; j++) segs += gmaSegmentOn(c, j) ? '1' : '0';
  return runOpOnce(ctx, x, N * c.dim, opts, (io) => {
    const w = io.weights(p, `gma:${c.dim}:${segs}:${c.qkvBias}`, () => uploadGmaWeights(ctx, p, c));
    return gmaDispatches(ctx, w, c, { x: io.x, y: io.y }, io.alloc, { maps: opts.maps, rows: opts.rows });
  }, async (r): Promise<Record<string, Float32Array>> => (r.maps ? {
    attn_eff: await ctx.read(r.maps.attnEff, c.heads * r.maps.rows * N),
    k_softmax: await ctx.read(r.maps.kSoftmax, N * Cp),
  } : {}));
}
