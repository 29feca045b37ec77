/**
 * FAT's Fully Adaptive Self-Attention (qhfan/FAT classification/models.py::FASA), channel-first
 * [1, C, H, W]. Spec: shared/spec/fat.md §1.
 */
import { cfgNum, type SliderSpec } from '../types';

export interface FasaConfig {
  dim: number;
  heads: number;
  /** local_mixer depthwise kernel (odd) */
  kernelSize: number;
  /** pooling window: 1 (no pooling), 2, 4 or 8 = 2^steps of stride-2 5×5 depthwise convs */
  ws: number;
  H: number;
  W: number;
}

export const FASA_DEFAULT_DIM = 64;
/** Kernel size of the strided depthwise convs in the fine-grained downsampler (refined_downsample(…, 5)). */
export const FASA_POOL_KERNEL = 5;
export const FASA_WINDOW_SIZES = [1, 2, 4, 8] as const;

export const fasaSliders: SliderSpec[] = [
  { key: 'heads', label: 'heads', min: 1, max: 8, step: 1, default: 4 },
  // only powers of two are valid (the official loop looks for 2^i == window_size): see snapWindowSize
  { key: 'ws', label: 'pooling window', min: 1, max: 8, step: 1, default: 2, log: true },
  { key: 'kernelSize', label: 'local kernel', min: 3, max: 11, step: 2, default: 5 },
];

/** Nearest valid pooling window (slider values in between snap to 1/2/4/8). */
export function snapWindowSize(v: number): number {
  let best: number = FASA_WINDOW_SIZES[0];
  for (const w of FASA_WINDOW_SIZES) if (Math.abs(Math.log2(w) - Math.log2(Math.max(1, v))) < Math.abs(Math.log2(best) - Math.log2(Math.max(1, v)))) best = w;
  return best;
}

export function fasaConfigFromFixture(config: Record<string, unknown>): FasaConfig {
  return {
    dim: cfgNum(config, 'dim'),
    heads: cfgNum(config, 'num_heads'),
    kernelSize: cfgNum(config, 'kernel_size', 5),
    ws: cfgNum(config, 'window_size'),
    H: cfgNum(config, 'H'),
    W: cfgNum(config, 'W'),
  };
}

/** Number of stride-2 steps of the downsampler: log2(ws). */
export function poolSteps(c: FasaConfig): number {
  return Math.round(Math.log2(c.ws));
}

/** Grid after each downsampling step: a stride-2, pad-2, 5×5 conv maps n → ceil(n/2). */
export function pooledGrids(c: FasaConfig): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let h = c.H;
  let w = c.W;
  for (let t = 0; t < poolSteps(c); t++) {
    h = Math.floor((h + 2 * 2 - FASA_POOL_KERNEL) / 2) + 1;
    w = Math.floor((w + 2 * 2 - FASA_POOL_KERNEL) / 2) + 1;
    out.push([h, w]);
  }
  return out;
}

/** Pooled key grid (H', W') = (ceil(H/ws), ceil(W/ws)). */
export function pooledHW(c: FasaConfig): [number, number] {
  return [Math.ceil(c.H / c.ws), Math.ceil(c.W / c.ws)];
}

export function validateFasa(c: FasaConfig): void {
  if (!FASA_WINDOW_SIZES.includes(c.ws as 1 | 2 | 4 | 8)) throw new Error(`fasa: window size ${c.ws} must be 1, 2, 4 or 8`);
  if (c.dim % c.heads !== 0) throw new Error(`fasa: dim ${c.dim} is not divisible by ${c.heads} heads`);
  if (c.kernelSize < 1 || c.kernelSize % 2 !== 1) throw new Error(`fasa: local kernel ${c.kernelSize} must be odd`);
  if (c.H < 1 || c.W < 1) throw new Error(`fasa: empty grid ${c.H}×${c.W}`);
}

/** state_dict keys and shapes in the module's registration order (q, kv, local_mixer, mixer, pool). */
export function fasaParamShapes(c: FasaConfig): Array<[string, number[]]> {
  const C = c.dim;
  const k = c.kernelSize;
  const s: Array<[string, number[]]> = [
    ['q.weight', [C, C, 1, 1]], ['q.bias', [C]],
    ['kv.weight', [2 * C, C, 1, 1]], ['kv.bias', [2 * C]],
    ['local_mixer.weight', [C, 1, k, k]], ['local_mixer.bias', [C]],
    ['mixer.weight', [C, C, 1, 1]], ['mixer.bias', [C]],
  ];
  const n = poolSteps(c);
  for (let t = 0; t < n; t++) {
    s.push([`pool.conv${t}.weight`, [C, 1, FASA_POOL_KERNEL, FASA_POOL_KERNEL]], [`pool.conv${t}.bias`, [C]]);
    for (const f of ['weight', 'bias', 'running_mean', 'running_var']) s.push([`pool.bn${t}.${f}`, [C]]);
    s.push([`pool.bn${t}.num_batches_tracked`, []]);
    if (t < n - 1) s.push([`pool.linear${t}.weight`, [C, C, 1, 1]], [`pool.linear${t}.bias`, [C]]);
  }
  return s;
}
