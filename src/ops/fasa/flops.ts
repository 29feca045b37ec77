import { FASA_POOL_KERNEL, pooledGrids, pooledHW, type FasaConfig } from './spec';

/**
 * MACs as FlopCounterMode/2 counts them (convs and matmuls only): q, pool convs (+ linears),
 * kv on the pooled grid, q·kᵀ and attn·v over M pooled keys, local_mixer, mixer.
 */
export function fasaMacs(c: FasaConfig): number {
  const C = c.dim;
  const N = c.H * c.W;
  const [Hp, Wp] = pooledHW(c);
  const M = Hp * Wp;
  let macs = N * C * C; // q
  const grids = pooledGrids(c);
  grids.forEach(([h, w], t) => {
    macs += h * w * C * FASA_POOL_KERNEL * FASA_POOL_KERNEL; // conv{t}, depthwise
    if (t < grids.length - 1) macs += h * w * C * C; // linear{t}
  });
  macs += M * C * 2 * C; // kv
  macs += 2 * N * M * C; // q·kᵀ and attn·v (all heads together: heads·d = C)
  macs += N * C * c.kernelSize * c.kernelSize; // local_mixer
  macs += N * C * C; // mixer
  return macs;
}
