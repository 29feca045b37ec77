import type { OpImpl } from '../types';
import { vicinityConfigFromFixture, vicinityParamShapes, vicinitySliders, VICINITY_THETA, type VicinityConfig } from './spec';
import { vicinityReference } from './reference';
import { vicinityMacs } from './flops';
import { vicinityGpu } from './gpu';
import { vicinityQueryMaps } from './maps';

export const vicinity: OpImpl<VicinityConfig> = {
  name: 'vicinity',
  title: 'Vicinity attention (VVT)',
  fixtureOps: ['vicinity'],
  configFromFixture: (_op, config) => vicinityConfigFromFixture(config),
  // VVT stage-2-like module: C 64, 2 heads, fr 2, se_reduction 1 (as in every VVT model).
  defaultConfig: (H, W) => ({ dim: 64, heads: 2, frRatio: 2, seReduction: 1, theta: VICINITY_THETA, H, W }),
  paramShapes: vicinityParamShapes,
  inputShape: (c) => [1, c.H * c.W, c.dim],
  reference: vicinityReference,
  macs: vicinityMacs,
  gpu: (ctx, x, p, c, opts) => vicinityGpu(ctx, x, p, c, opts),
  gpuRows: true,
  queryMaps: vicinityQueryMaps,
  sliders: vicinitySliders,
};
