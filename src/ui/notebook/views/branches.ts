/** Per-branch MACs for ops made of branches (`split: branch` in a flops view). */
import { hiloBranchMacs } from '../../../ops/hilo/flops';
import type { HiloConfig } from '../../../ops/hilo/spec';

export const BRANCH_MACS: Record<string, (cfg: unknown) => Record<string, number>> = {
  hilo: (c) => {
    const b = hiloBranchMacs(c as HiloConfig);
    return { 'Hi-Fi': b.hifiMacs, 'Lo-Fi': b.lofiMacs };
  },
};
