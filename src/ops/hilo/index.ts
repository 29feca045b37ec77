import type { OpImpl } from '../types';
import { hiloConfigFromFixture, hiloDefaultConfig, hiloDim, hiloParamShapes, hiloSliders, type HiloConfig } from './spec';
import { hiloReference } from './reference';
import { hiloMacs, hiloOfficialFlops } from './flops';
import { hiloGpu } from './gpu';
import { hiloQueryMaps } from './maps';

export const hilo: OpImpl<HiloConfig> = {
  name: 'hilo',
  title: 'HiLo attention (LITv2)',
  fixtureOps: ['hilo', 'hilo_pad'],
  configFromFixture: hiloConfigFromFixture,
  defaultConfig: hiloDefaultConfig,
  paramShapes: hiloParamShapes,
  inputShape: (c) => [1, c.H * c.W, hiloDim(c)],
  reference: hiloReference,
  macs: hiloMacs,
  officialFlops: hiloOfficialFlops,
  gpu: (ctx, x, p, c, opts) => hiloGpu(ctx, x, p, c, opts),
  gpuRows: true,
  queryMaps: hiloQueryMaps,
  sliders: hiloSliders,
};
