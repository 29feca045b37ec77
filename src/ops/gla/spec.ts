/**
 * ViG's bidirectional gated linear attention (spec/vig.md §4–§6): `gla` = plain ViG
 * (GatedLinearAttention, tokens [1,L,C], merge (of+ob)/4), `gla2d` = ViG-H (GLA2D, channel-first
 * [1,C,H,W], merge (of+ob)/2). One config type serves both; `layout` and `mergeDiv` tell them apart.
 */
import { cfgBool, cfgNum, type SliderSpec } from '../types';

/** Which recurrent scans contribute ('both' is the official module). */
export type GlaDirection = 'forward' | 'backward' | 'both';
/** 2D locality injection: 'learned' = the official gate G, 'off' = G≡1 (attention only), 'full' = G≡0 (local branch only). */
export type GlaLocality = 'learned' | 'off' | 'full';

export interface GlaConfig {
  /** 'tokens' = gla ([1,L,C]), 'channels' = gla2d ([1,C,H,W]) */
  layout: 'tokens' | 'channels';
  dim: number;
  heads: number;
  expandK: number;
  expandV: number;
  /** rank of the gk_proj bottleneck (gate_low_rank_dim, 16) */
  lowRank: number;
  /** gate temperature τ (gate_logit_normalizer, official 16): log-decay = logsigmoid(z)/τ */
  tau: number;
  /** optional lower bound on the log-decay (clamp_min, official null) */
  clampMin: number | null;
  /** g_norm / l_norm eps (layernorm_eps as passed by the blocks, 1e-6) */
  eps: number;
  actInConv: boolean;
  outAct: boolean;
  /** eval merge o = (of + ob) / mergeDiv: 4 in ViG, 2 in ViG-H (spec §4 step 5) */
  mergeDiv: number;
  direction: GlaDirection;
  locality: GlaLocality;
  H: number;
  W: number;
}

export interface GlaDims {
  L: number;
  C: number;
  /** key dim K = int(C·expand_k), value dim V = int(C·expand_v) */
  K: number;
  V: number;
  dk: number;
  dv: number;
  scale: number;
}

export function glaDims(c: GlaConfig): GlaDims {
  const K = Math.floor(c.dim * c.expandK);
  const V = Math.floor(c.dim * c.expandV);
  const dk = K / c.heads;
  return { L: c.H * c.W, C: c.dim, K, V, dk, dv: V / c.heads, scale: dk ** -0.5 };
}

export const GLA_TAU = 16;
export const DIRECTIONS: readonly GlaDirection[] = ['forward', 'backward', 'both'];
export const LOCALITIES: readonly GlaLocality[] = ['learned', 'off', 'full'];

export const glaSliders: SliderSpec[] = [
  { key: 'tau', label: 'gate temperature τ', min: 1, max: 256, step: 1, default: GLA_TAU, log: true },
];

/** The non-numeric knobs (selects in the UI), official value first-class as `default`. */
export const glaChoices = [
  { key: 'direction', label: 'scan direction', options: DIRECTIONS, default: 'both' as GlaDirection },
  { key: 'locality', label: 'locality injection', options: LOCALITIES, default: 'learned' as GlaLocality },
] as const;

/** Per-direction weight on of / ob: the kernel averages the active scans, then ÷(mergeDiv/2). */
export function directionWeights(c: GlaConfig): [number, number] {
  const f = c.direction !== 'backward';
  const b = c.direction !== 'forward';
  const w = 2 / ((Number(f) + Number(b)) * c.mergeDiv);
  return [f ? w : 0, b ? w : 0];
}

