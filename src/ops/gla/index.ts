/** Two registry entries over one core: `gla` (ViG, tokens) and `gla2d` (ViG-H, channel-first). */
import type { MapPanel, OpImpl } from '../types';
import { glaChoices, glaConfigFromFixture, glaDefaultConfig, glaInputShape, glaParamShapes, glaSliders, type GlaConfig } from './spec';
import { gateImage, glaTokenMaps } from './maps';
import { glaReference } from './reference';
import { glaMacs } from './flops';
import { glaGpu } from './gpu';

/** The clicked token's panels: signed effective weights per direction, decay fields, the gate G. */
function glaQueryMaps(maps: Record<string, ArrayLike<number>>, c: GlaConfig, _token: number, row: number): MapPanel[] {
  if (!maps.attn_f) return [];
  const L = c.H * c.W;
  const rowsPerHead = maps.attn_f.length / (c.heads * L);
  const m = glaTokenMaps(maps, c.heads, L, row, rowsPerHead);
  const V = maps.gate ? maps.gate.length / L : 0;
  const panel = (title: string, values: Float32Array, signed = false): MapPanel => ({ title, values, H: c.H, W: c.W, signed });
  const panels = [
    panel('forward + backward (signed, mean of heads)', m.both, true),
    panel('forward scan (signed)', m.forward.mean, true),
    panel('backward scan (signed)', m.backward.mean, true),
    panel('decay field, forward', m.decayForward.mean),
    panel('decay field, backward', m.decayBackward.mean),
  ];
  if (V) panels.push(panel('gate G (sigmoid, mean of channels)', gateImage(maps.gate, L, V)));
  return panels;
}

const shared = {
  queryMaps: glaQueryMaps,
  gpuRows: true,
  sliders: glaSliders,
  choices: glaChoices,
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
