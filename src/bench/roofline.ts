/**
 * Roofline floor of one op run: it cannot finish faster than its multiply-adds at the fp32 peak,
 * nor faster than moving its compulsory bytes (read x and every weight once, write y once, fp32)
 * at the memory bandwidth. floor = max(2·MACs / peak, bytes / bandwidth).
 */
import type { AnyOp } from '../ops/types';
import { numel } from '../tensor/tensor';

/**
 * Compulsory bytes of one forward: input x + weights + output y, 4 bytes each. y has x's shape for
 * every registry op (OpImpl.inputShape: "shape of x (and y)"). BatchNorm `num_batches_tracked`
 * counters are not read in eval and not counted.
 */
export function opMinBytes(op: AnyOp, cfg: unknown): number {
  const io = 2 * numel(op.inputShape(cfg));
  let weights = 0;
  for (const [key, shape] of op.paramShapes(cfg)) if (!key.endsWith('num_batches_tracked')) weights += numel(shape);
  return 4 * (io + weights);
}

export type Bound = 'compute' | 'memory';

export interface Floor {
  ms: number;
  bound: Bound;
  computeMs: number;
  memoryMs: number;
}

/** The floor for `macs` multiply-adds and `bytes` at `tflops` (TFLOP/s) and `gbps` (GB/s). */
export function rooflineFloor(macs: number, bytes: number, tflops: number, gbps: number): Floor {
  const computeMs = ((2 * macs) / (tflops * 1e12)) * 1e3;
  const memoryMs = (bytes / (gbps * 1e9)) * 1e3;
  return { ms: Math.max(computeMs, memoryMs), bound: computeMs >= memoryMs ? 'compute' : 'memory', computeMs, memoryMs };
}
