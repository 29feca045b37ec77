/**
 * LITv2 HiLo attention (spec/litv2.md §1): Hi-Fi heads attend inside non-overlapping ws×ws windows,
 * Lo-Fi heads attend to ws×ws average-pooled keys/values; outputs are concatenated Hi-Fi first.
 */
import { cfgBool, cfgNum, type SliderSpec } from '../types';

export interface HiloConfig {
  dim: number;
  heads: number;
  /**
   * Op view only: when set, the channel count is heads·headDim and `dim` is ignored, so the heads
   * knob keeps the head size (32 in every LITv2 stage) and every head count is valid. Fixture and
   * checkpoint configs leave it out and give `dim` (which must be divisible by heads).
   */
  headDim?: number;
  /** share of Lo-Fi heads: l = int(heads·alpha) as the official code (float product, truncation) */
  alpha: number;
  /** window size ws ≥ 1 (ws = 1 → plain global MHSA, all heads Lo-Fi, no pooling) */
  ws: number;
  /**
   * Lo-Fi head count fixed by the trained module (a network knob changing ws at inference keeps the
   * weights' split): overrides int(heads·alpha) and the constructor's ws = 1 ⇒ all-Lo-Fi rule. At
   * ws = 1 with Hi-Fi heads, each Hi-Fi head attends to its own token only (1×1 windows) and the
   * Lo-Fi heads attend to all tokens unpooled — the official forward with self.ws = 1. Absent:
   * the constructor's rule.
   */
  lHeads?: number;
  qkvBias: boolean;
  H: number;
  W: number;
  /**
   * Which official forward this config mirrors: true = the seg/det `forward(x, H, W)` that zero-pads
   * right/bottom to multiples of ws; false = the classification module (no padding). Both are the
   * same computation when ws divides H and W (padding of 0, identical code). On a non-divisible grid
   * the classification code would fail, so the padded formulation is used whatever this flag says.
   */
  padded: boolean;
}

/** LITv2 keeps the head size at 32 in every stage; the op view follows it when heads change. */
export const HILO_HEAD_DIM = 32;
/** LITv2 stage 2: 12 heads, alpha 0.9, ws 2. */
export const HILO_DEFAULTS = { heads: 12, alpha: 0.9, ws: 2 } as const;

/** The knobs for an H×W grid: ws may go up to max(H, W) (one padded window covering the grid). */
export function hiloSlidersFor(H: number, W: number): SliderSpec[] {
  return [
    { key: 'alpha', label: 'alpha (Lo-Fi share of heads)', min: 0, max: 1, step: 0.05, default: HILO_DEFAULTS.alpha },
    { key: 'ws', label: 'window size ws', min: 1, max: Math.max(H, W, 1), step: 1, default: HILO_DEFAULTS.ws },
    { key: 'heads', label: 'heads', min: 1, max: 16, step: 1, default: HILO_DEFAULTS.heads },
  ];
}

/** Static knobs of the op view (OpImpl.sliders): ws up to the largest grid the explorer offers. */
export const hiloSliders: SliderSpec[] = hiloSlidersFor(56, 56);

export function hiloDefaultConfig(H: number, W: number): HiloConfig {
  return { dim: HILO_HEAD_DIM * HILO_DEFAULTS.heads, headDim: HILO_HEAD_DIM, heads: HILO_DEFAULTS.heads, alpha: HILO_DEFAULTS.alpha, ws: HILO_DEFAULTS.ws, qkvBias: true, H, W, padded: true };
}

/** The channel count C of x and y. */
export function hiloDim(c: HiloConfig): number {
  return c.headDim ? c.heads * c.headDim : c.dim;
}

export function hiloConfigFromFixture(op: string, config: Record<string, unknown>): HiloConfig {
  return {
    dim: cfgNum(config, 'dim'),
    heads: cfgNum(config, 'num_heads'),
    alpha: cfgNum(config, 'alpha'),
    ws: cfgNum(config, 'window_size'),
    qkvBias: cfgBool(config, 'qkv_bias', false),
    H: cfgNum(config, 'H'),
    W: cfgNum(config, 'W'),
    padded: op === 'hilo_pad',
  };
}

