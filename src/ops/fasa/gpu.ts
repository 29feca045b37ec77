/**
 * WebGPU path of FASA, every tensor channel-first [C, pixels] like the module:
 *   q = conv1x1(x) → lact = SiLU(DW k×k(q)) → pool: log2(ws) × (DW 5×5/2 with BN folded [→ conv1x1])
 *   → kv = conv1x1(pooled) → z = SiLU(L0)·SiLU(G) with G = softmax(q·kᵀ)·v (fused) → y = conv1x1(z).
 * Maps (opts.maps or opts.rows): `attn` [heads, rows, M] for the chosen query rows (all N rows
 * when only `maps` is set, the fixture layout) and `local_mod` [heads, N] (mean sigmoid(G) per head:
 * a whole-grid map, so it is not restricted to rows).
 *
 * The pieces are exported so a backbone (FAT) can record FASA inside its own pass:
 * uploadFasaWeights (once per weights, pool BatchNorms folded), fasaDispatches (the dispatch list
 * for given input/output buffers and a batch of images, scratch from the caller's allocator), and
 * the two conv dispatch builders the backbone reuses. fasaGpu is the op's one-submit wrapper.
 */
import type { Dispatch, GpuContext } from '../../gpu/context';
import { expandWgsl } from '../../gpu/wgsl';
import conv1x1Wgsl from '../../../kernels/conv1x1.wgsl?raw';
import dwconvWgsl from '../../../kernels/fasa_dwconv.wgsl?raw';
import attnWgsl from '../../../kernels/fasa_attn_gated.wgsl?raw';
import rowsWgsl from '../../../kernels/fasa_attn_rows.wgsl?raw';
import { runOpOnce, type ScratchAlloc } from '../common/gpu-run';
import type { GpuOpOutput, GpuRunOptions, Params } from '../types';
import { requireParam } from '../common/params';
import { attnShape } from '../common/attn';
import { FASA_POOL_KERNEL, pooledGrids, pooledHW, validateFasa, type FasaConfig } from './spec';

/** 1×1 conv of a batch of channel-first maps: y = act(W·x + b) (+ res). */
export interface PointwiseSpec {
  Co: number;
  Ci: number;
  /** pixels per image */
  P: number;
  batch: number;
  act?: 'none' | 'gelu';
  /** added after the activation (a residual stream; must not be `y`) */
  res?: GPUBuffer;
}

/** `none`: any read-only buffer, bound in place of a missing residual. */
export function pointwiseDispatch(ctx: GpuContext, x: GPUBuffer, w: GPUBuffer, b: GPUBuffer, y: GPUBuffer, s: PointwiseSpec, none: GPUBuffer): Dispatch {
  return {
    pipeline: ctx.pipeline(conv1x1Wgsl),
    buffers: [x, w, b, y, s.res ?? none], params: { Co: s.Co, P: s.P, Ci: s.Ci, act: s.act === 'gelu' ? 1 : 0, has_res: s.res ? 1 : 0 },
    workgroups: [Math.ceil(s.P / 64), Math.ceil(s.Co / 64), s.batch],
  };
}

/** Depthwise conv (zero padding k/2) of a batch of channel-first maps [B, C, H, W]. */
export interface DepthwiseSpec {
  C: number;
  H: number;
  W: number;
  k: number;
  stride: number;
  batch: number;
  act?: 'none' | 'silu';
  /** + the input itself (stride 1 only) */
  residual?: boolean;
  /** write into channels [offset, offset + C) of an output with `channels` per image (default C, 0) */
  out?: { channels: number; offset: number };
}

export function depthwiseOutSize(n: number, k: number, stride: number): number {
  return Math.floor((n + 2 * (k >> 1) - k) / stride) + 1;
}

export function depthwiseDispatch(ctx: GpuContext, x: GPUBuffer, w: GPUBuffer, b: GPUBuffer, y: GPUBuffer, s: DepthwiseSpec): Dispatch {
  if (s.residual && s.stride !== 1) throw new Error('fasa: a depthwise residual needs stride 1');
  const Ho = depthwiseOutSize(s.H, s.k, s.stride);
  const Wo = depthwiseOutSize(s.W, s.k, s.stride);
  // small maps (the late stages) would leave most of a 16×16 tile idle
  const T = Math.max(Ho, Wo) <= 8 ? 8 : 16;
  const inT = (T - 1) * s.stride + s.k;
  // input patch + kernel staged in workgroup memory: keep within 16 KiB
  if ((inT * inT + s.k * s.k) * 4 > 16384) throw new Error(`fasa: depthwise kernel ${s.k} too large for the GPU path`);
  const tilesY = Math.ceil(Ho / T);
  if (s.batch * tilesY > 65535 || s.C > 65535) throw new Error(`fasa: depthwise grid too large (batch ${s.batch}, ${s.C} channels)`);
  const out = s.out ?? { channels: s.C, offset: 0 };
  return {
    pipeline: ctx.pipeline(expandWgsl(dwconvWgsl, { KS: s.k, STRIDE: s.stride, T, IN_T: inT, IN_T2: inT * inT, KS2: s.k * s.k })),
    buffers: [x, w, b, y], params: { C: s.C, H: s.H, W: s.W, Ho, Wo, act: s.act === 'silu' ? 1 : 0, res: s.residual ? 1 : 0, tiles_y: tilesY, OC: out.channels, off: out.offset },
    workgroups: [Math.ceil(Wo / T), s.batch * tilesY, s.C],
  };
}

