import type { OpImpl } from '../types';
import { gmaConfigFromFixture, gmaParamShapes, gmaSliders, type GmaConfig } from './spec';
import { gmaReference } from './reference';
import { gmaMacs } from './flops';
import { gmaGpu } from './gpu';
import { gmaQueryMaps } from './maps';

export const gma: OpImpl<GmaConfig> = {
  name: 'gma',
  title: 'Group-Mix attention (GroupMixFormer)',
  fixtureOps: ['gma'],
  configFromFixture: (_op, config) => gmaConfigFromFixture(config),
  // GroupMixFormer-M stage-1-like module: dim 40 is the smallest; 80 gives 8 channels per head.
  defaultConfig: (H, W) => ({ dim: 80, heads: 8, qkvBias: true, qkScale: null, aggToken: 1, agg3: 1, agg5: 1, agg7: 1, aggNonAttn: 1, H, W }),
  paramShapes: gmaParamShapes,
  inputShape: (c) => [1, c.H * c.W, c.dim],
  reference: gmaReference,
  macs: gmaMacs,
  gpu: (ctx, x, p, c, opts) => gmaGpu(ctx, x, p, c, opts),
  gpuRows: true,
  queryMaps: gmaQueryMaps,
  sliders: gmaSliders,
};
