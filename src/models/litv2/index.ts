/** LITv2 (ziplab/LITv2, classification): HiLo attention in the last two stages, DTM downsampling. */
import type { ModelImpl } from '../types';
import { LITV2_VARIANTS, litv2AttentionSites, litv2ConfigFromFixture, type Litv2Config } from './config';
import { litv2ExpectedKeys } from './keys';
import { litv2Macs, litv2OfficialFlops } from './flops';
import { litv2Forward } from './reference';
import { litv2ForwardGpu, releaseLitv2Gpu } from './gpu';
import { knobSites } from '../knob-apply';
import { networkKnobs } from '../network-knobs';
import type { HiloConfig } from '../../ops/hilo/spec';

export type { Litv2Config } from './config';
export { litv2Params } from './keys';
export { releaseLitv2Gpu };

/** `model.flops()` of the official code (fixture meta.official_flops). */
export const officialFlops = litv2OfficialFlops;

export const litv2: ModelImpl<Litv2Config> = {
  family: 'litv2',
  title: 'LITv2 (HiLo attention)',
  variants: LITV2_VARIANTS,
  fixtureModels: ['litv2'],
  configFromFixture: litv2ConfigFromFixture,
  expectedKeys: litv2ExpectedKeys,
  macs: litv2Macs,
  forwardReference: (x, w, cfg, knobs) => litv2Forward(x, w, cfg, knobSites(litv2AttentionSites(cfg), knobs) as HiloConfig[] | null),
  knobs: (cfg) => networkKnobs(litv2AttentionSites(cfg)),
  inputSize: (c) => ({ size: c.imgSize, crop: c.testCrop }),
  forwardGpu: (ctx, x, shape, w, cfg, opts) => litv2ForwardGpu(ctx, x, shape, w, cfg, opts),
  releaseGpu: (ctx, w) => releaseLitv2Gpu(ctx, w),
  attentionSites: litv2AttentionSites,
};
