/**
 * What every backbone family provides. The parity suite, the classify view and the benchmarks talk
 * to backbones only through this shape; each family is one file (or folder) in src/models/.
 */
import type { Tensor } from '../tensor/tensor';
import type { GpuContext } from '../gpu/context';
import type { Params } from '../ops/types';
import type { KnobSetting, NetworkKnob } from './knobs';

export interface ModelForwardOutput {
  /** [B, numClasses] */
  logits: Tensor;
  /** stage{i} outputs in the fixture's native layout (meta.stage_note) */
  stages: Tensor[];
  /** optional per-block attention maps for the overlay (name → tensor) */
  maps?: Record<string, Tensor>;
}

/**
 * A backbone's WebGPU input, [B, 3, H, W] either way: the normalised float tensor, or the 8-bit
 * crops it is normalised from (B·H·W·3 bytes, RGB, row-major: EvalPreprocessed.pixels), which the
 * forward uploads as bytes and normalises on the GPU, bit-identical.
 */
export type ModelInput = Float32Array | Uint8Array;

/** Options every WebGPU backbone forward understands. */
export interface GpuForwardOptions {
  /** read the stage outputs back (default true; the benchmark reads logits only) */
  stages?: boolean;
  /** GPU timestamps per stage when the device has them (default true) */
  timed?: boolean;
  /**
   * Also read back the input of one attention module (index into attentionSites(cfg, H, W)) for
   * sample 0, in the op's own input layout — the overlay re-runs the op on it for a query's map.
   * Several indices capture several modules (attention rollout): `captures` holds them all.
   */
  capture?: number | number[];
  /** the knob setting (src/models/knobs.ts); absent or official = the trained network, bit-identical */
  knobs?: KnobSetting;
}

export interface GpuForwardResult {
  /** [B, numClasses] */
  logits: Float32Array;
  /** stage outputs in the fixtures' layout (empty when opts.stages === false) */
  stages: Float32Array[];
  /** GPU ms of the pass producing each stage, when timestamps exist */
  stageMs?: number[];
  /** GPU ms of the whole forward (timestamps) or wall ms to completion */
  gpuMs: number;
  timeSource: 'timestamp' | 'wall';
  /** the captured attention input (opts.capture; the first one when several), op.inputShape(site.opConfig) with batch 1 */
  captured?: Float32Array;
  /** every captured attention input by site index (opts.capture) */
  captures?: Record<number, Float32Array>;
}

/**
 * One attention module of a backbone at a given input size: which op of src/ops computes it, with
 * which config, and where its weights are. The overlay runs `op` on the captured input with
 * `params(w)` to draw a query's map for that layer.
 */
export interface AttentionSite {
  /** e.g. 'stage 3 · block 2' */
  label: string;
  stage: number;
  block: number;
  /** registry name of the op ('gla', 'hilo', 'vicinity', 'fasa', 'gma', …) */
  op: string;
  /** the op's config for this module at this input size (its H, W are the stage's token grid) */
  opConfig: unknown;
  /** the module's own weights (state_dict sub-dict) out of the whole model's */
  params(w: Params): Params;
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
  /** MACs at the given input size as fvcore/FlopCounterMode count them (meta.macs_counted), at a knob setting when given */
  macs(cfg: C, H?: number, W?: number, knobs?: KnobSetting): number;
  /** float64 CPU forward: x [B,3,H,W] normalised; `knobs` applies a setting to the attention sites */
  forwardReference(x: Tensor, w: Params, cfg: C, knobs?: KnobSetting): ModelForwardOutput;
  /** the knobs this family offers on its trained network (official values at the eval input size) */
  knobs?(cfg: C): NetworkKnob[];
  /** eval input size (224, or 384 for LITv2-B-384) and whether to centre-crop */
  inputSize(cfg: C): { size: number; crop: boolean };
  /** WebGPU forward (our kernels on the device tfjs-backend-webgpu shares); absent until written */
  forwardGpu?(ctx: GpuContext, x: ModelInput, shape: number[], w: Params, cfg: C, opts?: GpuForwardOptions): Promise<GpuForwardResult>;
  /** drop the GPU copies forwardGpu keeps for `w` (weights, plan) now rather than at GC */
  releaseGpu?(ctx: GpuContext, w: Params): void;
  /** every attention module, in forward order, for an H×W input */
  attentionSites?(cfg: C, H: number, W: number): AttentionSite[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyModel = ModelImpl<any>;
