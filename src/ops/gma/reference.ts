/**
 * Float64 reference of EfficientAtt.forward (GMA). Images are NCHW [1, c, H, W]; tokens are
 * row-major. Maps: k_softmax [8, N, Ch] (softmax of the aggregated k over tokens) and
 * attn_eff [8, N, N] = scale·q'·k_softmaxᵀ (CRPE and Agg_0 are not part of the map).
 */
import { batchNormEval, conv2d, depthwiseConv2d, hardswish, layerNorm, linear } from '../../tensor/ops';
import type { Tensor } from '../../tensor/tensor';
import type { OpOutput, Params } from '../types';
import { requireParam } from '../common/params';
import { GMA_CRPE_SPLIT, GMA_SEG_KERNEL, gmaDims, gmaSegmentOn, validateGma, type GmaConfig } from './spec';

/** tokens [N, ld] columns [c0, c0+n) → image [1, n, H, W]. */
function toImage(src: Float64Array, ld: number, c0: number, n: number, H: number, W: number): Tensor {
  const N = H * W;
  const out = new Float64Array(n * N);
  for (let t = 0; t < N; t++) for (let ch = 0; ch < n; ch++) out[ch * N + t] = src[t * ld + c0 + ch];
  return { shape: [1, n, H, W], data: out };
}

/** image [1, n, H, W] → tokens [N, n]. */
function toTokens(img: Tensor): Float64Array {
  const [, n, H, W] = img.shape;
  const N = H * W;
  const out = new Float64Array(N * n);
  for (let ch = 0; ch < n; ch++) for (let t = 0; t < N; t++) out[t * n + ch] = img.data[ch * N + t];
  return out;
}

function concatChannels(imgs: Tensor[]): Tensor {
  const [, , H, W] = imgs[0].shape;
  const n = imgs.reduce((a, t) => a + t.shape[1], 0);
  const data = new Float64Array(n * H * W);
  let off = 0;
  for (const t of imgs) {
    data.set(t.data, off);
    off += t.data.length;
  }
  return { shape: [1, n, H, W], data };
}

const hswishT = (t: Tensor): Tensor => ({ shape: t.shape, data: t.data.map(hardswish) });

function bnEval(x: Tensor, p: Params, prefix: string): Tensor {
  return batchNormEval(x, {
    weight: requireParam(p, `${prefix}.weight`),
    bias: requireParam(p, `${prefix}.bias`),
    mean: requireParam(p, `${prefix}.running_mean`),
    variance: requireParam(p, `${prefix}.running_var`),
  }, 1e-5);
}

/** SeparableConv2d: depthwise k×k (no bias) then pointwise 1×1 (no bias), stride 1. */
function sepConv(x: Tensor, p: Params, prefix: string, pad: number): Tensor {
  const dw = depthwiseConv2d(x, requireParam(p, `${prefix}.conv1.weight`), undefined, { padding: pad });
  return conv2d(dw, requireParam(p, `${prefix}.pointwise_conv.weight`), undefined);
}

/** Aggregator segments 0..3 of one of q/k/v (shared weights) → tokens [N, 4s]. */
function aggregate(img: Tensor, p: Params, c: GmaConfig, s: number): Float64Array {
  const [, , H, W] = img.shape;
  const seg = (j: number): Tensor => ({ shape: [1, s, H, W], data: img.data.slice(j * s * H * W, (j + 1) * s * H * W) });
  const outs: Tensor[] = [];
  for (let j = 0; j < 4; j++) {
    if (!gmaSegmentOn(c, j)) {
      outs.push({ shape: [1, s, H, W], data: new Float64Array(s * H * W) });
      continue;
    }
    const k = GMA_SEG_KERNEL[j];
    const mixed = j === 0 ? seg(0) : sepConv(seg(j), p, `aggregator.agg${j}`, (k - 1) / 2);
    outs.push(hswishT(bnEval(mixed, p, `aggregator.norm${j}`)));
  }
  return toTokens(concatChannels(outs));
}

