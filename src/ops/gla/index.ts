/** Two registry entries over one core: `gla` (ViG, tokens) and `gla2d` (ViG-H, channel-first). */
import type { OpImpl } from '../types';
import { glaConfigFromFixture, glaDefaultConfig, glaInputShape, glaParamShapes, type GlaConfig } from './spec';
import { glaReference } from './reference';
import { glaMacs } from './flops';
import { glaGpu } from './gpu';

const shared = {
  configFromFixture: glaConfigFromFixture,
  paramShapes: glaParamShapes,
  inputShape: glaInputShape,
  reference: glaReference,
  macs: glaMacs,
  gpu: glaGpu,
} satisfies Partial<OpImpl<GlaConfig>>;

export const gla: OpImpl<GlaConfig> = {
  name: 'gla',
  title: 'Bidirectional gated linear attention (ViG)',
  fixtureOps: ['gla'],
  defaultConfig: (H, W) => glaDefaultConfig('tokens', H, W),
  ...shared,
};

export const gla2d: OpImpl<GlaConfig> = {
  name: 'gla2d',
  title: 'Bidirectional gated linear attention, channel-first (ViG-H)',
  fixtureOps: ['gla2d'],
  defaultConfig: (H, W) => glaDefaultConfig('channels', H, W),
  ...shared,
};
