/**
 * A knob setting's prediction against the official one on the same photo: where the official top-1
 * class went (its probability and rank under the knob) and KL(official ‖ knob) over all classes,
 * in nats. Softmax in float64 (max-subtracted), as the top-5 read-out.
 */
import { softmaxProbs } from '../../../models/classify';
import { argmax } from '../../../tensor/tensor';

export interface KnobDelta {
  /** the official setting's top-1 class */
  officialTop1: number;
  /** its probability under the official setting */
  pOfficial: number;
  /** its probability under the knob setting */
  pKnob: number;
  /** its rank under the knob setting (1 = still top-1) */
  rank: number;
  /** KL(P_official ‖ P_knob) in nats */
  kl: number;
  /** the knob setting's top-1 class */
  knobTop1: number;
}

/** KL(p ‖ q) = Σ p log(p/q) in nats; terms with p = 0 contribute 0; q is floored at the smallest normal double. */
export function klDivergence(p: ArrayLike<number>, q: ArrayLike<number>): number {
  if (p.length !== q.length) throw new Error(`KL: ${p.length} against ${q.length} classes`);
  let kl = 0;
  for (let i = 0; i < p.length; i++) if (p[i] > 0) kl += p[i] * (Math.log(p[i]) - Math.log(Math.max(q[i], Number.MIN_VALUE)));
  return Math.max(0, kl);
}

/** Rank (1-based) of class `c` by logit, ties broken by lower index as topK does. */
export function rankOf(logits: ArrayLike<number>, c: number): number {
  let r = 1;
  for (let i = 0; i < logits.length; i++) if (logits[i] > logits[c] || (logits[i] === logits[c] && i < c)) r++;
  return r;
}

export function compareToOfficial(official: ArrayLike<number>, knob: ArrayLike<number>): KnobDelta {
  const po = softmaxProbs(official);
  const pk = softmaxProbs(knob);
  const top = argmax(official);
  return { officialTop1: top, pOfficial: po[top], pKnob: pk[top], rank: rankOf(knob, top), kl: klDivergence(po, pk), knobTop1: argmax(knob) };
}
