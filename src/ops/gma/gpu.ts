/**
 * WebGPU path of GMA (one submit):
 *   qkv Linear → aggregator: depthwise k×k of segments 1..3 on q, k, v (shared weights) →
 *   pointwise Linear → BN+Hardswish assembled with segment 0 into A = [q' | k' | v'] ([3, N, 4s]) →
 *   Agg_0: depthwise 3×3 on [q4|k4|v4] → pointwise → LayerNorm+Hardswish into Y[:, 4s:] →
 *   column max/sum of k' → split-K softmax(k')ᵀv' per head, reduced → CRPE depthwise convs on v' →
 *   Y[:, :4s] = scale·q'M + q'⊙CRPE → proj Linear.
 * Maps with opts.maps / opts.rows: attn_eff rows [heads, rows, N] (all N rows when maps is set
 * without rows: the fixture layout) and k_softmax [heads, N, Ch] in full (it is per key, not per
 * query, and only O(N·C)). Disabled segments skip their convs and write zeros.
 */
import type { Dispatch, GpuContext } from '../../gpu/context';
import { expandWgsl } from '../../gpu/wgsl';
import dwWgsl from '../../../kernels/gma_dw.wgsl?raw';
import bnactWgsl from '../../../kernels/gma_bnact.wgsl?raw';
import lnWgsl from '../../../kernels/gma_ln_hswish.wgsl?raw';
import colstatsWgsl from '../../../kernels/gma_colstats.wgsl?raw';
import ktvWgsl from '../../../kernels/gma_ktv.wgsl?raw';
import reduceWgsl from '../../../kernels/gma_reduce.wgsl?raw';
import applyWgsl from '../../../kernels/gma_apply.wgsl?raw';
import ksoftmaxWgsl from '../../../kernels/gma_ksoftmax.wgsl?raw';
import rowsWgsl from '../../../kernels/gma_rows.wgsl?raw';
import type { GpuOpOutput, GpuRunOptions, Params } from '../types';
import { linearDispatch } from '../common/gpu-linear';
import { requireParam, uploadParam } from '../common/params';
import { GMA_CRPE_SPLIT, GMA_SEG_KERNEL, gmaDims, gmaSegmentOn, validateGma, type GmaConfig } from './spec';

/** Tokens per split-K chunk of softmax(k')ᵀv'. */
const KTV_CHUNK = 64;
/** Workgroup memory budget of gma_apply in floats (16 KiB). */
const APPLY_FLOATS = 4096;

/** Eval BatchNorm folded to y = x·scale + shift, for segments 0..3: [4][2][s]. */
function foldBn(p: Params, s: number): Float32Array {
  const out = new Float32Array(8 * s);
  for (let j = 0; j < 4; j++) {
    const g = (k: string) => requireParam(p, `aggregator.norm${j}.${k}`).data;
    const [w, b, m, v] = [g('weight'), g('bias'), g('running_mean'), g('running_var')];
    for (let c = 0; c < s; c++) {
      const sc = w[c] / Math.sqrt(v[c] + 1e-5);
      out[2 * j * s + c] = sc;
      out[(2 * j + 1) * s + c] = b[c] - m[c] * sc;
    }
  }
  return out;
}

interface DwArgs {
  src: GPUBuffer; w: GPUBuffer; bias: GPUBuffer | null; dst: GPUBuffer;
  K: number; nch: number; grp: number; grpStride: number; colBase: number; wmod: number;
  inBase: number; inStride: number; outStride: number; outCol: number;
}

