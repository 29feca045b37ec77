/**
 * The registry ops composed from stock tfjs ops (tf.matMul, tf.softmax, tf.conv2d, …), the way a
 * tfjs user would write them, to compare against our WGSL kernels on the same device.
 */
import type { Params } from '../../ops/types';
import type { TfjsForward } from './common';
import { mhsaTfjs } from './mhsa';
import { hiloTfjs } from './hilo';
import { glaTfjs } from './gla';
import { gla2dTfjs } from './gla2d';
import { vicinityTfjs } from './vicinity';
import { fasaTfjs } from './fasa';
import { gmaTfjs } from './gma';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const TFJS_COMPOSED: Record<string, (p: Params, cfg: any) => TfjsForward> = {
  mhsa: mhsaTfjs,
  hilo: hiloTfjs,
  gla: glaTfjs,
  gla2d: gla2dTfjs,
  vicinity: vicinityTfjs,
  fasa: fasaTfjs,
  gma: gmaTfjs,
};

/** Registry ops with no stock-tfjs composition, and why (shown in the bench table). */
export const TFJS_IMPOSSIBLE: Record<string, string> = {};
