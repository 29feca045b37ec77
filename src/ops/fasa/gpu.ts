/**
 * WebGPU path of FASA, one submit, every tensor channel-first [C, pixels] like the module:
 *   q = conv1x1(x) → lact = SiLU(DW k×k(q)) → pool: log2(ws) × (DW 5×5/2 with BN folded [→ conv1x1])
 *   → kv = conv1x1(pooled) → z = SiLU(L0)·SiLU(G) with G = softmax(q·kᵀ)·v (fused) → y = conv1x1(z).
 * Maps (opts.maps or opts.rows): `attn` [heads, rows, M] for the chosen query rows (all N rows
 * when only `maps` is set, the fixture layout) and `local_mod` [heads, N] (mean sigmoid(G) per head:
 * a whole-grid map, so it is not restricted to rows).
 */
import type { Dispatch, GpuContext } from '../../gpu/context';
import { expandWgsl } from '../../gpu/wgsl';
import conv1x1Wgsl from '../../../kernels/fasa_conv1x1.wgsl?raw';
import dwconvWgsl from '../../../kernels/fasa_dwconv.wgsl?raw';
import attnWgsl from '../../../kernels/fasa_attn.wgsl?raw';
import rowsWgsl from '../../../kernels/fasa_attn_rows.wgsl?raw';
import type { GpuOpOutput, Params } from '../types';
import { requireParam, uploadParam } from '../common/params';
import { FASA_POOL_KERNEL, pooledGrids, pooledHW, validateFasa, type FasaConfig } from './spec';

export interface FasaGpuOptions {
  maps: boolean;
  rows?: number[];
  timed?: boolean;
}