/** Eval BatchNorm folded into the preceding depthwise conv (float64 on the host, then f32). */
function foldBn(p: Params, conv: string, bn: string): { w: Float32Array; b: Float32Array } {
  const w = requireParam(p, `${conv}.weight`);
  const C = w.shape[0];
  const kk = w.data.length / C;
  const cb = p[`${conv}.bias`];
  const gamma = p[`${bn}.weight`];
  const beta = p[`${bn}.bias`];
  const mean = requireParam(p, `${bn}.running_mean`);
  const vari = requireParam(p, `${bn}.running_var`);
  const wf = new Float32Array(w.data.length);
  const bf = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    const s = (gamma ? gamma.data[c] : 1) / Math.sqrt(vari.data[c] + 1e-5);
    for (let i = 0; i < kk; i++) wf[c * kk + i] = w.data[c * kk + i] * s;
    bf[c] = ((cb ? cb.data[c] : 0) - mean.data[c]) * s + (beta ? beta.data[c] : 0);
  }
  return { w: wf, b: bf };
}

/** One FASA module's weights on the GPU (float32); a missing bias is uploaded as zeros. */
export interface FasaGpuWeights {
  qW: GPUBuffer;
  qB: GPUBuffer;
  kvW: GPUBuffer;
  kvB: GPUBuffer;
  localW: GPUBuffer;
  localB: GPUBuffer;
  mixW: GPUBuffer;
  mixB: GPUBuffer;
  /** per downsampling step: DW 5×5/2 with its BN folded, then the 1×1 `linear` (not after the last) */
  pool: Array<{ w: GPUBuffer; b: GPUBuffer; linW: GPUBuffer | null; linB: GPUBuffer | null }>;
  /** every buffer above, for destroy() */
  all: GPUBuffer[];
}

/** Upload one module's state_dict (keys without prefix: 'q.weight', 'pool.bn0.running_var', …). */
export function uploadFasaWeights(ctx: GpuContext, p: Params, c: FasaConfig): FasaGpuWeights {
  validateFasa(c);
  const all: GPUBuffer[] = [];
  const up = (a: ArrayLike<number>) => {
    const b = ctx.upload(Float32Array.from(a));
    all.push(b);
    return b;
  };
  const weight = (key: string) => up(requireParam(p, `${key}.weight`).data);
  const bias = (key: string, n: number) => up(p[`${key}.bias`]?.data ?? new Float32Array(n));
  const C = c.dim;
  const w = {
    qW: weight('q'), qB: bias('q', C), kvW: weight('kv'), kvB: bias('kv', 2 * C),
    localW: weight('local_mixer'), localB: bias('local_mixer', C), mixW: weight('mixer'), mixB: bias('mixer', C),
  };
  const steps = pooledGrids(c).length;
  const pool = Array.from({ length: steps }, (_, t) => {
    const f = foldBn(p, `pool.conv${t}`, `pool.bn${t}`);
    const last = t === steps - 1;
    return { w: up(f.w), b: up(f.b), linW: last ? null : weight(`pool.linear${t}`), linB: last ? null : bias(`pool.linear${t}`, C) };
  });
  return { ...w, pool, all };
}

export interface FasaDispatchIO {
  /** input: B images back to back, each channel-first [C, H·W] */
  x: GPUBuffer;
  /** output, same layout (must differ from x and residual) */
  y: GPUBuffer;
  batch?: number;
  /** when given, y = residual + FASA(x) (the backbone's residual add, fused into the mixer conv) */
  residual?: GPUBuffer;
}

export interface FasaDispatchResult {
  dispatches: Dispatch[];
  /** batch 1 only, when rows/maps were asked for: attn [heads, rows, M] (null without rows) and local_mod [heads, N] */
  maps?: { attn: GPUBuffer | null; localMod: GPUBuffer; rows: number };
}

/**
 * The op's dispatches for a batch of images: x → y with weights `w`. Buffers come from `alloc`
 * (role, floats; distinct roles never alias); uniforms are created here. Maps need batch 1.
 */
