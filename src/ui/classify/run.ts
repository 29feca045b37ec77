/**
 * One classification: eval preprocessing of the photo (PIL-exact resize + crop + normalise, as the
 * official eval transform), then the family's WebGPU forward when it has one and a GPU is there,
 * else the float64 CPU reference in the model worker; softmax and top-5.
 */
import type { GpuContext } from '../../gpu/context';
import type { RgbImage } from '../../image/pixels';
import { preprocessForEval, type EvalPreprocessed } from '../../image/resize-pil';
import { topK } from '../../models/classify';
import type { ModelChoice } from '../../models/load';
import type { ModelWorkerClient } from '../../models/worker-client';
import type { Params } from '../../ops/types';
import type { ClassifyResult } from './store';

export interface RunInput {
  photo: { name: string; rgb: RgbImage };
  choice: ModelChoice;
  worker: ModelWorkerClient;
  ctx: GpuContext | null;
  params?: Params;
  forceCpu?: boolean;
  /** the weights exist only on the page (synthetic): no CPU-worker fallback */
  gpuOnly?: boolean;
}

export async function runClassify(inp: RunInput): Promise<{ result: ClassifyResult; pre: EvalPreprocessed }> {
  const t0 = performance.now();
  const { size, crop } = inp.choice.model.inputSize(inp.choice.cfg);
  const pre = preprocessForEval(inp.photo.rgb, { size, crop });
  const t1 = performance.now();
  const notes: string[] = [];
  let logits: ArrayLike<number> | null = null;
  let backend: ClassifyResult['backend'] = 'cpu-reference';
  let stages: number[] | undefined;
  let forwardMs = 0;
  const gpu = inp.choice.model.forwardGpu;
  if (gpu && inp.ctx && inp.params && !inp.forceCpu) {
    try {
      // the 8-bit crop, normalised on the GPU: bit-identical to pre.tensor, a quarter of the bytes
      const out = await gpu.call(inp.choice.model, inp.ctx, pre.pixels, pre.tensor.shape, inp.params, inp.choice.cfg);
      logits = out.logits;
      stages = out.stageMs;
      backend = 'webgpu';
      forwardMs = performance.now() - t1;
    } catch (e) {
      notes.push(`the WebGPU forward failed (${(e as Error).message}); used the CPU reference instead`);
    }
  } else if (gpu && !inp.ctx && !inp.forceCpu) {
    notes.push('no WebGPU here: the CPU reference runs instead');
  }
  if (!logits && inp.gpuOnly) throw new Error(`these weights run on WebGPU only${notes.length ? `: ${notes.join('; ')}` : ''}`);
  if (!logits) {
    const r = await inp.worker.forward(pre.tensor.data, pre.tensor.shape);
    logits = r.logits;
    forwardMs = r.ms;
  }
  const total = performance.now() - t0;
  return {
    pre,
    result: {
      modelId: inp.choice.id,
      photoName: inp.photo.name,
      backend,
      top: topK(logits, 5),
      ms: { preprocess: t1 - t0, forward: forwardMs, total, stages },
      input: { size, crop, top: pre.crop.top, left: pre.crop.left },
      preview: cropRgba(pre, size),
      tensor: { data: pre.tensor.data, shape: pre.tensor.shape },
      notes,
    },
  };
}

/** The crop of the resized photo the network sees, as RGBA for a canvas. */
export function cropRgba(pre: EvalPreprocessed, size: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(size * size * 4);
  const { resized, crop } = pre;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = ((y + crop.top) * resized.width + x + crop.left) * 3;
      const o = (y * size + x) * 4;
      out[o] = resized.data[i];
      out[o + 1] = resized.data[i + 1];
      out[o + 2] = resized.data[i + 2];
      out[o + 3] = 255;
    }
  }
  return out;
}
