/** GroupMixFormer backbone family (Group-Mix attention); see config.ts / forward.ts and spec gmf.md. */
import type { ModelImpl } from '../types';
import { GMF_VARIANTS, gmfConfigFromFixture, gmfExpectedKeys, gmfMacs, type GmfConfig } from './config';
import { gmfForward } from './forward';

export type { GmfConfig };
export { foldBatchNorms } from './fold';

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
};
