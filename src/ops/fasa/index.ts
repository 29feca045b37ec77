import type { MapPanel, OpImpl } from '../types';
import { FASA_DEFAULT_DIM, fasaConfigFromFixture, fasaParamShapes, fasaSliders, pooledHW, snapWindowSize, type FasaConfig } from './spec';
import { fasaReference } from './reference';
import { fasaMacs } from './flops';
import { fasaGpu } from './gpu';
import { fasaGlobalMaps, fasaLocalMaps } from './maps';

/** Global map over pooled keys (spread over each cell's pixels) per head, and the local modulation. */
function fasaQueryMaps(maps: Record<string, ArrayLike<number>>, c: FasaConfig, token: number, row: number): MapPanel[] {
  if (!maps.attn) return [];
  const [ph, pw] = pooledHW(c);
  const rowsPerHead = maps.attn.length / (c.heads * ph * pw);
  const g = fasaGlobalMaps(maps.attn, c, rowsPerHead, row);
  const panels: MapPanel[] = [{ title: 'global: softmax over pooled keys (mean of heads)', values: g.mean, H: c.H, W: c.W }];
  g.perHead.forEach((v, h) => panels.push({ title: `global, head ${h + 1}`, values: v, H: c.H, W: c.W }));
  if (maps.local_mod) panels.push({ title: 'local modulation σ(G) (mean of heads)', values: fasaLocalMaps(maps.local_mod, c, token).mean, H: c.H, W: c.W });
  return panels;
}

export const fasa: OpImpl<FasaConfig> = {
  name: 'fasa',
  title: 'Fully adaptive self-attention (FAT)',
  fixtureOps: ['fasa'],
  configFromFixture: (_op, config) => fasaConfigFromFixture(config),
  defaultConfig: (H, W) => ({ dim: FASA_DEFAULT_DIM, heads: 4, kernelSize: 5, ws: 2, H, W }),
  paramShapes: fasaParamShapes,
  inputShape: (c) => [1, c.dim, c.H, c.W],
  reference: fasaReference,
  macs: fasaMacs,
  gpu: (ctx, x, p, c, opts) => fasaGpu(ctx, x, p, c, opts),
  gpuRows: true,
  queryMaps: fasaQueryMaps,
  sliders: fasaSliders,
  // heads must divide the width; the window must be 1, 2, 4 or 8; the kernel odd
  normalizeConfig: (c) => ({ ...c, ws: snapWindowSize(c.ws), kernelSize: c.kernelSize % 2 ? c.kernelSize : c.kernelSize + 1 }),
};
