/**
 * The forward-piece flags of the bench and the steady probe, for A/B runs of
 * src/gpu/plan/runner.ts's submitPieces: `--submit-first=N` (launches in the first piece; 0: one
 * submit) and `--submit-split=0|1` (whether a piece may end inside a stage). Absent flags keep the
 * defaults.
 */
import { submitPieces } from '../gpu/plan/runner';

export function applySubmitFlags(arg: (name: string, fallback: string) => string): void {
  const first = arg('submit-first', '');
  if (first) submitPieces.first = Number(first);
  const split = arg('submit-split', '');
  if (split) submitPieces.split = split !== '0';
}