/** Largest key tile (power of two ≤ 64) whose K and V tiles of one head fit 16 KiB of workgroup memory. */
export function fasaKeyTile(hd: number): number {
  let kt = 64;
  while (kt > 1 && 2 * kt * hd * 4 > 16384) kt >>= 1;
  if (2 * kt * hd * 4 > 16384) throw new Error(`fasa: head size ${hd} too large for the GPU path`);
  return kt;
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

export async function fasaGpu(ctx: GpuContext, x: Float32Array, p: Params, c: FasaConfig, opts: FasaGpuOptions): Promise<GpuOpOutput> {
  validateFasa(c);
  const C = c.dim;
  const N = c.H * c.W;
  const hd = C / c.heads;
  const [Hp, Wp] = pooledHW(c);
  const M = Hp * Wp;
  const bufs: GPUBuffer[] = [];
  const keep = (b: GPUBuffer) => (bufs.push(b), b);
  const param = (key: string) => (p[key] ? keep(uploadParam(ctx, p, key)) : null);
  const dummy = keep(ctx.scratch(4));
  const uniform = (words: number[], kinds?: Array<'u' | 'f'>) => keep(ctx.uniform(words, kinds));

  const conv1x1 = (xb: GPUBuffer, key: string, yb: GPUBuffer, Co: number, P: number): Dispatch => {
    const w = keep(uploadParam(ctx, p, `${key}.weight`));
    const b = param(`${key}.bias`);
    return {
      pipeline: ctx.pipeline(conv1x1Wgsl),
      buffers: [xb, w, b ?? dummy, yb, uniform([Co, P, C, b ? 1 : 0])],
      workgroups: [Math.ceil(P / 64), Math.ceil(Co / 64)],
    };
  };
  const dwconv = (xb: GPUBuffer, w: Float32Array, b: Float32Array, yb: GPUBuffer, ks: number, stride: number, hw: [number, number], out: [number, number], act: number): Dispatch => {
    const inT = 15 * stride + ks;
    // input patch + kernel staged in workgroup memory: keep within 16 KiB
    if ((inT * inT + ks * ks) * 4 > 16384) throw new Error(`fasa: depthwise kernel ${ks} too large for the GPU path`);
    return {
      pipeline: ctx.pipeline(expandWgsl(dwconvWgsl, { KS: ks, STRIDE: stride, IN_T: inT, IN_T2: inT * inT, KS2: ks * ks })),
      buffers: [xb, keep(ctx.upload(w)), keep(ctx.upload(b)), yb, uniform([C, hw[0], hw[1], out[0], out[1], act])],
      workgroups: [Math.ceil(out[1] / 16), Math.ceil(out[0] / 16), C],
    };
  };
  const f32 = (key: string, n: number) => (p[key] ? Float32Array.from(p[key].data) : new Float32Array(n));

  const xb = keep(ctx.upload(x));
  const q = keep(ctx.scratch(C * N));
  const lact = keep(ctx.scratch(C * N));
  const kv = keep(ctx.scratch(2 * C * M));
  const z = keep(ctx.scratch(C * N));
  const y = keep(ctx.scratch(C * N));
  const k = c.kernelSize;
  const dispatches: Dispatch[] = [
    conv1x1(xb, 'q', q, C, N),
    dwconv(q, Float32Array.from(requireParam(p, 'local_mixer.weight').data), f32('local_mixer.bias', C), lact, k, 1, [c.H, c.W], [c.H, c.W], 1),
  ];
  // Fine-grained downsampling of x (ws = 1: identity, kv reads x itself).
  let cur = xb;
  let hw: [number, number] = [c.H, c.W];
  const grids = pooledGrids(c);
  grids.forEach((g, t) => {
    const { w, b } = foldBn(p, `pool.conv${t}`, `pool.bn${t}`);
    const pooled = keep(ctx.scratch(C * g[0] * g[1]));
    dispatches.push(dwconv(cur, w, b, pooled, FASA_POOL_KERNEL, 2, hw, g, 0));
    cur = pooled;
    if (t < grids.length - 1) {
      const lin = keep(ctx.scratch(C * g[0] * g[1]));
      dispatches.push(conv1x1(cur, `pool.linear${t}`, lin, C, g[0] * g[1]));
      cur = lin;
    }
    hw = g;
  });
  dispatches.push(conv1x1(cur, 'kv', kv, 2 * C, M));

  const wantMod = opts.maps || Boolean(opts.rows);
  const localMod = wantMod ? keep(ctx.scratch(c.heads * N)) : dummy;
  const kt = fasaKeyTile(hd);
  dispatches.push({
    pipeline: ctx.pipeline(expandWgsl(attnWgsl, { HD: hd, KT: kt, KT_HD: kt * hd })),
    buffers: [q, kv, lact, z, localMod, uniform([N, M, C, hd ** -0.5, wantMod ? 1 : 0], ['u', 'u', 'u', 'f', 'u'])],
    workgroups: [Math.ceil(N / 64), c.heads],
  });
  dispatches.push(conv1x1(z, 'mixer', y, C, N));

  const rows = opts.rows ?? (opts.maps ? Array.from({ length: N }, (_, i) => i) : []);
  let attn: GPUBuffer | null = null;
  if (rows.length) {
    const rb = keep(ctx.upload(Uint32Array.from(rows)));
    attn = keep(ctx.scratch(c.heads * rows.length * M));
    dispatches.push({
      pipeline: ctx.pipeline(expandWgsl(rowsWgsl, { HD: hd })),
      buffers: [q, kv, rb, attn, uniform([N, M, hd ** -0.5, rows.length], ['u', 'u', 'f', 'u'])],
      workgroups: [rows.length, c.heads],
    });
  }
  const t = await ctx.run(dispatches, { timed: opts.timed ?? true });
  const out: GpuOpOutput = { y: await ctx.read(y, C * N), maps: {}, gpuMs: t.ms };
  if (attn) out.maps.attn = await ctx.read(attn, c.heads * rows.length * M);
  if (wantMod) out.maps.local_mod = await ctx.read(localMod, c.heads * N);
  for (const b of bufs) b.destroy();
  return out;
}