export function fasaDispatches(ctx: GpuContext, w: FasaGpuWeights, c: FasaConfig, io: FasaDispatchIO, alloc: ScratchAlloc, opts: { maps?: boolean; rows?: number[] } = {}): FasaDispatchResult {
  validateFasa(c);
  const B = io.batch ?? 1;
  const C = c.dim;
  const N = c.H * c.W;
  const hd = C / c.heads;
  const [Hp, Wp] = pooledHW(c);
  const M = Hp * Wp;
  const wantMod = Boolean(opts.maps) || Boolean(opts.rows);
  if (wantMod && B !== 1) throw new Error('fasa: maps need batch 1');
  const none = alloc('fasa.none', 1);
  const pw = (x: GPUBuffer, wt: GPUBuffer, bs: GPUBuffer, y: GPUBuffer, Co: number, P: number, res?: GPUBuffer) =>
    pointwiseDispatch(ctx, x, wt, bs, y, { Co, Ci: C, P, batch: B, res }, none);

  const q = alloc('fasa.q', B * C * N);
  const lact = alloc('fasa.lact', B * C * N);
  const dispatches: Dispatch[] = [
    pw(io.x, w.qW, w.qB, q, C, N),
    depthwiseDispatch(ctx, q, w.localW, w.localB, lact, { C, H: c.H, W: c.W, k: c.kernelSize, stride: 1, batch: B, act: 'silu' }),
  ];
  // Fine-grained downsampling of x (ws = 1: identity, kv reads x itself).
  let cur = io.x;
  let hw: [number, number] = [c.H, c.W];
  pooledGrids(c).forEach((g, t) => {
    const s = w.pool[t];
    const pooled = alloc(`fasa.pool${t}`, B * C * g[0] * g[1]);
    dispatches.push(depthwiseDispatch(ctx, cur, s.w, s.b, pooled, { C, H: hw[0], W: hw[1], k: FASA_POOL_KERNEL, stride: 2, batch: B }));
    cur = pooled;
    if (s.linW && s.linB) {
      const lin = alloc(`fasa.lin${t}`, B * C * g[0] * g[1]);
      dispatches.push(pw(cur, s.linW, s.linB, lin, C, g[0] * g[1]));
      cur = lin;
    }
    hw = g;
  });
  const kv = alloc('fasa.kv', B * 2 * C * M);
  dispatches.push(pw(cur, w.kvW, w.kvB, kv, 2 * C, M));

  const z = alloc('fasa.z', B * C * N);
  const localMod = wantMod ? alloc('fasa.localMod', c.heads * N) : alloc('fasa.noMod', 1);
  const sh = attnShape(N, M, hd, c.heads * B);
  dispatches.push({
    pipeline: ctx.pipeline(expandWgsl(attnWgsl, sh.defines)),
    buffers: [q, kv, lact, z, localMod], params: { N, M, C, scale: hd ** -0.5, write_mod: wantMod ? 1 : 0 },
    workgroups: [sh.blocks, c.heads, B],
  });
  dispatches.push(pw(z, w.mixW, w.mixB, io.y, C, N, io.residual));
  if (!wantMod) return { dispatches };

  const rows = opts.rows ?? Array.from({ length: N }, (_, i) => i);
  let attn: GPUBuffer | null = null;
  if (rows.length) {
    const rb = alloc('fasa.rows', rows.length);
    ctx.device.queue.writeBuffer(rb, 0, Uint32Array.from(rows));
    attn = alloc('fasa.attn', c.heads * rows.length * M);
    dispatches.push({
      pipeline: ctx.pipeline(expandWgsl(rowsWgsl, { HD: hd })),
      buffers: [q, kv, rb, attn], params: { N, M, scale: hd ** -0.5, nrows: rows.length },
      workgroups: [rows.length, c.heads],
    });
  }
  return { dispatches, maps: { attn, localMod, rows: rows.length } };
}

/**
 * The op on one image: one submit, read back. Weights are cached per params object; the upload
 * reads the config for the width (zero biases) and the number of pooling steps (ws).
 */
export function fasaGpu(ctx: GpuContext, x: Float32Array, p: Params, c: FasaConfig, opts: GpuRunOptions): Promise<GpuOpOutput> {
  validateFasa(c);
  const N = c.H * c.W;
  const [Hp, Wp] = pooledHW(c);
  return runOpOnce(ctx, x, c.dim * N, opts, (io) => {
    const w = io.weights(p, `fasa:${c.dim}:${pooledGrids(c).length}`, () => uploadFasaWeights(ctx, p, c));
    return fasaDispatches(ctx, w, c, { x: io.x, y: io.y }, io.alloc, { maps: opts.maps, rows: opts.rows });
  }, async (r) => {
    const maps: Record<string, Float32Array> = {};
    if (r.maps?.attn) maps.attn = await ctx.read(r.maps.attn, c.heads * r.maps.rows * Hp * Wp);
    if (r.maps) maps.local_mod = await ctx.read(r.maps.localMod, c.heads * N);
    return maps;
  });
}