function pick<T extends string>(config: Record<string, unknown>, key: string, allowed: readonly T[], fallback: T): T {
  const v = config[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
  throw new Error(`config: '${key}' must be one of ${allowed.join(', ')}`);
}

/**
 * Config from a fixture's meta.config (`op` picks plain ViG vs ViG-H). The knobs are official
 * unless the config names them (optional `direction`, `locality`; τ is gate_logit_normalizer).
 */
export function glaConfigFromFixture(op: string, config: Record<string, unknown>): GlaConfig {
  const channels = op === 'gla2d' || cfgBool(config, 'channel_first', false);
  const clamp = config.clamp_min;
  return {
    layout: channels ? 'channels' : 'tokens',
    dim: cfgNum(config, 'd_model'),
    heads: cfgNum(config, 'num_heads'),
    expandK: cfgNum(config, 'expand_k', 0.5),
    expandV: cfgNum(config, 'expand_v', 1),
    lowRank: cfgNum(config, 'gate_low_rank_dim', 16),
    tau: cfgNum(config, 'gate_logit_normalizer', GLA_TAU),
    clampMin: typeof clamp === 'number' ? clamp : null,
    eps: cfgNum(config, 'layernorm_eps', 1e-6),
    actInConv: cfgBool(config, 'use_act_in_conv', !channels),
    outAct: cfgBool(config, 'use_out_act', !channels),
    mergeDiv: channels ? 2 : 4,
    direction: pick(config, 'direction', DIRECTIONS, 'both'),
    locality: pick(config, 'locality', LOCALITIES, 'learned'),
    H: cfgNum(config, 'H'),
    W: cfgNum(config, 'W'),
  };
}

/** Synthetic op-view module: ViG-T-like (dk 16 / dv 32, both SiLU flags) or a ViG-H stage-1 block. */
export function glaDefaultConfig(layout: 'tokens' | 'channels', H: number, W: number): GlaConfig {
  const channels = layout === 'channels';
  return {
    layout,
    dim: channels ? 96 : 64,
    heads: channels ? 3 : 2,
    expandK: 0.5,
    expandV: 1,
    lowRank: 16,
    tau: GLA_TAU,
    clampMin: null,
    eps: 1e-6,
    actInConv: !channels,
    outAct: !channels,
    mergeDiv: channels ? 2 : 4,
    direction: 'both',
    locality: 'learned',
    H,
    W,
  };
}

/** state_dict keys in the module's own order (both classes share them). */
export function glaParamShapes(c: GlaConfig): Array<[string, number[]]> {
  const { C, K, V, dv } = glaDims(c);
  return [
    ['in_proj.0.weight', [C, 1, 3, 3]],
    ['qkv_proj.weight', [2 * K + V, C]],
    ['gk_proj.0.weight', [c.lowRank, C]],
    ['gk_proj.1.weight', [2 * K, c.lowRank]],
    ['gk_proj.1.bias', [2 * K]],
    ['o_proj.weight', [C, V]],
    ['g_norm.weight', [dv]],
    ['l_norm.weight', [dv]],
    ['g_proj.weight', [V, C]],
    ['g_proj.bias', [V]],
  ];
}

export function glaInputShape(c: GlaConfig): number[] {
  return c.layout === 'channels' ? [1, c.dim, c.H, c.W] : [1, c.H * c.W, c.dim];
}

export function validateGla(c: GlaConfig): void {
  const { K, V, dk, dv } = glaDims(c);
  if (K % c.heads || V % c.heads) throw new Error(`gla: key dim ${K} / value dim ${V} not divisible by ${c.heads} heads`);
  // l_norm views the local branch loc [L,C] as [L,h,dv], which needs V = C (expand_v = 1).
  if (V !== c.dim) throw new Error(`gla: value dim ${V} must equal d_model ${c.dim} (l_norm on the conv branch)`);
  if (!(c.tau > 0)) throw new Error(`gla: gate temperature τ must be > 0 (got ${c.tau})`);
  if (!DIRECTIONS.includes(c.direction)) throw new Error(`gla: unknown direction '${c.direction}'`);
  if (!LOCALITIES.includes(c.locality)) throw new Error(`gla: unknown locality mode '${c.locality}'`);
  if (dv < 1 || dk < 1) throw new Error('gla: empty heads');
}
