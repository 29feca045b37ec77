/** Softmax multi-head self-attention (timm vision_transformer.Attention), the baseline. */
import { cfgBool, cfgNum, type SliderSpec } from '../types';

export interface MhsaConfig {
  dim: number;
  heads: number;
  qkvBias: boolean;
  H: number;
  W: number;
}

export const MHSA_DEFAULT_DIM = 64;

export const mhsaSliders: SliderSpec[] = [
  { key: 'heads', label: 'heads', min: 1, max: 8, step: 1, default: 4 },
];

export function mhsaConfigFromFixture(config: Record<string, unknown>): MhsaConfig {
  return {
    dim: cfgNum(config, 'dim'),
    heads: cfgNum(config, 'num_heads'),
    qkvBias: cfgBool(config, 'qkv_bias', false),
    H: cfgNum(config, 'H'),
    W: cfgNum(config, 'W'),
  };
}

export function mhsaParamShapes(c: MhsaConfig): Array<[string, number[]]> {
  const s: Array<[string, number[]]> = [['qkv.weight', [3 * c.dim, c.dim]]];
  if (c.qkvBias) s.push(['qkv.bias', [3 * c.dim]]);
  s.push(['proj.weight', [c.dim, c.dim]], ['proj.bias', [c.dim]]);
  return s;
}

export function validateMhsa(c: MhsaConfig): void {
  if (c.dim % c.heads !== 0) throw new Error(`mhsa: dim ${c.dim} is not divisible by ${c.heads} heads`);
  if (c.dim / c.heads > 128) throw new Error(`mhsa: head size ${c.dim / c.heads} > 128 is not supported on the GPU path`);
}
