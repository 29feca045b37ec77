/**
 * The A/B flags of the bench and the steady probe (absent flags keep the defaults):
 *  - `--submit-first=N` (launches in a forward's first piece; 0: one submit) and
 *    `--submit-split=0|1` (whether a piece may end inside a stage): src/gpu/plan/runner.ts's submitPieces;
 *  - `--split-min-steps=N` (K steps from which a product splits K) and `--rows32-below=N` (64×64
 *    tiles below which linear.wgsl runs 32-row tiles; 0: never): src/gpu/gemm.ts's gemmTuning;
 *  - `--wgsl-swap=lib/gemm.wgsl:lib/gemm_x.wgsl,…`: a variant kernel file in place of another (src/gpu/wgsl.ts's includeSwap).
 */
import { submitPieces } from '../gpu/plan/runner';
import { gemmTuning } from '../gpu/gemm';
import { includeSwap } from '../gpu/wgsl';

export function applyTuningFlags(arg: (name: string, fallback: string) => string): void {
  const first = arg('submit-first', '');
  if (first) submitPieces.first = Number(first);
  const split = arg('submit-split', '');
  if (split) submitPieces.split = split !== '0';
  const steps = arg('split-min-steps', '');
  if (steps) gemmTuning.splitMinSteps = Number(steps);
  const rows = arg('rows32-below', '');
  if (rows) gemmTuning.rows32Below = Number(rows);
  for (const pair of arg('wgsl-swap', '').split(',').filter(Boolean)) {
    const [from, to] = pair.split(':');
    includeSwap[from] = to;
  }
}
