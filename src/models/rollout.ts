/**
 * Attention rollout (Abnar & Zuidema 2020) for every family, from per-site captured attention
 * inputs and the ops' own map tensors.
 *
 * Each attention layer l gets an effective token-mixing matrix A_l (N_l × N_l, rows = queries):
 * the head mean of the op's effective weights of key j in query t's output, as absolute values
 * normalised to sum 1 per row (softmax rows are already that; signed linear-attention weights are
 * not). With the residual, layer l mixes by Ã_l = ½·A_l + ½·I, and the rollout row of query q is
 * e_qᵀ·Ã_L·…·Ã_1: how much each input token of the first attention layer reaches q's output at
 * the last one. Between layers on different grids (hierarchical stages) the row is carried by
 * mass-preserving nearest resampling (each coarse token's share spread evenly over the fine
 * tokens under it). The result is drawn on the first layer's grid.
 */
import { opByName } from '../ops/registry';
import type { Params } from '../ops/types';
import type { Tensor } from '../tensor/tensor';
import { directionWeights, type GlaConfig } from '../ops/gla/spec';
import type { FasaConfig } from '../ops/fasa/spec';
import { pooledHW } from '../ops/fasa/spec';
import { knobSites } from './knob-apply';
import type { KnobSetting } from './knobs';
import type { AnyModel } from './types';

/** One layer's effective mixing: A [N·N] row-stochastic (rows of |weights| normalised), on an H×W grid. */
export interface MixingLayer {
  A: Float64Array;
  H: number;
  W: number;
}

const DEFINITIONS: Record<string, string> = {
  vig: 'ViG has no softmax: A_l[t, j] = |Σ_h (w_f·attn_f + w_b·attn_b)[h, t, j]|, the signed effective weights of the forward and backward gated scans (decay and q·k included, the trained merge weights w_f, w_b), row-normalised. Rollout = e_qᵀ·Π_l (½·A_l + ½·I) over every block (one grid).',
  vig_h: 'ViG-H has no softmax: A_l[t, j] = |Σ_h (w_f·attn_f + w_b·attn_b)[h, t, j]|, the signed effective weights of both gated scans, row-normalised. Rollout = e_qᵀ·Π_l (½·A_l + ½·I) over every block of the four stages; between stages the row is spread evenly from each coarse token to the 2×2 fine tokens under it.',
  litv2: 'LITv2: A_l = head mean of HiLo\'s effective map (Hi-Fi heads: the softmax row inside the query\'s window; Lo-Fi heads: the softmax over pooled keys, each cell\'s probability spread over its ws² tokens). Rollout = e_qᵀ·Π_l (½·A_l + ½·I) over the HiLo blocks of stages 3 and 4 (the first two stages have no attention), stage 4 spread onto stage 3\'s grid.',
  vvt: 'VVT\'s linear attention has no softmax: A_l[t, j] = |mean_h z_t·φ(q_t)·φ(k_j)|, the Vicinity weights with the cos/sin Manhattan re-weighting included, row-normalised. Rollout = e_qᵀ·Π_l (½·A_l + ½·I) over all blocks of the four stages, each stage spread onto the previous, finer grid.',
  fat: 'FAT: A_l = head mean of FASA\'s global softmax over pooled keys, each pooled key\'s probability spread evenly over the ws×ws pixels it pools (the local conv branch is not attention and is left out). Rollout = e_qᵀ·Π_l (½·A_l + ½·I) over all blocks, each stage spread onto the previous, finer grid.',
  gmf: 'GroupMixFormer\'s factorised attention has no N×N softmax: A_l[t, j] = |mean_h attn_eff[h, t, j]| with attn_eff = scale·q\'_t·softmax_N(k\')_jᵀ per head (CRPE and the non-attention branch Agg_0 are not token mixing by attention and are left out), row-normalised. Rollout = e_qᵀ·Π_l (½·A_l + ½·I) over all blocks, each stage spread onto the previous, finer grid.',
};

/** The rollout definition of a family (the UI shows it next to the map). */
export function rolloutDefinition(family: string): string {
  return DEFINITIONS[family] ?? 'softmax attention rollout: e_qᵀ·Π_l (½·A_l + ½·I), A_l the head mean of the attention rows.';
}

/** Row-normalise |M| in place, rows of N (a row of zeros stays zeros). */
function normaliseRows(M: Float64Array, N: number): Float64Array {
  for (let t = 0; t < N; t++) {
    let s = 0;
    for (let j = 0; j < N; j++) s += M[t * N + j] = Math.abs(M[t * N + j]);
    if (s > 0) for (let j = 0; j < N; j++) M[t * N + j] /= s;
  }
  return M;
}

/** Sum of heads [h, N, M] → [N, M] (optionally weighted). */
function headSum(maps: ArrayLike<number>, h: number, size: number, out: Float64Array = new Float64Array(size), wt = 1): Float64Array {
  for (let e = 0; e < h; e++) for (let i = 0; i < size; i++) out[i] += wt * maps[e * size + i];
  return out;
}

/**
 * A layer's effective mixing from the op's map tensors (all query rows: the CPU reference's maps,
 * or the GPU op with `maps: true`), for the site's op config (at the knob setting, if any).
 */
