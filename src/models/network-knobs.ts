/**
 * The knobs each family offers on its trained network (issue 13), built from its attention sites:
 * one list per op, with the exact semantics of the official module in `help`.
 */
import { DIRECTIONS, GLA_TAU, LOCALITIES, type GlaConfig } from '../ops/gla/spec';
import type { HiloConfig } from '../ops/hilo/spec';
import { VICINITY_THETA, type VicinityConfig } from '../ops/vicinity/spec';
import { GMA_SEGMENT_KEYS, gmaSliders } from '../ops/gma/spec';
import type { NetworkKnob } from './knobs';
import type { AttentionSite } from './types';

const GLA_KNOBS = (c: GlaConfig): NetworkKnob[] => [
  {
    key: 'tau', op: 'gla', label: 'gate temperature τ', kind: 'slider', min: 1, max: 256, step: 1, log: true, official: c.tau,
    help: `τ is ViG's gate_logit_normalizer (trained ${GLA_TAU}): the per-channel log-decay of both scans is logsigmoid(gk_proj(x))/τ. Smaller τ forgets faster (more local), larger τ remembers longer.`,
  },
  {
    key: 'direction', op: 'gla', label: 'scan direction', kind: 'choice', options: DIRECTIONS, official: c.direction,
    help: 'Which recurrent scans feed the output (not an official parameter): both = the trained module, o = (o_f + o_b)/' +
      `${c.mergeDiv}; forward or backward = that scan alone, o = o_dir·2/${c.mergeDiv}, so one scan has the weight the two had together.`,
  },
  {
    key: 'locality', op: 'gla', label: 'locality injection', kind: 'choice', options: LOCALITIES, official: c.locality,
    help: 'The 2D locality gate G = sigmoid(g_proj(x)) mixing y = g_norm(o)·G + l_norm(dwconv(x))·(1−G) (not an official parameter): learned = trained G; off = G ≡ 1 (global scans only); full = G ≡ 0 (local conv branch only).',
  },
];

const HILO_KNOBS = (c: HiloConfig, maxGrid: number): NetworkKnob[] => [
  {
    key: 'ws', op: 'hilo', label: 'window size s', kind: 'slider', min: 1, max: maxGrid, step: 1, official: c.ws,
    help: 'HiLo\'s ws (local_ws): Hi-Fi heads attend inside s×s windows, Lo-Fi keys/values are s×s average-pooled. The trained head split (int(heads·alpha)) stays, as the weights fix it; a grid s does not divide is zero-padded right/bottom as in the official detection/segmentation HiLo; s = 1: Hi-Fi heads see only their own token, Lo-Fi heads all tokens unpooled. Alpha is not a knob: it changes weight shapes (use the released alpha sweep checkpoints).',
  },
];

const VICINITY_KNOBS = (c: VicinityConfig): NetworkKnob[] => [
  {
    key: 'theta', op: 'vicinity', label: 'Manhattan decay θ', kind: 'slider', min: 0, max: Math.PI, step: Math.PI / 64, official: c.theta,
    help: `θ is VVT's angle range (get_index's c, trained π/2 = ${VICINITY_THETA.toFixed(4)}): row/column angles a = θ·row/H, b = θ·col/W re-weight q and k by cos/sin so that the attention carries cos Δa + cos Δb. Larger θ decays faster with distance; θ = 0 removes the locality.`,
  },
];

const FASA_KNOBS = (): NetworkKnob[] => [
  {
    key: 'ws', op: 'fasa', label: 'pooling window', kind: 'choice', options: ['trained', '1'], official: 'trained',
    help: 'FASA\'s window_size. Offered: trained (each stage its own: 8, 4, 2, 1) and 1 = refined_downsample\'s Identity (global keys at full resolution, no pooling weights used). Other windows are not offered: pooling by more or fewer steps needs conv/BN/linear weights the block was not trained with (the trained chain has linears only between its steps). The local kernel size is a weight shape, so it is not a knob either; heads are kept as trained.',
  },
];

const GMA_HELP: Record<string, string> = {
  aggToken: 'Segment 0 (identity aggregator, attention heads 0–1)',
  agg3: 'Segment 1 (separable 3×3 proxies, heads 2–3)',
  agg5: 'Segment 2 (separable 5×5 proxies, heads 4–5)',
  agg7: 'Segment 3 (separable 7×7 proxies, heads 6–7)',
  aggNonAttn: 'Segment 4 (the non-attention branch Agg_0)',
};

const GMA_KNOBS = (): NetworkKnob[] => GMA_SEGMENT_KEYS.map((key) => ({
  key, op: 'gma', label: gmaSliders.find((s) => s.key === key)!.label, kind: 'toggle' as const, official: true,
  help: `${GMA_HELP[key]} on/off (not an official parameter). Off removes the segment: its output is zero, so its heads contribute nothing (neither attention nor CRPE) and its channels are zero before proj; its convs are not run and not counted.`,
}));

/** The knobs of a network whose attention sites are `sites` (official values: the first site's). */
export function networkKnobs(sites: AttentionSite[]): NetworkKnob[] {
  if (!sites.length) return [];
  const first = sites[0];
  switch (first.op) {
    case 'gla':
    case 'gla2d':
      return GLA_KNOBS(first.opConfig as GlaConfig);
    case 'hilo':
      return HILO_KNOBS(first.opConfig as HiloConfig, Math.max(...sites.map((s) => Math.max((s.opConfig as HiloConfig).H, (s.opConfig as HiloConfig).W))));
    case 'vicinity':
      return VICINITY_KNOBS(first.opConfig as VicinityConfig);
    case 'fasa':
      return FASA_KNOBS();
    case 'gma':
      return GMA_KNOBS();
    default:
      return [];
  }
}
