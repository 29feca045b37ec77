/**
 * ViG's bidirectional gated linear attention from stock tfjs ops. tfjs has no scan, so each
 * direction uses the chunked parallel form of GLA (the `fla` library's "chunk" mode): inside a
 * chunk of CHUNK tokens the per-channel decay matrix exp(Γ_t − Γ_j) (j ≤ t) is materialised from
 * tf.cumsum of the log-decays; across chunks each chunk's state kᵀv is carried by a second,
 * chunk-level materialised decay matrix. Cost stays linear in L, and no factor exp(±Γ) of a long
 * prefix is formed (it would overflow float32 past a few hundred tokens). The backward scan is the
 * forward one on tf.reverse'd sequences.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Params } from '../../ops/types';
import { directionWeights, glaDims, validateGla, type GlaConfig } from '../../ops/gla/spec';
import { linear, silu, toNCHW, toNHWC, WeightStore, type TfjsForward } from './common';

/** Tokens per chunk of the parallel form. */
export const GLA_CHUNK = 64;

interface ChunkConsts {
  cs: number;
  nC: number;
  /** [cs, cs, 1]: 1 where j ≤ t */
  causal: tf.Tensor;
  /** [nC, nC, 1]: 1 where m < n */
  strict: tf.Tensor;
}

function chunkConsts(L: number, chunk: number, s: WeightStore): ChunkConsts {
  const cs = Math.min(chunk, L);
  const nC = Math.ceil(L / cs);
  const lower = (n: number, strict: boolean) => {
    const m = new Float32Array(n * n);
    for (let t = 0; t < n; t++) for (let j = 0; j < n; j++) m[t * n + j] = (strict ? j < t : j <= t) ? 1 : 0;
    return s.keep(tf.tensor3d(m, [n, n, 1]));
  };
  return { cs, nC, causal: lower(cs, false), strict: lower(nC, true) };
}

/**
 * One forward-direction GLA scan for all heads: q, k, g [h, L, dk], v [h, L, dv] → o [h, L, dv] with
 * o_t = scale·Σ_{j≤t} Σ_c q_tc k_jc exp(Γ_tc − Γ_jc) v_j, Γ = inclusive cumsum of g over t.
 */
export function glaChunked(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, g: tf.Tensor, scale: number, cc: ChunkConsts): tf.Tensor {
  const [h, L, dk] = q.shape as [number, number, number];
  const dv = v.shape[2] as number;
  const { cs, nC } = cc;
  const Lp = cs * nC;
  // zero tokens at the end change no earlier output (k = v = 0, no decay)
  const pad = (t: tf.Tensor) => (Lp > L ? tf.pad(t, [[0, 0], [0, Lp - L], [0, 0]]) : t);
  const qc = tf.reshape(pad(q), [h, nC, cs, dk]);
  const kc = tf.reshape(pad(k), [h, nC, cs, dk]);
  const vc = tf.reshape(pad(v), [h * nC, cs, dv]) as tf.Tensor3D;
  const gl = tf.cumsum(tf.reshape(pad(g), [h, nC, cs, dk]), 2); // Γ from the chunk start, inclusive

  // intra-chunk: A[t, j] = Σ_c q_tc k_jc exp(Γ_tc − Γ_jc), j ≤ t
  const diff = tf.sub(tf.expandDims(gl, 3), tf.expandDims(gl, 2)); // [h, nC, cs(t), cs(j), dk]
  const decay = tf.mul(tf.exp(tf.minimum(diff, 0)), cc.causal);
  const a = tf.sum(tf.mul(tf.mul(tf.expandDims(qc, 3), tf.expandDims(kc, 2)), decay), -1); // [h, nC, cs, cs]
  const intra = tf.matMul(tf.reshape(a, [h * nC, cs, cs]) as tf.Tensor3D, vc);

  // each chunk's state S_m = Σ_j (k_j ⊙ exp(Γ_end − Γ_j)) v_jᵀ  [h·nC, dk, dv]
  const total = tf.slice(gl, [0, 0, cs - 1, 0], [h, nC, 1, dk]); // [h, nC, 1, dk]
  const kd = tf.reshape(tf.mul(kc, tf.exp(tf.sub(total, gl))), [h * nC, cs, dk]) as tf.Tensor3D;
  const state = tf.reshape(tf.matMul(kd, vc, true, false), [h, nC, dk, dv]);
  // state entering chunk n: P_n = Σ_{m<n} exp(C_n − C_{m+1}) ⊙ S_m, C = exclusive cumsum of chunk totals
  const tot = tf.reshape(total, [h, nC, dk]);
  const cx = tf.cumsum(tot, 1, true);
  const ci = tf.add(cx, tot);
  const dc = tf.mul(tf.exp(tf.minimum(tf.sub(tf.expandDims(cx, 2), tf.expandDims(ci, 1)), 0)), cc.strict); // [h, n, m, dk]
  const dcT = tf.reshape(tf.transpose(dc, [0, 3, 1, 2]), [h * dk, nC, nC]) as tf.Tensor3D;
  const sT = tf.reshape(tf.transpose(state, [0, 2, 1, 3]), [h * dk, nC, dv]) as tf.Tensor3D;
  const prefix = tf.transpose(tf.reshape(tf.matMul(dcT, sT), [h, dk, nC, dv]), [0, 2, 1, 3]); // [h, nC, dk, dv]
  const qd = tf.reshape(tf.mul(qc, tf.exp(gl)), [h * nC, cs, dk]) as tf.Tensor3D;
  const inter = tf.matMul(qd, tf.reshape(prefix, [h * nC, dk, dv]) as tf.Tensor3D);

  const o = tf.reshape(tf.mul(tf.add(intra, inter), scale), [h, Lp, dv]);
  return Lp > L ? tf.slice(o, [0, 0, 0], [h, L, dv]) : o;
}

