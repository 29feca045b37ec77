/**
 * The classification read-out shared by the UI, the worker and the tests: softmax over the logits
 * (float64, max-subtracted) and the top-k classes with their ImageNet labels.
 */
import { imagenetLabel } from '../image/imagenet-labels';

export interface ClassScore {
  index: number;
  label: string;
  logit: number;
  /** softmax probability over all classes */
  p: number;
}

export function softmaxProbs(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += out[i] = Math.exp(logits[i] - max);
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}

/** The k best classes, highest logit first (ties: lower index first, like torch.topk on CPU). */
export function topK(logits: ArrayLike<number>, k = 5): ClassScore[] {
  const p = softmaxProbs(logits);
  const idx = Array.from({ length: logits.length }, (_, i) => i).sort((a, b) => logits[b] - logits[a] || a - b);
  return idx.slice(0, k).map((i) => ({
    index: i,
    label: logits.length === 1000 ? imagenetLabel(i) : `class ${i}`,
    logit: logits[i],
    p: p[i],
  }));
}
