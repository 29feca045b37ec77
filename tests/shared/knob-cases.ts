/** Knob settings off the trained one (MAC direction at the tests' 64² input), per mini fixture (several knobs, every scope kind), shared by the CPU and GPU knob tests. */
import type { KnobSetting } from '../../src/models/knobs';

export const KNOB_CASES: Array<{ file: string; setting: KnobSetting; macs: 'same' | 'less' | 'more' }> = [
  { file: 'models/vig-mini.safetensors', setting: { scope: 'all', values: { tau: 4, direction: 'forward' } }, macs: 'same' },
  { file: 'models/vig_h-mini.safetensors', setting: { scope: 'stage:1', values: { tau: 64, direction: 'backward', locality: 'full' } }, macs: 'same' },
  { file: 'models/litv2-mini.safetensors', setting: { scope: 'all', values: { ws: 3 } }, macs: 'more' },
  { file: 'models/vvt-mini.safetensors', setting: { scope: 'all', values: { theta: 1 } }, macs: 'same' },
  { file: 'models/fat-mini.safetensors', setting: { scope: 'stage:1', values: { ws: '1' } }, macs: 'more' },
  { file: 'models/gmf-mini.safetensors', setting: { scope: 'block:2', values: { agg5: false, aggNonAttn: false } }, macs: 'less' },
];

/** Full-size variants with a setting each (slow tier: PRNG weights from the fixtures' key lists). */
export const FULL_KNOB_CASES: Array<{ file: string; setting: KnobSetting }> = [
  { file: 'models/vig-t.prng.safetensors', setting: { scope: 'all', values: { tau: 2, locality: 'off' } } },
  { file: 'models/vig-h-t.prng.safetensors', setting: { scope: 'all', values: { direction: 'forward' } } },
  { file: 'models/litv2-s.prng.safetensors', setting: { scope: 'all', values: { ws: 1 } } },
  { file: 'models/vvt-tiny.prng.safetensors', setting: { scope: 'all', values: { theta: 2.5 } } },
  { file: 'models/fat-b0.prng.safetensors', setting: { scope: 'all', values: { ws: '1' } } },
  { file: 'models/groupmixformer-m.prng.safetensors', setting: { scope: 'all', values: { agg7: false, aggToken: false } } },
];
