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
import type { GpuOpOutput, Params } from '../types';
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

export async function hiloGpu(ctx: GpuContext, x: Float32Array, p: Params, c: HiloConfig, opts: HiloGpuOptions): Promise<GpuOpOutput> {
  const g = hiloDerived(c);
  const N = g.N;
  const C = g.C;
  if (g.d > 128) throw new Error(`hilo: head size ${g.d} > 128 is not supported on the GPU path`);
  const bufs: GPUBuffer[] = [];
  const keep = (b: GPUBuffer) => (bufs.push(b), b);
  const dummy = () => keep(ctx.scratch(4));
  const uni = (words: number[], kinds: Array<'u' | 'f'>) => keep(ctx.uniform(words, kinds));
  const param = (key: string) => (p[key] ? keep(uploadParam(ctx, p, key)) : null);
  const xb = keep(ctx.upload(x));
  const dispatches: Dispatch[] = [];

  const rows = opts.rows ?? (opts.maps ? Array.from({ length: N }, (_, i) => i) : []);
  const R = rows.length;
  const wantMaps = R > 0;
  const rowsLayout = opts.rows !== undefined;
  const rb = wantMaps ? keep(ctx.upload(Uint32Array.from(rows))) : null;

  let yh: GPUBuffer | null = null;
  let hifiMap: GPUBuffer | null = null;
  if (g.hHeads > 0) {
    const qkv = keep(ctx.scratch(N * 3 * g.hDim));
    const bias = param('h_qkv.bias');
    dispatches.push(linearDispatch(ctx, xb, keep(uploadParam(ctx, p, 'h_qkv.weight')), bias, qkv, N, 3 * g.hDim, C));
    const oh = keep(ctx.scratch(N * g.hDim));
    hifiMap = wantMaps ? keep(ctx.scratch(g.hHeads * g.G * g.T * g.T)) : null;
    dispatches.push({
      pipeline: ctx.pipeline(expandWgsl(windowWgsl, { HD: g.d, TKEY: keyTile(g.d), TQ: g.T <= 32 ? 32 : 64 })),
      buffers: [qkv, bias ?? dummy(), oh, hifiMap ?? dummy(),
        uni([c.H, c.W, g.Gw, c.ws, g.hDim, g.G, bias ? 1 : 0, wantMaps ? 1 : 0, g.scale], ['u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'f'])],
      workgroups: [g.G, g.hHeads],
    });
    yh = keep(ctx.scratch(N * g.hDim));
    dispatches.push(linearDispatch(ctx, oh, keep(uploadParam(ctx, p, 'h_proj.weight')), param('h_proj.bias'), yh, N, g.hDim, g.hDim));
  }

  let yl: GPUBuffer | null = null;
  let lofiMap: GPUBuffer | null = null;
  if (g.lHeads > 0) {
    const q = keep(ctx.scratch(N * g.lDim));
    dispatches.push(linearDispatch(ctx, xb, keep(uploadParam(ctx, p, 'l_q.weight')), param('l_q.bias'), q, N, g.lDim, C));
    let src = xb;
    if (c.ws > 1) {
      src = keep(ctx.scratch(g.M * C));
      dispatches.push({
        pipeline: ctx.pipeline(poolWgsl),
        buffers: [xb, src, uni([c.H, c.W, g.Gw, c.ws, C, 1 / g.T], ['u', 'u', 'u', 'u', 'u', 'f'])],
        workgroups: [Math.ceil(C / 64), g.M],
      });
    }
    const kv = keep(ctx.scratch(g.M * 2 * g.lDim));
    dispatches.push(linearDispatch(ctx, src, keep(uploadParam(ctx, p, 'l_kv.weight')), param('l_kv.bias'), kv, g.M, 2 * g.lDim, C));
    const ol = keep(ctx.scratch(N * g.lDim));
    dispatches.push({
      pipeline: ctx.pipeline(expandWgsl(lofiWgsl, { HD: g.d, TKEY: keyTile(g.d) })),
      buffers: [q, kv, ol, uni([N, g.M, g.lDim, g.scale], ['u', 'u', 'u', 'f'])],
      workgroups: [Math.ceil(N / 64), g.lHeads],
    });
    yl = keep(ctx.scratch(N * g.lDim));
    dispatches.push(linearDispatch(ctx, ol, keep(uploadParam(ctx, p, 'l_proj.weight')), param('l_proj.bias'), yl, N, g.lDim, g.lDim));
    if (rb) {
      lofiMap = keep(ctx.scratch(g.lHeads * R * g.M));
      dispatches.push({
        pipeline: ctx.pipeline(expandWgsl(lofiRowsWgsl, { HD: g.d })),
        buffers: [q, kv, rb, lofiMap, uni([g.M, g.lDim, R, g.scale], ['u', 'u', 'u', 'f'])],
        workgroups: [R, g.lHeads],
      });
    }
  }

  let y: GPUBuffer;
  if (yh && yl) {
    y = keep(ctx.scratch(N * C));
    dispatches.push({
      pipeline: ctx.pipeline(concatWgsl),
      buffers: [yh, yl, y, uni([g.hDim, g.lDim], ['u', 'u'])],
      workgroups: [Math.ceil(C / 64), N],
    });
  } else {
    y = (yh ?? yl)!;
  }

  let eff: GPUBuffer | null = null;
  let hifiRows: GPUBuffer | null = null;
  if (rb) {
    eff = keep(ctx.scratch(c.heads * R * N));
    dispatches.push({
      pipeline: ctx.pipeline(effWgsl),
      buffers: [rb, hifiMap ?? dummy(), lofiMap ?? dummy(), eff, uni([c.W, N, c.ws, g.Gw, g.G, g.hHeads, g.M, R], ['u', 'u', 'u', 'u', 'u', 'u', 'u', 'u'])],
      workgroups: [Math.ceil(N / 64), R, c.heads],
    });
    if (hifiMap && rowsLayout) {
      hifiRows = keep(ctx.scratch(g.hHeads * R * g.T));
      dispatches.push({
        pipeline: ctx.pipeline(hifiRowsWgsl),
        buffers: [rb, hifiMap, hifiRows, uni([c.W, c.ws, g.Gw, g.G, R], ['u', 'u', 'u', 'u', 'u'])],
        workgroups: [Math.ceil(g.T / 64), R, g.hHeads],
      });
    }
  }

  const t = await ctx.run(dispatches, { timed: opts.timed ?? true });
  const out: GpuOpOutput = { y: await ctx.read(y, N * C), maps: {}, gpuMs: t.ms };
  if (hifiMap) {
    out.maps.attn_hifi = rowsLayout ? await ctx.read(hifiRows!, g.hHeads * R * g.T) : await ctx.read(hifiMap, g.hHeads * g.G * g.T * g.T);
  }
  if (lofiMap) out.maps.attn_lofi = await ctx.read(lofiMap, g.lHeads * R * g.M);
  if (eff) out.maps.attn_eff = await ctx.read(eff, c.heads * R * N);
  for (const b of bufs) b.destroy();
  return out;
}