export async function gmaGpu(ctx: GpuContext, x: Float32Array, p: Params, c: GmaConfig, opts: GpuRunOptions): Promise<GpuOpOutput> {
  validateGma(c);
  const { N, s, Cp, Ch, scale } = gmaDims(c);
  if (Ch * Ch + Ch > APPLY_FLOATS) throw new Error(`gma: ${Ch} channels per head is too many for the GPU path (max 63)`);
  const C = c.dim;
  const nh = c.heads;
  const bufs: GPUBuffer[] = [];
  const keep = <T extends GPUBuffer>(b: T) => (bufs.push(b), b);
  const param = (k: string) => keep(uploadParam(ctx, p, k));
  const dummy = keep(ctx.scratch(4));

  const dw = (a: DwArgs): Dispatch => ({
    pipeline: ctx.pipeline(dwWgsl),
    buffers: [a.src, a.w, a.bias ?? dummy, a.dst, ctx.uniform([
      N, c.H, c.W, a.K, a.nch, a.grp, a.grpStride, a.colBase, a.wmod, a.inBase, a.inStride, a.outStride, a.outCol, a.bias ? 1 : 0,
    ])],
    workgroups: [Math.ceil(a.nch / 16), Math.ceil(N / 16)],
  });

  const xb = keep(ctx.upload(x));
  const qkv = keep(ctx.scratch(N * 3 * C));
  const A = keep(ctx.scratch(3 * N * Cp));
  const Y = keep(ctx.scratch(N * C)); // zero-initialised: a disabled Agg_0 leaves its columns 0
  const y = keep(ctx.scratch(N * C));
  const dispatches: Dispatch[] = [linearDispatch(ctx, xb, param('qkv.weight'), c.qkvBias ? param('qkv.bias') : null, qkv, N, 3 * C, C)];

  // Aggregator segments 1..3: depthwise (shared over q, k, v) then pointwise as a [3N, s] Linear.
  const segOut: GPUBuffer[] = [dummy, dummy, dummy, dummy];
  let mask = 0;
  for (let j = 0; j < 4; j++) {
    if (!gmaSegmentOn(c, j)) continue;
    mask |= 1 << j;
    if (j === 0) continue;
    const d = keep(ctx.scratch(N * 3 * s));
    segOut[j] = keep(ctx.scratch(N * 3 * s));
    dispatches.push(
      dw({ src: qkv, w: param(`aggregator.agg${j}.conv1.weight`), bias: null, dst: d, K: GMA_SEG_KERNEL[j], nch: 3 * s, grp: s, grpStride: C, colBase: j * s, wmod: s, inBase: 0, inStride: 3 * C, outStride: 3 * s, outCol: 0 }),
      linearDispatch(ctx, d, param(`aggregator.agg${j}.pointwise_conv.weight`), null, segOut[j], 3 * N, s, s),
    );
  }
  dispatches.push({
    pipeline: ctx.pipeline(bnactWgsl),
    buffers: [qkv, segOut[1], segOut[2], segOut[3], keep(ctx.upload(foldBn(p, s))), A, ctx.uniform([N, s, C, mask])],
    workgroups: [Math.ceil((3 * N * Cp) / 256)],
  });

  // Non-attention branch (Agg_0) → Y[:, 4s:5s].
  if (gmaSegmentOn(c, 4)) {
    const d0 = keep(ctx.scratch(N * 3 * s));
    const p0 = keep(ctx.scratch(N * s));
    dispatches.push(
      dw({ src: qkv, w: param('aggregator.agg0.conv.conv1.weight'), bias: null, dst: d0, K: 3, nch: 3 * s, grp: s, grpStride: C, colBase: 4 * s, wmod: 3 * s, inBase: 0, inStride: 3 * C, outStride: 3 * s, outCol: 0 }),
      linearDispatch(ctx, d0, param('aggregator.agg0.conv.pointwise_conv.weight'), null, p0, N, s, 3 * s),
      {
        pipeline: ctx.pipeline(lnWgsl),
        buffers: [p0, param('aggregator.agg0.norm.weight'), param('aggregator.agg0.norm.bias'), Y, ctx.uniform([N, s, C, Cp])],
        workgroups: [Math.ceil(N / 64)],
      },
    );
  }

  // Factorised attention: softmax of k' over tokens, M_e = K̂ᵀV per head (split-K).
  const stats = keep(ctx.scratch(2 * Cp));
  const nchunks = Math.ceil(N / KTV_CHUNK);
  const part = keep(ctx.scratch(nchunks * nh * Ch * Ch));
  const M = keep(ctx.scratch(nh * Ch * Ch));
  const per = Math.ceil((Ch * Ch) / 256);
  dispatches.push(
    { pipeline: ctx.pipeline(colstatsWgsl), buffers: [A, stats, ctx.uniform([N, Cp])], workgroups: [Cp] },
    {
      pipeline: ctx.pipeline(expandWgsl(ktvWgsl, { CH: Ch, PER: per, TTCH: 16 * Ch })),
      buffers: [A, stats, part, ctx.uniform([N, Cp, KTV_CHUNK, nh])],
      workgroups: [nchunks, nh],
    },
    { pipeline: ctx.pipeline(reduceWgsl), buffers: [part, M, ctx.uniform([nh * Ch * Ch, nchunks])], workgroups: [Math.ceil((nh * Ch * Ch) / 256)] },
  );

  // CRPE: depthwise convs with bias on v' (A block 2), channel groups of 2, 3, 3 heads.
  const R = keep(ctx.scratch(N * Cp));
  let off = 0;
  GMA_CRPE_SPLIT.forEach(([k, heads], i) => {
    const n = heads * Ch;
    dispatches.push(dw({
      src: A, w: param(`crpe.conv_list.${i}.weight`), bias: param(`crpe.conv_list.${i}.bias`), dst: R,
      K: k, nch: n, grp: n, grpStride: 0, colBase: off, wmod: n, inBase: 2 * N * Cp, inStride: Cp, outStride: Cp, outCol: off,
    }));
    off += n;
  });

  const tok = Math.min(64, Math.floor((APPLY_FLOATS - Ch * Ch) / Ch));
  dispatches.push(
    {
      pipeline: ctx.pipeline(expandWgsl(applyWgsl, { CH: Ch, TOK: tok, CHCH: Ch * Ch, TOKCH: tok * Ch })),
      buffers: [A, M, R, Y, ctx.uniform([N, Cp, C, scale], ['u', 'u', 'u', 'f'])],
      workgroups: [Math.ceil(N / tok), nh],
    },
    linearDispatch(ctx, Y, param('proj.weight'), param('proj.bias'), y, N, C, C),
  );

  const rows = opts.rows ?? (opts.maps ? Array.from({ length: N }, (_, i) => i) : []);
  let attnEff: GPUBuffer | null = null;
  let kSoft: GPUBuffer | null = null;
  if (rows.length) {
    const rb = keep(ctx.upload(Uint32Array.from(rows)));
    attnEff = keep(ctx.scratch(nh * rows.length * N));
    kSoft = keep(ctx.scratch(N * Cp));
    dispatches.push(
      { pipeline: ctx.pipeline(ksoftmaxWgsl), buffers: [A, stats, kSoft, ctx.uniform([N, Cp, Ch])], workgroups: [Math.ceil((N * Cp) / 256)] },
      {
        pipeline: ctx.pipeline(expandWgsl(rowsWgsl, { CH: Ch })),
        buffers: [A, stats, rb, attnEff, ctx.uniform([N, Cp, rows.length, scale], ['u', 'u', 'u', 'f'])],
        workgroups: [rows.length, nh],
      },
    );
  }

  const t = await ctx.run(dispatches, { timed: opts.timed ?? true });
  const out: GpuOpOutput = { y: await ctx.read(y, N * C), maps: {}, gpuMs: t.ms };
  if (attnEff && kSoft) {
    out.maps.attn_eff = await ctx.read(attnEff, nh * rows.length * N);
    out.maps.k_softmax = await ctx.read(kSoft, N * Cp);
  }
  for (const b of bufs) b.destroy();
  return out;
}
