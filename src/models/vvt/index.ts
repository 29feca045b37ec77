/** VVT backbone family (Vicinity attention); see config.ts / forward.ts / gpu.ts and spec vvt.md. */
import type { ModelImpl } from '../types';
import { VVT_VARIANTS, vvtAttentionSites, vvtConfigFromFixture, vvtExpectedKeys, vvtMacs, type VvtConfig } from './config';
import { knobSites } from '../knob-apply';
import { networkKnobs } from '../network-knobs';
import type { VicinityConfig } from '../../ops/vicinity/spec';
import { vvtForward } from './forward';
import { releaseVvtGpu, vvtForwardGpu } from './gpu';

export type { VvtConfig };
export { releaseVvtGpu };

export const vvt: ModelImpl<VvtConfig> = {
  family: 'vvt',
  title: 'VVT (Vicinity Vision Transformer)',
  variants: VVT_VARIANTS,
  fixtureModels: ['vvt'],
  configFromFixture: vvtConfigFromFixture,
  expectedKeys: vvtExpectedKeys,
  macs: vvtMacs,
  forwardReference: (x, w, cfg, knobs) => vvtForward(x, w, cfg, { sites: knobSites(vvtAttentionSites(cfg, x.shape[2], x.shape[3]), knobs) as VicinityConfig[] | null }),
  knobs: (cfg) => networkKnobs(vvtAttentionSites(cfg, 224, 224)),
  // datasets.py::build_transform: Resize(256/224·size) bicubic + CenterCrop(size).
  inputSize: () => ({ size: 224, crop: true }),
  forwardGpu: (ctx, x, shape, w, cfg, opts) => vvtForwardGpu(ctx, x, shape, w, cfg, opts),
  releaseGpu: (ctx, w) => releaseVvtGpu(ctx, w),
  attentionSites: vvtAttentionSites,
};
