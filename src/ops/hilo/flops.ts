import { hiloDerived } from './spec';
import type { HiloConfig } from './spec';

export interface HiloBranchMacs {
  hifiMacs: number;
  lofiMacs: number;
}

/**
 * MACs per branch of `hilo.py` HiLo.flops(H, W): everything on the padded grid Hp×Wp (the padded
 * forward really runs the Linears on the padded tokens, so FlopCounterMode counts the same).
 * Hi-Fi: qkv + window q·kᵀ and A·v + proj. Lo-Fi: q + k,v on the M keys + q·kᵀ and A·v + proj.
 */
export function hiloBranchMacs(c: HiloConfig): HiloBranchMacs {
  const g = hiloDerived(c);
  const Np = g.Hp * g.Wp;
  const C = g.C;
  const hifiMacs = g.hHeads > 0 ? Np * C * 3 * g.hDim + g.G * g.T * g.T * g.hDim * 2 + Np * g.hDim * g.hDim : 0;
  const lofiMacs = g.lHeads > 0 ? Np * C * g.lDim + g.M * C * 2 * g.lDim + Np * g.lDim * g.M * 2 + Np * g.lDim * g.lDim : 0;
  return { hifiMacs, lofiMacs };
}

/** Multiply-accumulates as the fixtures count them (matmul/linear only). */
export function hiloMacs(c: HiloConfig): number {
  const { hifiMacs, lofiMacs } = hiloBranchMacs(c);
  return hifiMacs + lofiMacs;
}

/**
 * The official `hilo.py` HiLo.flops(H, W), term by term (README: dim 384, 12 heads, ws 2,
 * alpha 0.5, 14×14 → 83,467,776). Branches with 0 heads contribute 0 through h_dim / l_dim = 0
 * (for ws = 1 the official kv_len is (Hp/1)·(Wp/1) = N, which is our M).
 */
export function hiloOfficialFlops(c: HiloConfig): number {
  const g = hiloDerived(c);
  const ws = c.ws;
  const Np = g.Hp * g.Wp;
  let hifi = Np * g.C * g.hDim * 3;
  const nW = Math.floor(g.Hp / ws) * Math.floor(g.Wp / ws);
  hifi += nW * (ws * ws) * (ws * ws) * g.hDim * 2;
  hifi += Np * g.hDim * g.hDim;
  let lofi = Np * g.C * g.lDim;
  const kvLen = Math.floor(g.Hp / ws) * Math.floor(g.Wp / ws);
  lofi += kvLen * g.C * g.lDim * 2;
  lofi += Np * g.lDim * kvLen * 2;
  lofi += Np * g.lDim * g.lDim;
  return hifi + lofi;
}
