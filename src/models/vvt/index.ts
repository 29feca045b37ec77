/** VVT backbone family (Vicinity attention); see config.ts / forward.ts / gpu.ts and spec vvt.md. */
import type { ModelImpl } from '../types';
import { VVT_VARIANTS, vvtConfigFromFixture, vvtExpectedKeys, vvtMacs, type VvtConfig } from './config';
import { vvtForward } from './forward';
import { releaseVvtGpu, vvtAttentionSites, vvtForwardGpu } from './gpu';

export type { VvtConfig };
export { releaseVvtGpu, vvtAttentionSites, vvtForwardGpu };

export const vvt: ModelImpl<VvtConfig> = {
  family: 'vvt',
  title: 'VVT (Vicinity Vision Transformer)',
  variants: VVT_VARIANTS,
  fixtureModels: ['vvt'],
  configFromFixture: vvtConfigFromFixture,
  expectedKeys: vvtExpectedKeys,
  macs: vvtMacs,
  forwardReference: (x, w, cfg) => vvtForward(x, w, cfg),
  // datasets.py::build_transform: Resize(256/224·size) bicubic + CenterCrop(size).
  inputSize: () => ({ size: 224, crop: true }),
  forwardGpu: (ctx, x, shape, w, cfg, opts) => vvtForwardGpu(ctx, x, shape, w, cfg, opts),
  releaseGpu: (ctx, w) => releaseVvtGpu(ctx, w),
  attentionSites: vvtAttentionSites,
};
