/** FAT backbone family (FASA attention); see config.ts / forward.ts / gpu.ts and spec fat.md. */
import type { ModelImpl } from '../types';
import { FAT_VARIANTS, fatAttentionSites, fatConfigFromFixture, fatExpectedKeys, fatMacs, type FatConfig } from './config';
import { fatForward } from './forward';
import { fatForwardGpu, releaseFatGpu } from './gpu';
import { knobSites } from '../knob-apply';
import { networkKnobs } from '../network-knobs';
import type { FasaConfig } from '../../ops/fasa/spec';

export type { FatConfig };
export { foldBatchNorms } from './fold';
export { releaseFatGpu };

export const fat: ModelImpl<FatConfig> = {
  family: 'fat',
  title: 'FAT (Fully Adaptive Transformer)',
  variants: FAT_VARIANTS,
  fixtureModels: ['fat'],
  configFromFixture: fatConfigFromFixture,
  expectedKeys: fatExpectedKeys,
  macs: fatMacs,
  forwardReference: (x, w, cfg, knobs) => fatForward(x, w, cfg, knobSites(fatAttentionSites(cfg, x.shape[2], x.shape[3]), knobs) as FasaConfig[] | null),
  knobs: (cfg) => networkKnobs(fatAttentionSites(cfg, 224, 224)),
  // data/build.py: Resize(256) bicubic + CenterCrop(224).
  inputSize: () => ({ size: 224, crop: true }),
  forwardGpu: (ctx, x, shape, w, cfg, opts) => fatForwardGpu(ctx, x, shape, w, cfg, opts),
  releaseGpu: releaseFatGpu,
  attentionSites: fatAttentionSites,
};
