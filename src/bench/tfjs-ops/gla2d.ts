/** ViG-H's GLA2D (channel-first [1, C, H, W], merge ÷2) from stock tfjs ops: the GLA composition with an NCHW ⇄ NHWC transpose around it. */
import type { Params } from '../../ops/types';
import type { GlaConfig } from '../../ops/gla/spec';
import { glaTfjs } from './gla';
import type { TfjsForward } from './common';

export function gla2dTfjs(p: Params, c: GlaConfig, chunk?: number): TfjsForward {
  if (c.layout !== 'channels') throw new Error('gla2d: expects the channel-first layout');
  return glaTfjs(p, c, chunk);
}
