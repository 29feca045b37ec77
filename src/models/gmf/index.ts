/** GroupMixFormer backbone family (Group-Mix attention); see config.ts / forward.ts / gpu.ts and spec gmf.md. */
import type { ModelImpl } from '../types';
import { GMF_VARIANTS, gmfAttentionSites, gmfConfigFromFixture, gmfExpectedKeys, gmfMacs, type GmfConfig } from './config';
import { knobSites } from '../knob-apply';
import { networkKnobs } from '../network-knobs';
import type { GmaConfig } from '../../ops/gma/spec';
import { gmfForward } from './forward';
import { gmfForwardGpu, releaseGmfGpu } from './gpu';

export type { GmfConfig };
export { foldBatchNorms } from './fold';
export { releaseGmfGpu };

export const gmf: ModelImpl<GmfConfig> = {
  family: 'gmf',
  title: 'GroupMixFormer',
  variants: GMF_VARIANTS,
  fixtureModels: ['gmf'],
  configFromFixture: gmfConfigFromFixture,
  expectedKeys: gmfExpectedKeys,
  macs: gmfMacs,
  forwardReference: (x, w, cfg, knobs) => gmfForward(x, w, cfg, { sites: knobSites(gmfAttentionSites(cfg, x.shape[2], x.shape[3]), knobs) as GmaConfig[] | null }),
  knobs: (cfg) => networkKnobs(gmfAttentionSites(cfg, 224, 224)),
  // data/build.py: Resize(256) bicubic + CenterCrop(224).
  inputSize: () => ({ size: 224, crop: true }),
  forwardGpu: (ctx, x, shape, w, cfg, opts) => gmfForwardGpu(ctx, x, shape, w, cfg, opts),
  releaseGpu: (ctx, w) => releaseGmfGpu(ctx, w),
  attentionSites: gmfAttentionSites,
};
