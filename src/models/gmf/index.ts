/** GroupMixFormer backbone family (Group-Mix attention); see config.ts / forward.ts / gpu.ts and spec gmf.md. */
import type { ModelImpl } from '../types';
import { GMF_VARIANTS, gmfConfigFromFixture, gmfExpectedKeys, gmfMacs, type GmfConfig } from './config';
import { gmfForward } from './forward';
import { gmfAttentionSites, gmfForwardGpu, releaseGmfGpu } from './gpu';

export type { GmfConfig };
export { foldBatchNorms } from './fold';
export { gmfAttentionSites, gmfForwardGpu, releaseGmfGpu } from './gpu';

export const gmf: ModelImpl<GmfConfig> = {
  family: 'gmf',
  title: 'GroupMixFormer',
  variants: GMF_VARIANTS,
  fixtureModels: ['gmf'],
  configFromFixture: gmfConfigFromFixture,
  expectedKeys: gmfExpectedKeys,
  macs: gmfMacs,
  forwardReference: (x, w, cfg) => gmfForward(x, w, cfg),
  // data/build.py: Resize(256) bicubic + CenterCrop(224).
  inputSize: () => ({ size: 224, crop: true }),
  forwardGpu: (ctx, x, shape, w, cfg, opts) => gmfForwardGpu(ctx, x, shape, w, cfg, opts),
  releaseGpu: (ctx, w) => releaseGmfGpu(ctx, w),
  attentionSites: gmfAttentionSites,
};
