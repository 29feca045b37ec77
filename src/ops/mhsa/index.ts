import type { OpImpl } from '../types';
import { mhsaConfigFromFixture, mhsaParamShapes, mhsaSliders, MHSA_DEFAULT_DIM, type MhsaConfig } from './spec';
import { mhsaReference } from './reference';
import { mhsaMacs } from './flops';
import { mhsaGpu } from './gpu';
import { mhsaQueryMaps } from './maps';

export const mhsa: OpImpl<MhsaConfig> = {
  name: 'mhsa',
  title: 'Softmax attention (DeiT/ViT)',
  fixtureOps: ['mhsa'],
  configFromFixture: (_op, config) => mhsaConfigFromFixture(config),
  defaultConfig: (H, W) => ({ dim: MHSA_DEFAULT_DIM, heads: 4, qkvBias: true, H, W }),
  paramShapes: mhsaParamShapes,
  inputShape: (c) => [1, c.H * c.W, c.dim],
  reference: mhsaReference,
  macs: mhsaMacs,
  gpu: (ctx, x, p, c, opts) => mhsaGpu(ctx, x, p, c, opts),
  gpuRows: true,
  queryMaps: mhsaQueryMaps,
  sliders: mhsaSliders,
};
