/**
 * GroupMixFormer's Group-Mix attention from stock tfjs ops. q, k and v share the aggregator
 * weights, so they run as one batch of 3 images: per segment a separable conv (depthwise then 1×1)
 * + BatchNorm + Hardswish; Agg_0 on the concatenated 5th segments with a LayerNorm from tf.moments;
 * factorised attention with the softmax of K over tokens; CRPE as three depthwise convs on v'.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Params } from '../../ops/types';
import { GMA_CRPE_SPLIT, GMA_SEG_KERNEL, gmaDims, gmaSegmentOn, validateGma, type GmaConfig } from '../../ops/gma/spec';
import { batchNormEval, hardswish, linear, WeightStore, type TfjsForward } from './common';

export function gmaTfjs(p: Params, c: GmaConfig): TfjsForward {
  validateGma(c);
  const { N, s: sw, Cp, Ch, scale } = gmaDims(c);
  const C = c.dim;
  const nh = c.heads;
  const { H, W } = c;
  const s = new WeightStore(p);
  const wqkv = s.linear('qkv.weight');
  const bqkv = s.opt('qkv.bias');
  const wp = s.linear('proj.weight');
  const bp = s.raw('proj.bias');
  const segs = [0, 1, 2, 3].map((j) => {
    if (!gmaSegmentOn(c, j)) return null;
    const bn = s.batchNorm(`aggregator.norm${j}`);
    if (j === 0) return { bn, dw: null, pw: null };
    return { bn, dw: s.depthwise(`aggregator.agg${j}.conv1.weight`), pw: s.conv(`aggregator.agg${j}.pointwise_conv.weight`) };
  });
  const agg0 = gmaSegmentOn(c, 4)
    ? {
      dw: s.depthwise('aggregator.agg0.conv.conv1.weight'),
      pw: s.conv('aggregator.agg0.conv.pointwise_conv.weight'),
      w: s.raw('aggregator.agg0.norm.weight'),
      b: s.raw('aggregator.agg0.norm.bias'),
    }
    : null;
  const crpe = GMA_CRPE_SPLIT.map(([k, n], i) => ({ k, n: n * Ch, w: s.depthwise(`crpe.conv_list.${i}.weight`), b: s.raw(`crpe.conv_list.${i}.bias`) }));
  const heads = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [N, nh, Ch]), [1, 0, 2]) as tf.Tensor3D; // [.., Cp] → [nh, N, Ch]

  return {
    forward(x) {
      const qkv = linear(tf.reshape(x, [N, C]), wqkv, bqkv);
      const imgs = tf.transpose(tf.reshape(qkv, [H, W, 3, C]), [2, 0, 1, 3]) as tf.Tensor4D; // q, k, v as a batch of 3 NHWC images
      const parts = tf.split(imgs, [sw, sw, sw, sw, sw], 3) as tf.Tensor4D[];
      const aggregated = segs.map((seg, j) => {
        if (!seg) return tf.zeros([3, H, W, sw]);
        const k = GMA_SEG_KERNEL[j];
        const mixed = seg.dw && seg.pw ? tf.conv2d(tf.depthwiseConv2d(parts[j], seg.dw, 1, (k - 1) / 2), seg.pw, 1, 'valid') : parts[j];
        return hardswish(batchNormEval(mixed, seg.bn));
      });
      const agg = tf.concat(aggregated, 3); // [3, H, W, Cp]
      const [qa, ka, va] = tf.unstack(agg).map((t) => tf.reshape(t, [N, Cp]));

      let branch0: tf.Tensor = tf.zeros([N, sw]);
      if (agg0) {
        const cat = tf.reshape(tf.transpose(parts[4], [1, 2, 0, 3]), [1, H, W, 3 * sw]) as tf.Tensor4D; // [q4 | k4 | v4]
        const mixed = tf.reshape(tf.conv2d(tf.depthwiseConv2d(cat, agg0.dw, 1, 1), agg0.pw, 1, 'valid'), [N, sw]);
        const { mean, variance } = tf.moments(mixed, -1, true);
        branch0 = hardswish(tf.add(tf.mul(tf.mul(tf.sub(mixed, mean), tf.rsqrt(tf.add(variance, 1e-5))), agg0.w), agg0.b));
      }

      // factorised attention: softmax of K over tokens, q'·(K̂ᵀ v')
      const q = heads(qa);
      const kSoftT = tf.softmax(tf.transpose(heads(ka), [0, 2, 1])) as tf.Tensor3D; // [nh, Ch, N]
      const eff = tf.matMul(q, tf.matMul(kSoftT, heads(va))); // [nh, N, Ch]
      const effTokens = tf.reshape(tf.transpose(eff, [1, 0, 2]), [N, Cp]);
      // CRPE on v' as an image, head groups of 3×3 / 5×5 / 7×7
      const vImg = tf.reshape(va, [1, H, W, Cp]);
      const vParts = tf.split(vImg, crpe.map((g) => g.n), 3) as tf.Tensor4D[];
      const conv = tf.reshape(tf.concat(crpe.map((g, i) => tf.fused.depthwiseConv2d({ x: vParts[i], filter: g.w, strides: 1, pad: (g.k - 1) / 2, bias: g.b })), 3), [N, Cp]);
      const att = tf.add(tf.mul(effTokens, scale), tf.mul(qa, conv));
      return tf.reshape(linear(tf.concat([att, branch0], 1), wp, bp), [1, N, C]);
    },
    dispose: () => s.dispose(),
  };
}
