/**
 * Group-Mix attention of one sample without the maps: the computation of src/ops/gma/reference.ts
 * (gmaReference), which also materialises attn_eff [8, N, N] — 630 MB at a 56×56 grid. Works
 * channel-first so the aggregators are plain depthwise / pointwise convs. tests/node/
 * model-gmf.test.ts checks it against gmaReference.
 */
import { hardswish, layerNorm } from '../../tensor/ops';
import type { Tensor } from '../../tensor/tensor';
import type { Params } from '../../ops/types';
import { GMA_CRPE_SPLIT, GMA_SEG_KERNEL, gmaDims, gmaSegmentOn, validateGma, type GmaConfig } from '../../ops/gma/spec';
import { applyInPlace, bnByPrefix, depthwiseFast, linearFast, need, pointwiseConv, tokensToImage } from '../nn-cpu';

/** Channels [c0, c0+n) of a [1, C, H, W] image. */
function channels(img: Tensor, c0: number, n: number): Tensor {
  const [, , H, W] = img.shape;
  return { shape: [1, n, H, W], data: img.data.slice(c0 * H * W, (c0 + n) * H * W) };
}

/** SeparableConv2d: depthwise k×k then 1×1, no biases (a bias appears only after BN folding). */
function sepConv(x: Tensor, p: Params, prefix: string, k: number): Tensor {
  const dw = depthwiseFast(x, need(p, `${prefix}.conv1.weight`), p[`${prefix}.conv1.bias`], { padding: (k - 1) >> 1 });
  return pointwiseConv(dw, need(p, `${prefix}.pointwise_conv.weight`), p[`${prefix}.pointwise_conv.bias`]);
}

/** u [N, C] (or [1, N, C]) → y [1, N, C]; p = the block's `att.` sub-state-dict. */
export function gmaNoMaps(u: Tensor, p: Params, c: GmaConfig): Tensor {
  validateGma(c);
  const { N, s, Cp, Ch, scale } = gmaDims(c);
  const C = c.dim;
  const { H, W } = c;
  const qkv = linearFast({ shape: [1, N, C], data: u.data }, need(p, 'qkv.weight'), p['qkv.bias']);
  const img = tokensToImage(qkv, H, W); // channels: q [0, C), k [C, 2C), v [2C, 3C)

  // Aggregated q', k', v' [4s, N] (channel-first); segment j = channels [j·s, (j+1)·s).
  const agg = [0, 1, 2].map((which) => {
    const out = new Float64Array(Cp * N);
    for (let j = 0; j < 4; j++) {
      if (!gmaSegmentOn(c, j)) continue;
      const seg = channels(img, which * C + j * s, s);
      const mixed = j === 0 ? seg : sepConv(seg, p, `aggregator.agg${j}`, GMA_SEG_KERNEL[j]);
      const y = applyInPlace(bnByPrefix(mixed, p, `aggregator.norm${j}`), hardswish);
      out.set(y.data, j * s * N);
    }
    return out;
  });
  const [q, k, v] = agg;

  // Non-attention branch: [q4 | k4 | v4] → SepConv 3×3 (3s → s) → LayerNorm(s, 1e-5) → Hardswish, tokens [N, s].
  let agg0: Float64Array | null = null;
  if (gmaSegmentOn(c, 4)) {
    const cat = new Float64Array(3 * s * N);
    for (let which = 0; which < 3; which++) cat.set(img.data.subarray((which * C + 4 * s) * N, (which * C + 5 * s) * N), which * s * N);
    const mixed = sepConv({ shape: [1, 3 * s, H, W], data: cat }, p, 'aggregator.agg0.conv', 3);
    const tok = new Float64Array(N * s);
    for (let ch = 0; ch < s; ch++) for (let t = 0; t < N; t++) tok[t * s + ch] = mixed.data[ch * N + t];
    agg0 = layerNorm({ shape: [N, s], data: tok }, need(p, 'aggregator.agg0.norm.weight'), need(p, 'aggregator.agg0.norm.bias'), 1e-5).data;
    for (let i = 0; i < agg0.length; i++) agg0[i] = hardswish(agg0[i]);
  }

  // Softmax of k' over tokens, per channel (rows of the channel-first layout).
  const ks = new Float64Array(Cp * N);
  for (let ch = 0; ch < Cp; ch++) {
    const o = ch * N;
    let mx = -Infinity;
    for (let t = 0; t < N; t++) if (k[o + t] > mx) mx = k[o + t];
    let sum = 0;
    for (let t = 0; t < N; t++) {
      const e = Math.exp(k[o + t] - mx);
      ks[o + t] = e;
      sum += e;
    }
    for (let t = 0; t < N; t++) ks[o + t] /= sum;
  }

  // CRPE: depthwise convs (with bias) on v' in head groups {3×3: 2, 5×5: 3, 7×7: 3}.
  const crpe = new Float64Array(Cp * N);
  let c0 = 0;
  GMA_CRPE_SPLIT.forEach(([kk, nh], i) => {
    const n = nh * Ch;
    const part: Tensor = { shape: [1, n, H, W], data: v.subarray(c0 * N, (c0 + n) * N) as Float64Array };
    crpe.set(depthwiseFast(part, need(p, `crpe.conv_list.${i}.weight`), need(p, `crpe.conv_list.${i}.bias`), { padding: (kk - 1) >> 1 }).data, c0 * N);
    c0 += n;
  });

  // Per head: M = K̂ᵀV (Ch×Ch), E = q'M; Y = scale·E + q' ⊙ crpe, written as tokens [N, C] with Agg_0 last.
  const cat = new Float64Array(N * C);
  const M = new Float64Array(Ch * Ch);
  for (let e = 0; e < c.heads; e++) {
    M.fill(0);
    for (let i = 0; i < Ch; i++) {
      const ko = (e * Ch + i) * N;
      for (let m = 0; m < Ch; m++) {
        const vo = (e * Ch + m) * N;
        let acc = 0;
        for (let t = 0; t < N; t++) acc += ks[ko + t] * v[vo + t];
        M[i * Ch + m] = acc;
      }
    }
    for (let m = 0; m < Ch; m++) {
      const ch = e * Ch + m;
      for (let t = 0; t < N; t++) {
        let acc = 0;
        for (let i = 0; i < Ch; i++) acc += q[(e * Ch + i) * N + t] * M[i * Ch + m];
        cat[t * C + ch] = scale * acc + q[ch * N + t] * crpe[ch * N + t];
      }
    }
  }
  if (agg0) for (let t = 0; t < N; t++) for (let ch = 0; ch < s; ch++) cat[t * C + Cp + ch] = agg0[t * s + ch];
  const y = linearFast({ shape: [N, C], data: cat }, need(p, 'proj.weight'), p['proj.bias']);
  return { shape: [1, N, C], data: y.data };
}
