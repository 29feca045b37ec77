/**
 * VVT Vicinity attention from stock tfjs ops, in the official linear-time order: ReLU features
 * re-weighted by the cos/sin table, φ(K)ᵀV and Σφ(K) per head, φ(Q)·KV and the normaliser, the five
 * abs_clamps where the code has them, out_proj and the SE gate.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Params } from '../../ops/types';
import { validateVicinity, vicinityDims, type VicinityConfig } from '../../ops/vicinity/spec';
import { vicinityTrig } from '../../ops/vicinity/angles';
import { linear, WeightStore, type TfjsForward } from './common';

const EPS = 1e-4;

/** abs_clamp: sign(t)·clamp(|t|, 1e-4, 1e4). */
const absClamp = (t: tf.Tensor): tf.Tensor => tf.mul(tf.sign(t), tf.clipByValue(tf.abs(t), 1e-4, 1e4));

export function vicinityTfjs(p: Params, c: VicinityConfig): TfjsForward {
  validateVicinity(c);
  const { N, r, d } = vicinityDims(c);
  const C = c.dim;
  const h = c.heads;
  const s = new WeightStore(p);
  const [wq, bq, wk, bk, wv, bv] = ['q_proj', 'k_proj', 'v_proj'].flatMap((n) => [s.linear(`${n}.weight`), s.raw(`${n}.bias`)]) as [tf.Tensor2D, tf.Tensor, tf.Tensor2D, tf.Tensor, tf.Tensor2D, tf.Tensor];
  const wo = s.linear('out_proj.weight');
  const bo = s.raw('out_proj.bias');
  const se0 = s.linear('se_fc.0.weight');
  const se2 = s.linear('se_fc.2.weight');
  // [N, 1, 4, 1]: (cos a, sin a, cos b, sin b) per token, the 4 blocks of φ
  const trig = s.keep(tf.tensor4d(Float32Array.from(vicinityTrig(c)), [N, 1, 4, 1]));
  // [N, r] → φ per head [h, N, 4d]
  const phi = (t: tf.Tensor) => tf.reshape(tf.transpose(tf.mul(tf.reshape(t, [N, h, 1, d]), trig), [1, 0, 2, 3]), [h, N, 4 * d]) as tf.Tensor3D;

  return {
    forward(x) {
      const u = tf.reshape(x, [N, C]);
      const gate = tf.sigmoid(linear(linear(tf.mean(u, 0, true), se0, undefined, 'relu'), se2)); // [1, C]
      const pq = phi(linear(u, wq, bq, 'relu'));
      const pk = phi(linear(u, wk, bk, 'relu'));
      const v = tf.transpose(tf.reshape(linear(u, wv, bv), [N, h, d]), [1, 0, 2]) as tf.Tensor3D;
      const kv = absClamp(tf.matMul(pk, v, true, false)) as tf.Tensor3D; // [h, 4d, d]
      const ksum = tf.sum(pk, 1, true); // [h, 1, 4d]
      const z = absClamp(tf.reciprocal(tf.add(tf.sum(tf.mul(pq, ksum), -1, true), EPS))); // [h, N, 1]
      const o = absClamp(tf.mul(absClamp(tf.matMul(pq, kv)), z)); // [h, N, d]
      const y = absClamp(linear(tf.reshape(tf.transpose(o, [1, 0, 2]), [N, r]), wo, bo));
      return tf.reshape(absClamp(tf.add(y, tf.mul(y, gate))), [1, N, C]);
    },
    dispose: () => s.dispose(),
  };
}
