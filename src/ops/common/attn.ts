/**
 * Launch shape of the attention core shared by mhsa, HiLo's Lo-Fi branch and FASA
 * (kernels/lib/flash_attn.wgsl, through kernels/attn.wgsl and kernels/fasa_attn_gated.wgsl).
 * A workgroup is 256 threads = TQ query threads × S key splits; each thread holds QB queries and
 * scores KB keys per staged tile. (S, QB) is the first of (8, 2), (16, 2), (16, 1) that gives at
 * least 128 workgroups (about one per SM of a big GPU), else (16, 1): two queries per thread reuse
 * every staged key and value twice, but small grids need the threads more. Past head size 16 (q
 * and the accumulators of two queries would crowd the registers) QB = 1: (8, 1), else (16, 1).
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
  const shapes = hd <= 16 ? [[8, 2], [16, 2], [16, 1]] : [[8, 1], [16, 1]];
  const [S, QB] = attnShapeForce.S ? [attnShapeForce.S, attnShapeForce.QB ?? 1] : (shapes.find(([s, qb]) => blocksAt(s, qb) * groups >= 128) ?? [16, 1]);
  const TQ = WG / S;
  let KB = Math.min(8, Math.ceil(M / S));
  while (KB > 1 && 2 * S * KB * HD4 > 1024) KB--;
  if (2 * S * KB * HD4 > 1024) throw new Error(`attention: head size ${hd} too large for the GPU path`);
  return { defines: { HD: hd, HD4, QB, TQ, S, KB, SH: Math.max(2 * S * KB * HD4, WG * QB) }, blocks: blocksAt(S, QB) };
}
