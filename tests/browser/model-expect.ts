/** The check every backbone's GPU test makes: logits and every stage output against the float64 reference. */
import { expect } from 'vitest';
import type { GpuForwardResult, ModelForwardOutput } from '../../src/models/types';
import { relL2 } from '../../src/tensor/tensor';

export function expectMatchesReference(got: Pick<GpuForwardResult, 'logits' | 'stages' | 'stageMs'>, ref: ModelForwardOutput, tol = 1e-3): void {
  expect(got.logits.length).toBe(ref.logits.data.length);
  expect(relL2(got.logits, ref.logits.data), 'logits').toBeLessThan(tol);
  expect(got.stages.length).toBe(ref.stages.length);
  got.stages.forEach((s, i) => {
    expect(s.length, `stage${i} size`).toBe(ref.stages[i].data.length);
    expect(relL2(s, ref.stages[i].data), `stage${i}`).toBeLessThan(tol);
  });
  if (got.stageMs) expect(got.stageMs.length).toBe(got.stages.length);
}