/** Everything the constructor and the padded forward derive from a config. */
export interface HiloDerived {
  /** channels (hiloDim) */
  C: number;
  /** head size */
  d: number;
  lHeads: number;
  hHeads: number;
  lDim: number;
  hDim: number;
  scale: number;
  /** padded grid (multiples of ws) and the zero padding added right / bottom */
  Hp: number;
  Wp: number;
  padR: number;
  padB: number;
  /** windows = pooled cells: Gh×Gw, G of them, T = ws² tokens each */
  Gh: number;
  Gw: number;
  G: number;
  T: number;
  /** Lo-Fi keys: G pooled cells (ws > 1) or the N tokens (ws = 1) */
  M: number;
  N: number;
}

export function validateHilo(c: HiloConfig): void {
  const C = hiloDim(c);
  if (!(Number.isInteger(C) && C > 0 && Number.isInteger(c.heads) && c.heads > 0)) throw new Error(`hilo: bad dim/heads ${C}/${c.heads}`);
  if (C % c.heads !== 0) throw new Error(`hilo: dim ${C} is not divisible by ${c.heads} heads`);
  if (!(Number.isInteger(c.ws) && c.ws >= 1)) throw new Error(`hilo: window size ${c.ws} must be an integer >= 1`);
  if (!(c.alpha >= 0 && c.alpha <= 1)) throw new Error(`hilo: alpha ${c.alpha} outside [0, 1]`);
  if (!(c.H >= 1 && c.W >= 1)) throw new Error(`hilo: empty grid ${c.H}x${c.W}`);
}

export function hiloDerived(c: HiloConfig): HiloDerived {
  validateHilo(c);
  const C = hiloDim(c);
  const d = Math.trunc(C / c.heads);
  let lHeads = Math.trunc(c.heads * c.alpha); // Python int(num_heads * alpha)
  if (c.ws === 1) lHeads = c.heads; // official: ws == 1 forces plain MHSA
  if (c.lHeads !== undefined) {
    if (!(Number.isInteger(c.lHeads) && c.lHeads >= 0 && c.lHeads <= c.heads)) throw new Error(`hilo: Lo-Fi heads ${c.lHeads} outside 0…${c.heads}`);
    lHeads = c.lHeads;
  }
  const hHeads = c.heads - lHeads;
  const ws = c.ws;
  const Hp = ws * Math.ceil(c.H / ws);
  const Wp = ws * Math.ceil(c.W / ws);
  const Gh = Hp / ws;
  const Gw = Wp / ws;
  const G = Gh * Gw;
  const N = c.H * c.W;
  return {
    C, d, lHeads, hHeads, lDim: lHeads * d, hDim: hHeads * d, scale: d ** -0.5,
    Hp, Wp, padR: Wp - c.W, padB: Hp - c.H, Gh, Gw, G, T: ws * ws,
    M: ws > 1 ? G : Hp * Wp, N,
  };
}

/** state_dict keys in the module's own order (Lo-Fi layers are created first). */
export function hiloParamShapes(c: HiloConfig): Array<[string, number[]]> {
  const g = hiloDerived(c);
  const s: Array<[string, number[]]> = [];
  if (g.lHeads > 0) {
    s.push(['l_q.weight', [g.lDim, g.C]]);
    if (c.qkvBias) s.push(['l_q.bias', [g.lDim]]);
    s.push(['l_kv.weight', [2 * g.lDim, g.C]]);
    if (c.qkvBias) s.push(['l_kv.bias', [2 * g.lDim]]);
    s.push(['l_proj.weight', [g.lDim, g.lDim]], ['l_proj.bias', [g.lDim]]);
  }
  if (g.hHeads > 0) {
    s.push(['h_qkv.weight', [3 * g.hDim, g.C]]);
    if (c.qkvBias) s.push(['h_qkv.bias', [3 * g.hDim]]);
    s.push(['h_proj.weight', [g.hDim, g.hDim]], ['h_proj.bias', [g.hDim]]);
  }
  return s;
}