export function gmaReference(x: Tensor, p: Params, c: GmaConfig): OpOutput {
  validateGma(c);
  const { N, s, Cp, Ch, scale } = gmaDims(c);
  const C = c.dim;
  const nh = c.heads;
  const { H, W } = c;

  // 1. qkv Linear: row t = [q (C) | k (C) | v (C)].
  const qkv = linear({ shape: [N, C], data: x.data }, requireParam(p, 'qkv.weight'), p['qkv.bias']).data;
  const img = (which: number) => toImage(qkv, 3 * C, which * C, C, H, W);
  const [qi, ki, vi] = [img(0), img(1), img(2)];

  // 2. Aggregated q', k', v' [N, 4s], channel = head·Ch + j.
  const [q, k, v] = [qi, ki, vi].map((t) => aggregate(t, p, c, s));

  // 3. Non-attention branch: [q4 | k4 | v4] → sep 3×3 (3s → s) → LayerNorm(s) → Hardswish.
  let agg0 = new Float64Array(N * s);
  if (gmaSegmentOn(c, 4)) {
    const seg4 = (t: Tensor): Tensor => ({ shape: [1, s, H, W], data: t.data.slice(4 * s * N, 5 * s * N) });
    const mixed = sepConv(concatChannels([seg4(qi), seg4(ki), seg4(vi)]), p, 'aggregator.agg0.conv', 1);
    const ln = layerNorm({ shape: [N, s], data: toTokens(mixed) }, requireParam(p, 'aggregator.agg0.norm.weight'), requireParam(p, 'aggregator.agg0.norm.bias'), 1e-5);
    agg0 = ln.data.map(hardswish);
  }

  // 4. Factorised attention per head: K̂ = softmax over tokens, E = q'·(K̂ᵀ v').
  const kSoft = new Float64Array(nh * N * Ch);
  const eff = new Float64Array(N * Cp);
  const attnEff = new Float64Array(nh * N * N);
  for (let e = 0; e < nh; e++) {
    for (let i = 0; i < Ch; i++) {
      const col = e * Ch + i;
      let mx = -Infinity;
      for (let t = 0; t < N; t++) mx = Math.max(mx, k[t * Cp + col]);
      let sum = 0;
      for (let t = 0; t < N; t++) sum += Math.exp(k[t * Cp + col] - mx);
      for (let t = 0; t < N; t++) kSoft[(e * N + t) * Ch + i] = Math.exp(k[t * Cp + col] - mx) / sum;
    }
    const M = new Float64Array(Ch * Ch);
    for (let t = 0; t < N; t++) {
      for (let i = 0; i < Ch; i++) {
        const ks = kSoft[(e * N + t) * Ch + i];
        for (let m = 0; m < Ch; m++) M[i * Ch + m] += ks * v[t * Cp + e * Ch + m];
      }
    }
    for (let t = 0; t < N; t++) {
      for (let m = 0; m < Ch; m++) {
        let a = 0;
        for (let i = 0; i < Ch; i++) a += q[t * Cp + e * Ch + i] * M[i * Ch + m];
        eff[t * Cp + e * Ch + m] = a;
      }
      for (let j = 0; j < N; j++) {
        let a = 0;
        for (let i = 0; i < Ch; i++) a += q[t * Cp + e * Ch + i] * kSoft[(e * N + j) * Ch + i];
        attnEff[(e * N + t) * N + j] = scale * a;
      }
    }
  }

  // 5. CRPE: depthwise convs (with bias) on v' as an image, head groups {3×3: 2, 5×5: 3, 7×7: 3}.
  const vImg = toImage(v, Cp, 0, Cp, H, W);
  const convs: Tensor[] = [];
  let c0 = 0;
  GMA_CRPE_SPLIT.forEach(([kk, nHeads], i) => {
    const n = nHeads * Ch;
    const part: Tensor = { shape: [1, n, H, W], data: vImg.data.slice(c0 * N, (c0 + n) * N) };
    convs.push(depthwiseConv2d(part, requireParam(p, `crpe.conv_list.${i}.weight`), requireParam(p, `crpe.conv_list.${i}.bias`), { padding: (kk - 1) / 2 }));
    c0 += n;
  });
  const crpe = toTokens(concatChannels(convs));

  // 6. Y = scale·E + q' ⊙ conv(v'), concat the Agg_0 branch, proj.
  const cat = new Float64Array(N * C);
  for (let t = 0; t < N; t++) {
    for (let ch = 0; ch < Cp; ch++) cat[t * C + ch] = scale * eff[t * Cp + ch] + q[t * Cp + ch] * crpe[t * Cp + ch];
    for (let ch = 0; ch < s; ch++) cat[t * C + Cp + ch] = agg0[t * s + ch];
  }
  const y = linear({ shape: [N, C], data: cat }, requireParam(p, 'proj.weight'), p['proj.bias']);
  return {
    y: { shape: [1, N, C], data: y.data },
    maps: { k_softmax: { shape: [nh, N, Ch], data: kSoft }, attn_eff: { shape: [nh, N, N], data: attnEff } },
  };
}
