/**
 * VVT Vicinity attention (OpenNLPLab/Vicinity-Vision-Transformer, classification/vvt.py::
 * VicinityVisionAttention): ReLU linear attention at reduced width with the 2D Manhattan locality
 * made linear by cos/sin re-weighting of rows and columns, clamped at 5 places, plus an SE gate.
 */
import { cfgNum, cfgBool, type SliderSpec } from '../types';

export interface VicinityConfig {
  /** embed_dim C */
  dim: number;
  heads: number;
  /** feature reduction: q/k/v have width C / frRatio */
  frRatio: number;
  /** SE hidden width = C / seReduction */
  seReduction: number;
  /**
   * Angle range θ of the re-weighting: a_t = θ·row/H, b_t = θ·col/W. Official π/2 (get_index's
   * `c`); larger θ makes the locality decay faster with distance (cos Δ hits 0 at Δ = π/2).
   */
  theta: number;
  H: number;
  W: number;
}

export const VICINITY_THETA = Math.PI / 2;

export const vicinitySliders: SliderSpec[] = [
  { key: 'theta', label: 'Manhattan decay: angle range θ', min: 0, max: Math.PI, step: Math.PI / 64, default: VICINITY_THETA },
];

export function vicinityConfigFromFixture(config: Record<string, unknown>): VicinityConfig {
  // Only the eval path the VVT models use is implemented: no spatial reduction, no pooled
  // "linear" variant, use_sum (row term + column term), non-causal.
  if (cfgNum(config, 'sr_ratio', 1) !== 1) throw new Error('vicinity: sr_ratio > 1 is not implemented (all VVT models use 1)');
  if (cfgBool(config, 'linear', false)) throw new Error('vicinity: linear=True is not implemented (VVT models use False)');
  if (!cfgBool(config, 'use_sum', true)) throw new Error('vicinity: use_sum=False is not implemented (VVT models use True)');
  if (cfgBool(config, 'causal', false)) throw new Error('vicinity: causal is not implemented');
  return {
    dim: cfgNum(config, 'embed_dim'),
    heads: cfgNum(config, 'num_heads'),
    frRatio: cfgNum(config, 'fr_ratio', 1),
    seReduction: cfgNum(config, 'se_reduction', 2),
    theta: cfgNum(config, 'theta', VICINITY_THETA),
    H: cfgNum(config, 'H'),
    W: cfgNum(config, 'W'),
  };
}

/** Derived widths: r = C/fr (q/k/v width), d = (C/h)/fr (per head), se hidden width. */
export function vicinityDims(c: VicinityConfig): { N: number; r: number; d: number; seHidden: number } {
  const headDim = Math.floor(c.dim / c.heads);
  return { N: c.H * c.W, r: Math.floor(c.dim / c.frRatio), d: Math.floor(headDim / c.frRatio), seHidden: Math.floor(c.dim / c.seReduction) };
}

/** The module's own constraints (the `.view(..., num_heads, head_dim // fr)` must be exact). */
export function validateVicinity(c: VicinityConfig): void {
  const { r, d } = vicinityDims(c);
  if (c.dim % c.heads !== 0) throw new Error(`vicinity: embed_dim ${c.dim} is not divisible by ${c.heads} heads`);
  if (r !== c.heads * d || d < 1) throw new Error(`vicinity: C/fr = ${r} does not split into ${c.heads} heads of (C/h)/fr = ${d}`);
  if (!(c.H >= 1 && c.W >= 1)) throw new Error('vicinity: empty grid');
}

export function vicinityParamShapes(c: VicinityConfig): Array<[string, number[]]> {
  const { r, seHidden } = vicinityDims(c);
  const C = c.dim;
  return [
    ['k_proj.weight', [r, C]], ['k_proj.bias', [r]],
    ['v_proj.weight', [r, C]], ['v_proj.bias', [r]],
    ['q_proj.weight', [r, C]], ['q_proj.bias', [r]],
    ['out_proj.weight', [C, r]], ['out_proj.bias', [C]],
    ['se_fc.0.weight', [seHidden, C]],
    ['se_fc.2.weight', [C, seHidden]],
  ];
}