/** Per-head RMSNorm of [L, h, d] over d with weight [d]. */
function rmsNorm(x: tf.Tensor, w: tf.Tensor, eps: number): tf.Tensor {
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps))), w);
}

export function glaTfjs(p: Params, c: GlaConfig, chunk = GLA_CHUNK): TfjsForward {
  validateGla(c);
  const { L, C, K, V, dk, dv, scale } = glaDims(c);
  const h = c.heads;
  const s = new WeightStore(p);
  const wIn = s.depthwise('in_proj.0.weight');
  const wqkv = s.linear('qkv_proj.weight');
  const wg0 = s.linear('gk_proj.0.weight');
  const wg1 = s.linear('gk_proj.1.weight');
  const bg1 = s.raw('gk_proj.1.bias');
  const wo = s.linear('o_proj.weight');
  const gnw = s.raw('g_norm.weight');
  const lnw = s.raw('l_norm.weight');
  const wgp = s.linear('g_proj.weight');
  const bgp = s.raw('g_proj.bias');
  const cc = chunkConsts(L, chunk, s);
  const [wf, wb] = directionWeights(c);
  const heads = (t: tf.Tensor, n: number) => tf.transpose(tf.reshape(t, [L, h, n]), [1, 0, 2]); // [L, h·n] → [h, L, n]

  return {
    forward(x) {
      const img = c.layout === 'channels' ? toNHWC(x) : (tf.reshape(x, [1, c.H, c.W, C]) as tf.Tensor4D);
      let loc: tf.Tensor = tf.depthwiseConv2d(img, wIn, 1, 1);
      if (c.actInConv) loc = silu(loc);
      const xs = tf.reshape(loc, [L, C]);
      const qkv = linear(xs, wqkv);
      const q = heads(tf.slice(qkv, [0, 0], [L, K]), dk);
      const k = heads(tf.slice(qkv, [0, K], [L, K]), dk);
      const v = heads(tf.slice(qkv, [0, 2 * K], [L, V]), dv);
      let logDecay = tf.div(tf.logSigmoid(linear(linear(xs, wg0), wg1, bg1)), c.tau); // [L, 2K]
      if (c.clampMin !== null) logDecay = tf.maximum(logDecay, c.clampMin);
      let o: tf.Tensor | null = null;
      if (wf) o = tf.mul(glaChunked(q, k, v, heads(tf.slice(logDecay, [0, 0], [L, K]), dk), scale, cc), wf);
      if (wb) {
        const rev = (t: tf.Tensor) => tf.reverse(t, 1);
        const ob = rev(glaChunked(rev(q), rev(k), rev(v), rev(heads(tf.slice(logDecay, [0, K], [L, K]), dk)), scale, cc));
        o = o ? tf.add(o, tf.mul(ob, wb)) : tf.mul(ob, wb);
      }
      const on = rmsNorm(tf.transpose(o!, [1, 0, 2]), gnw, c.eps); // [L, h, dv]
      const ln = rmsNorm(tf.reshape(xs, [L, h, dv]), lnw, c.eps);
      let yc: tf.Tensor;
      if (c.locality === 'learned') {
        const gate = tf.reshape(tf.sigmoid(linear(xs, wgp, bgp)), [L, h, dv]);
        yc = tf.add(tf.mul(on, gate), tf.mul(ln, tf.sub(1, gate)));
      } else {
        yc = c.locality === 'off' ? on : ln;
      }
      if (c.outAct) yc = silu(yc);
      const y = linear(tf.reshape(yc, [L, V]), wo);
      return c.layout === 'channels' ? toNCHW(tf.reshape(y, [1, c.H, c.W, C])) : tf.reshape(y, [1, L, C]);
    },
    dispose: () => s.dispose(),
  };
}
