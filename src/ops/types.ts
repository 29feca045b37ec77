/**
 * What every mechanism folder provides. The parity suite, the notebook views and the benchmarks
 * all talk to ops through this one shape, so adding a mechanism = a folder + a registry line.
 */
import type { Tensor } from '../tensor/tensor';
import type { GpuContext } from '../gpu/context';

/** Module weights by state_dict key (no `p.` prefix), float64 values. */
export type Params = Record<string, Tensor>;

export interface OpOutput {
  /** Output in the op's native layout (tokens [1,N,C] or channel-first [1,C,H,W]). */
  y: Tensor;
  /** Map tensors named as in the fixtures (attn, attn_hifi, decay_f, …). */
  maps: Record<string, Tensor>;
}

export interface GpuOpOutput {
  y: Float32Array;
  maps: Record<string, Float32Array>;
  /** GPU time of the op's dispatches in ms (timestamp queries when present). */
  gpuMs?: number;
}

export interface ChoiceSpec {
  key: string;
  label: string;
  options: readonly string[];
  default: string;
}

export interface GpuRunOptions {
  /** all map tensors in fixture layout (parity) */
  maps: boolean;
  /** maps only for these query rows ([heads, rows.length, …]); honoured when gpuRows is set */
  rows?: number[];
  /** time the op's pass (timestamp queries when present) */
  timed?: boolean;
  /** leave y on the GPU (the output's `y` is then empty): for callers that want maps or time only */
  skipY?: boolean;
}

export interface SliderSpec {
  key: string;
  label: string;
  min: number;
  max: number;
  step: number;
  /** the official value */
  default: number;
  log?: boolean;
}

/** One drawn map over the H×W token grid (values row-major), e.g. a head's softmax row. */
export interface MapPanel {
  title: string;
  values: Float32Array;
  H: number;
  W: number;
  /** signed weights: draw with a diverging colour map centred on 0 */
  signed?: boolean;
}

export interface OpImpl<C> {
  /** registry id, e.g. 'mhsa' */
  name: string;
  /** human title */
  title: string;
  /** `meta.op` values of fixtures this op checks (e.g. hilo handles 'hilo' and 'hilo_pad'). */
  fixtureOps: readonly string[];
  /** Build a config from a fixture's `meta.op` and `meta.config` (which holds H and W). */
  configFromFixture(op: string, config: Record<string, unknown>): C;
  /** Default config for a token grid (the op view's synthetic module). */
  defaultConfig(H: number, W: number): C;
  /** state_dict keys and shapes this config needs, in the module's own order. */
  paramShapes(cfg: C): Array<[string, number[]]>;
  /** Shape of x (and y) for this config. */
  inputShape(cfg: C): number[];
  /** Float64 CPU reference: output + maps. */
  reference(x: Tensor, p: Params, cfg: C): OpOutput;
  /** Multiply-accumulates as counted by the fixtures (`macs_counted`). */
  macs(cfg: C): number;
  /** The repository's own FLOPs formula where it has one (HiLo's flops()), compared to meta.flops_official. */
  officialFlops?(cfg: C): number;
  /**
   * The clicked query's maps as drawable panels. `maps` are the op's map tensors (from the CPU
   * reference: all rows, rowIndex = token; from the GPU with opts.rows = [token]: rowIndex = 0).
   */
  queryMaps?(maps: Record<string, ArrayLike<number>>, cfg: C, token: number, rowIndex: number): MapPanel[];
  /** whether gpu() honours opts.rows (maps for chosen query rows only) */
  gpuRows?: boolean;
  /** The knobs the op view shows (keys of the config). */
  sliders?: SliderSpec[];
  /** Non-numeric knobs (selects), e.g. ViG's scan direction. */
  choices?: ReadonlyArray<ChoiceSpec>;
  /** Bring knob values onto valid settings (e.g. FASA's window to 1/2/4/8) before a run. */
  normalizeConfig?(cfg: C): C;
  /** WebGPU path; absent until written (parity then reports the GPU half as missing). */
  gpu?(ctx: GpuContext, x: Float32Array, p: Params, cfg: C, opts: GpuRunOptions): Promise<GpuOpOutput>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyOp = OpImpl<any>;

/** Read a config value with a default (fixture configs come as loose JSON). */
export function cfgNum(config: Record<string, unknown>, key: string, fallback?: number): number {
  const v = config[key];
  if (typeof v === 'number') return v;
  if (v === null || v === undefined) {
    if (fallback === undefined) throw new Error(`config: '${key}' missing`);
    return fallback;
  }
  throw new Error(`config: '${key}' is not a number`);
}

export function cfgBool(config: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const v = config[key];
  return typeof v === 'boolean' ? v : fallback;
}
