/**
 * WebGPU path of FASA, every tensor channel-first [C, pixels] like the module:
 *   q = conv1x1(x) ∥ pool: log2(ws) × (DW 5×5/2 with BN folded → conv1x1: `linear`, kv after the
 *   last; each step one launch, the DW computed inside the 1×1 conv) → z = SiLU(L0)·SiLU(G) with
 *   L0 = DW k×k(q) and G = softmax(q·kᵀ)·v (one launch) → y = conv1x1(z) (+ residual).
 * Maps (opts.maps or opts.rows): `attn` [heads, rows, M] for the chosen query rows (all N rows
 * when only `maps` is set, the fixture layout) and `local_mod` [heads, N] (mean sigmoid(G) per head:
 * a whole-grid map, so it is not restricted to rows).
 *
 * The pieces are exported so a backbone (FAT) can record FASA inside its own pass:
 * uploadFasaWeights (once per weights, pool BatchNorms folded), fasaDispatches (the dispatch list
 * for given input/output buffers and a batch of images, scratch from the caller's allocator), and
 * the 1×1 conv dispatch builder the backbone reuses. fasaGpu is the op's one-submit wrapper.
 */
import type { Dispatch, GpuContext } from '../../gpu/context';
import { expandWgsl } from '../../gpu/wgsl';
import conv1x1Wgsl from '../../../kernels/conv1x1.wgsl?raw';
import projWgsl from '../../../kernels/fasa_proj.wgsl?raw';
import attnWgsl from '../../../kernels/fasa_attn_gated.wgsl?raw';
import rowsWgsl from '../../../kernels/fasa_attn_rows.wgsl?raw';
import { runOpOnce, type ScratchAlloc } from '../common/gpu-run';
import type { GpuOpOutput, GpuRunOptions, Params } from '../types';
import { requireParam } from '../common/params';
import { attnShape } from '../common/attn';
import { pooledGrids, pooledHW, validateFasa, type FasaConfig } from './spec';

export interface FasaGpuOptions {
  maps: boolean;
  rows?: number[];
  timed?: boolean;
}

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

/**
 * One FASA module's weights on the GPU: the mixer's as its own buffers (a plain 1×1 conv), every
 * other weight packed into `wt` (float offsets in `at`; a missing bias is packed as zeros).
 */
export interface FasaGpuWeights {
  wt: GPUBuffer;
  at: {
    q: number; qB: number; kv: number; kvB: number; local: number; localB: number;
    /** per downsampling step: DW 5×5/2 with its BN folded, then the 1×1 `linear` (not after the last: -1) */
    pool: Array<{ w: number; b: number; lin: number; linB: number }>;
  };
  mixW: GPUBuffer;
  mixB: GPUBuffer;
  /** every buffer above, for destroy() */
  all: GPUBuffer[];
}

/** Upload one module's state_dict (keys without prefix: 'q.weight', 'pool.bn0.running_var', …). */
export function uploadFasaWeights(ctx: GpuContext, p: Params, c: FasaConfig): FasaGpuWeights {
  validateFasa(c);
  const parts: ArrayLike<number>[] = [];
  let n = 0;
  const put = (a: ArrayLike<number>) => {
    parts.push(a);
    n += a.length;
    return n - a.length;
  };
  const weight = (key: string) => put(requireParam(p, `${key}.weight`).data);
  const bias = (key: string, len: number) => put(p[`${key}.bias`]?.data ?? new Float32Array(len));
  const C = c.dim;
  const at = {
    q: weight('q'), qB: bias('q', C), kv: weight('kv'), kvB: bias('kv', 2 * C), local: weight('local_mixer'), localB: bias('local_mixer', C),
    pool: pooledGrids(c).map((_, t, all) => {
      const f = foldBn(p, `pool.conv${t}`, `pool.bn${t}`);
      const last = t === all.length - 1;
      return { w: put(f.w), b: put(f.b), lin: last ? -1 : weight(`pool.linear${t}`), linB: last ? -1 : bias(`pool.linear${t}`, C) };
    }),
  };
  const packed = new Float32Array(n);
  parts.reduce((o, a) => (packed.set(a, o), o + a.length), 0);
  const all = [packed, requireParam(p, 'mixer.weight').data, p['mixer.bias']?.data ?? new Float32Array(C)].map((a) => ctx.upload(Float32Array.from(a)));
  return { wt: all[0], at, mixW: all[1], mixB: all[2], all };
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
 * Launches: [q conv ∥ first pooling step fused into the 1×1 conv after it (kv at ws ≤ 2)]
 * (fasa_proj), one more fasa_proj per further pooling step, the attention with the local branch
 * (fasa_attn_gated), the mixer conv (+ residual): 3 at ws 1 and 2, 4 at ws 4, 5 at ws 8; attention
 * rows add one.
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
  const tiles = (rows: number, cols: number) => Math.ceil(rows / 64) * Math.ceil(cols / 64);

  const q = alloc('fasa.q', B * C * N);
  const kv = alloc('fasa.kv', B * 2 * C * M);
  const dispatches: Dispatch[] = [];
  // Fine-grained downsampling of x, each step fused into the 1×1 conv after it (ws = 1: kv reads x).
  const grids = pooledGrids(c);
  let cur = io.x;
  let hw: [number, number] = [c.H, c.W];
  for (let t = 0; t < Math.max(1, grids.length); t++) {
    const s = w.at.pool[t] as FasaGpuWeights['at']['pool'][number] | undefined;
    const g = grids[t] ?? hw;
    const last = t >= grids.length - 1;
    const out = last ? kv : alloc(`fasa.lin${t}`, B * C * g[0] * g[1]);
    const Co1 = last ? 2 * C : C;
    const n0 = t === 0 ? tiles(C, N) : 0;
    dispatches.push({
      pipeline: ctx.pipeline(projWgsl),
      buffers: [t === 0 ? io.x : cur, cur, w.wt, t === 0 ? q : none, out],
      params: {
        C, N, n0, Co1, H1: hw[0], W1: hw[1], Wo1: g[1], P1: g[0] * g[1], pool: grids.length ? 1 : 0,
        a0: w.at.q, b0: w.at.qB, a1: last ? w.at.kv : s!.lin, b1: last ? w.at.kvB : s!.linB, dw: s?.w ?? 0, db: s?.b ?? 0,
      },
      workgroups: [n0 + tiles(Co1, g[0] * g[1]), 1, B],
    });
    cur = out;
    hw = g;
  }

  const z = alloc('fasa.z', B * C * N);
  const localMod = wantMod ? alloc('fasa.localMod', c.heads * N) : alloc('fasa.noMod', 1);
  const sh = attnShape(N, M, hd, c.heads * B);
  dispatches.push({
    pipeline: ctx.pipeline(expandWgsl(attnWgsl, { ...sh.defines, KS: c.kernelSize })),
    buffers: [q, kv, w.wt, z, localMod], params: { N, M, C, H: c.H, W: c.W, scale: hd ** -0.5, write_mod: wantMod ? 1 : 0, lw: w.at.local, lb: w.at.localB },
    workgroups: [sh.blocks, c.heads, B],
  });
  dispatches.push(pointwiseDispatch(ctx, z, w.mixW, w.mixB, io.y, { Co: C, Ci: C, P: N, batch: B, res: io.residual }, none));
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
