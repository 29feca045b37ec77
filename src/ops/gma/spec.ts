/**
 * GroupMixFormer Group-Mix attention (AILab-CVC/GroupMixFormer, models/groupmixformer.py::
 * EfficientAtt): q/k/v split into 5 channel segments; segments 0–3 go through shared aggregators
 * (identity, separable 3×3 / 5×5 / 7×7, each + BN + Hardswish) and feed CoaT-style factorised
 * attention (softmax of K over tokens) with convolutional relative position encoding; segment 4 of
 * q, k and v forms the non-attention branch (Agg_0).
 */
import { cfgBool, cfgNum, type SliderSpec } from '../types';

export interface GmaConfig {
  dim: number;
  /** Always 8 in the official module: CRPE's window split {3:2, 5:3, 7:3} covers exactly 8 heads. */
  heads: number;
  qkvBias: boolean;
  /** qk_scale; null → (dim // heads)^-0.5 (from the FULL width, not the per-head width). */
  qkScale: number | null;
  /**
   * Aggregator segments, 1 = on (official), 0 = off. "Off" removes the segment: its output is
   * zero (so its two heads contribute nothing, neither attention nor CRPE), and for the
   * non-attention branch its s output channels are zero before `proj`. Off segments' convs are
   * not run and not counted in the MACs.
   */
  aggToken: number;
  agg3: number;
  agg5: number;
  agg7: number;
  aggNonAttn: number;
  H: number;
  W: number;
}

/** Segment order of the aggregator: token, 3×3, 5×5, 7×7 (attention heads 2j, 2j+1) and Agg_0. */
export const GMA_SEGMENT_KEYS = ['aggToken', 'agg3', 'agg5', 'agg7', 'aggNonAttn'] as const;
/** Kernel size of the separable conv of segments 1..3. */
export const GMA_SEG_KERNEL = [0, 3, 5, 7] as const;
/** ConvRelPosEnc(window={3: 2, 5: 3, 7: 3}): (kernel, heads) per conv, in head order. */
export const GMA_CRPE_SPLIT: ReadonlyArray<[number, number]> = [[3, 2], [5, 3], [7, 3]];

export const gmaSliders: SliderSpec[] = [
  { key: 'aggToken', label: 'token segment (identity aggregator)', min: 0, max: 1, step: 1, default: 1 },
  { key: 'agg3', label: '3×3 group proxies', min: 0, max: 1, step: 1, default: 1 },
  { key: 'agg5', label: '5×5 group proxies', min: 0, max: 1, step: 1, default: 1 },
  { key: 'agg7', label: '7×7 group proxies', min: 0, max: 1, step: 1, default: 1 },
  { key: 'aggNonAttn', label: 'non-attention branch (Agg_0)', min: 0, max: 1, step: 1, default: 1 },
];

export function gmaConfigFromFixture(config: Record<string, unknown>): GmaConfig {
  const qs = config.qk_scale;
  return {
    dim: cfgNum(config, 'dim'),
    heads: cfgNum(config, 'num_heads', 8),
    qkvBias: cfgBool(config, 'qkv_bias', false),
    qkScale: typeof qs === 'number' ? qs : null,
    // Official fixtures carry no toggles (all on); other fixture sets may switch segments off.
    aggToken: cfgNum(config, 'aggToken', 1),
    agg3: cfgNum(config, 'agg3', 1),
    agg5: cfgNum(config, 'agg5', 1),
    agg7: cfgNum(config, 'agg7', 1),
    aggNonAttn: cfgNum(config, 'aggNonAttn', 1),
    H: cfgNum(config, 'H'),
    W: cfgNum(config, 'W'),
  };
}

export function gmaDims(c: GmaConfig): { N: number; s: number; Cp: number; Ch: number; scale: number } {
  const s = Math.floor(c.dim / 5);
  const Cp = s * 4;
  return {
    N: c.H * c.W,
    s,
    Cp,
    Ch: Math.floor(Cp / c.heads),
    scale: c.qkScale ?? Math.floor(c.dim / c.heads) ** -0.5,
  };
}

export function gmaSegmentOn(c: GmaConfig, seg: number): boolean {
  return c[GMA_SEGMENT_KEYS[seg]] !== 0;
}

/** The official module's own constraints (split sizes, head reshape, CRPE split). */
export function validateGma(c: GmaConfig): void {
  const { s, Cp, Ch } = gmaDims(c);
  if (c.heads !== 8) throw new Error(`gma: num_heads must be 8 (CRPE splits its channels for 2+3+3 heads), got ${c.heads}`);
  if (c.dim % 5 !== 0 || s < 1) throw new Error(`gma: dim ${c.dim} must split into 5 equal segments`);
  if (Cp % c.heads !== 0) throw new Error(`gma: attention width ${Cp} = 4·dim/5 is not divisible by ${c.heads} heads (dim must be a multiple of 10)`);
  if (Ch < 1) throw new Error('gma: empty heads');
  if (!(c.H >= 1 && c.W >= 1)) throw new Error('gma: empty grid');
}

const bn = (prefix: string, n: number): Array<[string, number[]]> => [
  [`${prefix}.weight`, [n]], [`${prefix}.bias`, [n]], [`${prefix}.running_mean`, [n]], [`${prefix}.running_var`, [n]],
];

/** Float parameters in module order (BN `num_batches_tracked` counters are left out: unused in eval). */
export function gmaParamShapes(c: GmaConfig): Array<[string, number[]]> {
  const { s, Ch } = gmaDims(c);
  const C = c.dim;
  const out: Array<[string, number[]]> = [['qkv.weight', [3 * C, C]]];
  if (c.qkvBias) out.push(['qkv.bias', [3 * C]]);
  out.push(['proj.weight', [C, C]], ['proj.bias', [C]]);
  out.push(...bn('aggregator.norm0', s));
  for (let j = 1; j <= 3; j++) {
    const k = GMA_SEG_KERNEL[j];
    out.push([`aggregator.agg${j}.conv1.weight`, [s, 1, k, k]], [`aggregator.agg${j}.pointwise_conv.weight`, [s, s, 1, 1]]);
    out.push(...bn(`aggregator.norm${j}`, s));
  }
  out.push(
    ['aggregator.agg0.conv.conv1.weight', [3 * s, 1, 3, 3]],
    ['aggregator.agg0.conv.pointwise_conv.weight', [s, 3 * s, 1, 1]],
    ['aggregator.agg0.norm.weight', [s]],
    ['aggregator.agg0.norm.bias', [s]],
  );
  GMA_CRPE_SPLIT.forEach(([k, nh], i) => {
    out.push([`crpe.conv_list.${i}.weight`, [nh * Ch, 1, k, k]], [`crpe.conv_list.${i}.bias`, [nh * Ch]]);
  });
  return out;
}
