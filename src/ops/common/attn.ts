/**
 * Launch shape of the attention core shared by mhsa, HiLo's Lo-Fi branch and FASA
 * (kernels/lib/flash_attn.wgsl, through kernels/attn.wgsl and kernels/fasa_attn_gated.wgsl).
 * A workgroup is 256 threads = TQ query threads × S key splits; each thread holds QB queries and
 * scores KB keys per staged tile. The shape is (S, QB) = (4, 1): 64 queries share every staged key
 * and value tile; (16, 1) only when that leaves fewer than 16 workgroups (small grids need the
 * threads more than the reuse). Timed on an H100 (bench-node --attn-shape, BENCHMARKS.md
 * 2026-12-06) against (2|4|8|16, 1|2) and one-split 64-thread shapes: (4, 1) was fastest or within
 * 8 % at 14², 28² and 56² for mhsa and FASA (mhsa 56²: 0.25 ms, against 0.94 for the (8, 2) chosen
 * before; two queries per thread were slower at every split count above one).
 * KB ≤ 8 is cut so the K and V tiles fit 16 KiB of workgroup memory and a tile holds no more keys
 * than there are.
 */
export interface AttnShape {
  defines: { HD: number; HD4: number; QB: number; TQ: number; S: number; KB: number; SH: number };
  /** workgroups along x (query blocks); y and z are the caller's (heads, images) */
  blocks: number;
}

/**
 * A forced launch shape (bench-node --attn-shape=S×QB[×WG]), to time shapes against each other on
 * a GPU; empty (attnShape's own choice) everywhere else.
 */
export const attnShapeForce: { S?: number; QB?: number; WG?: number } = {};

/** N queries over M keys at head size hd; `groups` workgroup rows besides (heads × images). */
export function attnShape(N: number, M: number, hd: number, groups: number): AttnShape {
  const WG = attnShapeForce.WG ?? 256;
  const HD4 = Math.ceil(hd / 4);
  const blocksAt = (S: number, QB: number) => Math.ceil(N / ((WG / S) * QB));
  const [S, QB] = attnShapeForce.S ? [attnShapeForce.S, attnShapeForce.QB ?? 1] : [blocksAt(4, 1) * groups >= 16 ? 4 : 16, 1];
  const TQ = WG / S;
  let KB = Math.min(8, Math.ceil(M / S));
  while (KB > 1 && 2 * S * KB * HD4 > 1024) KB--;
  if (2 * S * KB * HD4 > 1024) throw new Error(`attention: head size ${hd} too large for the GPU path`);
  return { defines: { HD: hd, HD4, QB, TQ, S, KB, SH: Math.max(2 * S * KB * HD4, WG * QB) }, blocks: blocksAt(S, QB) };
}