export function effectiveMixing(op: string, cfg: unknown, maps: Record<string, ArrayLike<number>>): MixingLayer {
  const c = cfg as { H: number; W: number; heads?: number };
  const { H, W } = c;
  const N = H * W;
  const need = (k: string) => {
    const m = maps[k];
    if (!m) throw new Error(`rollout: the ${op} maps lack '${k}'`);
    return m;
  };
  let A: Float64Array;
  if (op === 'gla' || op === 'gla2d') {
    const g = cfg as GlaConfig;
    const [wf, wb] = directionWeights(g);
    A = headSum(need('attn_f'), g.heads, N * N, undefined, wf);
    headSum(need('attn_b'), g.heads, N * N, A, wb);
  } else if (op === 'fasa') {
    const f = cfg as FasaConfig;
    const [Hp, Wp] = pooledHW(f);
    const M = Hp * Wp;
    const P = headSum(need('attn'), f.heads, N * M);
    A = new Float64Array(N * N);
    // pooled cell (uy, ux) covers rows ⌊y/ws⌋ = uy, columns ⌊x/ws⌋ = ux of the grid
    const cellOf = (j: number) => Math.floor(Math.floor(j / W) / f.ws) * Wp + Math.floor((j % W) / f.ws);
    const count = new Float64Array(M);
    for (let j = 0; j < N; j++) count[cellOf(j)]++;
    for (let t = 0; t < N; t++) for (let j = 0; j < N; j++) A[t * N + j] = P[t * M + cellOf(j)] / count[cellOf(j)];
  } else {
    const key = op === 'hilo' || op === 'gma' ? 'attn_eff' : 'attn';
    const m = need(key);
    A = headSum(m, m.length / (N * N), N * N);
  }
  return { A: normaliseRows(A, N), H, W };
}

/** Carry a row over the tokens of an sh×sw grid onto a dh×dw grid, keeping its total. */
export function resampleRow(r: Float64Array, sh: number, sw: number, dh: number, dw: number): Float64Array {
  if (sh === dh && sw === dw) return r;
  const out = new Float64Array(dh * dw);
  const src = (y: number, x: number) => Math.min(sh - 1, Math.floor(((y + 0.5) * sh) / dh)) * sw + Math.min(sw - 1, Math.floor(((x + 0.5) * sw) / dw));
  const count = new Float64Array(sh * sw);
  for (let y = 0; y < dh; y++) for (let x = 0; x < dw; x++) count[src(y, x)]++;
  for (let y = 0; y < dh; y++) for (let x = 0; x < dw; x++) {
    const s = src(y, x);
    out[y * dw + x] = r[s] / count[s];
  }
  return out;
}

/**
 * The rollout row of `query` (a token of the LAST layer's grid) through layers in forward order:
 * r ← e_q; for l = L…1: r ← resample(r) onto layer l's grid; r ← ½·r·A_l + ½·r. Sums to 1.
 */
export function rollout(layers: MixingLayer[], query: number): { values: Float64Array; H: number; W: number } {
  if (!layers.length) throw new Error('rollout: no attention layers');
  const last = layers[layers.length - 1];
  if (!(Number.isInteger(query) && query >= 0 && query < last.H * last.W)) throw new Error(`rollout: query ${query} outside the ${last.H}×${last.W} grid`);
  let r: Float64Array = new Float64Array(last.H * last.W);
  r[query] = 1;
  let [h, w] = [last.H, last.W];
  for (let l = layers.length - 1; l >= 0; l--) {
    const { A, H, W } = layers[l];
    r = resampleRow(r, h, w, H, W);
    [h, w] = [H, W];
    const N = H * W;
    const next = new Float64Array(N);
    for (let t = 0; t < N; t++) {
      const rt = r[t];
      if (rt === 0) continue;
      const row = t * N;
      for (let j = 0; j < N; j++) next[j] += 0.5 * rt * A[row + j];
      next[t] += 0.5 * rt;
    }
    r = next;
  }
  return { values: r, H: h, W: w };
}

/** How a layer's maps are computed from its captured input (default: the op's float64 reference). */
export type MapsOf = (op: string, x: Tensor, p: Params, cfg: unknown) => Promise<Record<string, ArrayLike<number>>>;

const referenceMaps: MapsOf = async (op, x, p, cfg) => {
  const impl = opByName(op);
  if (!impl) throw new Error(`rollout: no op '${op}'`);
  const out = impl.reference(x, p, cfg);
  return Object.fromEntries(Object.entries(out.maps).map(([k, t]) => [k, t.data]));
};

/**
 * The rollout map of `query` from a forward's captured attention inputs (forwardGpu with
 * `capture` = the sites, e.g. all of them): each captured site's op runs on its input with the
 * site's weights and config at `knobs`, and its maps give A_l. Sites not captured are skipped.
 */
export async function rolloutFromCaptures(
  model: AnyModel, cfg: unknown, w: Params, H: number, W: number, captures: Record<number, ArrayLike<number>>, query: number,
  o: { knobs?: KnobSetting; mapsOf?: MapsOf } = {},
): Promise<{ values: Float64Array; H: number; W: number; layers: number }> {
  const sites = model.attentionSites?.(cfg, H, W) ?? [];
  const cfgs = knobSites(sites, o.knobs);
  const layers: MixingLayer[] = [];
  for (let i = 0; i < sites.length; i++) {
    const x = captures[i];
    if (!x) continue;
    const site = sites[i];
    const scfg = cfgs?.[i] ?? site.opConfig;
    const impl = opByName(site.op)!;
    const maps = await (o.mapsOf ?? referenceMaps)(site.op, { shape: impl.inputShape(scfg), data: Float64Array.from(x) }, site.params(w), scfg);
    layers.push(effectiveMixing(site.op, scfg, maps));
  }
  return { ...rollout(layers, query), layers: layers.length };
}
