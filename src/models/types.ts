/**
 * What every backbone family provides. The parity suite, the classify view and the benchmarks talk
 * to backbones only through this shape; each family is one file (or folder) in src/models/.
 */
import type { Tensor } from '../tensor/tensor';
import type { GpuContext } from '../gpu/context';
import type { Params } from '../ops/types';

export interface ModelForwardOutput {
  /** [B, numClasses] */
  logits: Tensor;
  /** stage{i} outputs in the fixture's native layout (meta.stage_note) */
  stages: Tensor[];
  /** optional per-block attention maps for the overlay (name → tensor) */
  maps?: Record<string, Tensor>;
}

export interface ModelImpl<C> {
  /** family id: 'vig' | 'vig_h' | 'litv2' | 'vvt' | 'fat' | 'gmf' (fixtures' meta.model) */
  family: string;
  title: string;
  /** official variants by name ('vig-t', 'vig-s', …) — configs as in spec/ */
  variants: Record<string, C>;
  /** fixture meta.model values this family checks (e.g. ['vig']) */
  fixtureModels: readonly string[];
  /** config from a fixture's meta.config (mini models and full variants) */
  configFromFixture(config: Record<string, unknown>): C;
  /** the exact state_dict (name, shape) in the official order */
  expectedKeys(cfg: C): Array<[string, number[]]>;
  /** MACs at the given input size as fvcore/FlopCounterMode count them (meta.macs_counted) */
  macs(cfg: C, H?: number, W?: number): number;
  /** float64 CPU forward: x [B,3,H,W] normalised */
  forwardReference(x: Tensor, w: Params, cfg: C): ModelForwardOutput;
  /** eval input size (224, or 384 for LITv2-B-384) and whether to centre-crop */
  inputSize(cfg: C): { size: number; crop: boolean };
  /** WebGPU forward (tfjs-backend-webgpu + our kernels); absent until written */
  forwardGpu?(ctx: GpuContext, x: Float32Array, shape: number[], w: Params, cfg: C): Promise<{ logits: Float32Array; stages: Float32Array[]; stageMs?: number[] }>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyModel = ModelImpl<any>;
