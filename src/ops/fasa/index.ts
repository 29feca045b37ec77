import type { OpImpl } from '../types';
import { FASA_DEFAULT_DIM, fasaConfigFromFixture, fasaParamShapes, type FasaConfig } from './spec';
import { fasaReference } from './reference';
import { fasaMacs } from './flops';
import { fasaGpu } from './gpu';

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
};
