/** timm Attention from stock tfjs ops: qkv Linear, q·kᵀ, softmax, ·v, proj (the textbook form). */
import * as tf from '@tensorflow/tfjs-core';
import type { Params } from '../../ops/types';
import type { MhsaConfig } from '../../ops/mhsa/spec';
import { linear, WeightStore, type TfjsForward } from './common';

export function mhsaTfjs(p: Params, c: MhsaConfig): TfjsForward {
  const s = new WeightStore(p);
  const wqkv = s.linear('qkv.weight');
  const bqkv = s.opt('qkv.bias');
  const wp = s.linear('proj.weight');
  const bp = s.opt('proj.bias');
  const N = c.H * c.W;
  const hd = c.dim / c.heads;
  const scale = hd ** -0.5;
  return {
    forward(x) {
      const qkv = tf.transpose(tf.reshape(linear(tf.reshape(x, [N, c.dim]), wqkv, bqkv), [N, 3, c.heads, hd]), [1, 2, 0, 3]); // [3, h, N, hd]
      const [q, k, v] = tf.unstack(qkv) as tf.Tensor3D[];
      const attn = tf.softmax(tf.matMul(tf.mul(q, scale), k, false, true));
      const o = tf.reshape(tf.transpose(tf.matMul(attn, v), [1, 0, 2]), [N, c.dim]);
      return tf.reshape(linear(o, wp, bp), [1, N, c.dim]);
    },
    dispose: () => s.dispose(),
  };
}
