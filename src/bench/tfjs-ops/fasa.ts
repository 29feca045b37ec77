/**
 * FAT's FASA from stock tfjs ops (NHWC inside, channel-first at the boundary): 1×1 convs, the
 * strided depthwise + BatchNorm downsampler, softmax attention to the pooled keys, the depthwise
 * local mixer and the bidirectional modulation.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Params } from '../../ops/types';
import { FASA_POOL_KERNEL, poolSteps, pooledGrids, validateFasa, type FasaConfig } from '../../ops/fasa/spec';
import { batchNormEval, silu, toNCHW, toNHWC, WeightStore, type TfjsForward } from './common';

export function fasaTfjs(p: Params, c: FasaConfig): TfjsForward {
  validateFasa(c);
  const C = c.dim;
  const N = c.H * c.W;
  const d = C / c.heads;
  const scalor = d ** -0.5;
  const s = new WeightStore(p);
  const wq = s.conv('q.weight');
  const bq = s.raw('q.bias');
  const wkv = s.conv('kv.weight');
  const bkv = s.raw('kv.bias');
  const wl = s.depthwise('local_mixer.weight');
  const bl = s.raw('local_mixer.bias');
  const wm = s.conv('mixer.weight');
  const bm = s.raw('mixer.bias');
  const steps = poolSteps(c);
  const pool = Array.from({ length: steps }, (_, t) => ({
    conv: s.depthwise(`pool.conv${t}.weight`),
    bias: s.raw(`pool.conv${t}.bias`),
    bn: s.batchNorm(`pool.bn${t}`),
    lin: t < steps - 1 ? { w: s.conv(`pool.linear${t}.weight`), b: s.raw(`pool.linear${t}.bias`) } : null,
  }));
  const grids = pooledGrids(c);
  const M = steps ? grids[steps - 1][0] * grids[steps - 1][1] : N;
  const heads = (t: tf.Tensor, n: number) => tf.transpose(tf.reshape(t, [n, c.heads, d]), [1, 0, 2]) as tf.Tensor3D; // [n, C] → [h, n, d]

  return {
    forward(x) {
      const xh = toNHWC(x);
      const q = tf.fused.conv2d({ x: xh, filter: wq, strides: 1, pad: 'valid', bias: bq });
      let P: tf.Tensor4D = xh;
      for (const st of pool) {
        P = tf.fused.depthwiseConv2d({ x: P, filter: st.conv, strides: 2, pad: FASA_POOL_KERNEL >> 1, bias: st.bias });
        P = batchNormEval(P, st.bn) as tf.Tensor4D;
        if (st.lin) P = tf.fused.conv2d({ x: P, filter: st.lin.w, strides: 1, pad: 'valid', bias: st.lin.b });
      }
      const kv = tf.reshape(tf.fused.conv2d({ x: P, filter: wkv, strides: 1, pad: 'valid', bias: bkv }), [M, 2 * C]);
      const k = heads(tf.slice(kv, [0, 0], [M, C]), M);
      const v = heads(tf.slice(kv, [0, C], [M, C]), M);
      const attn = tf.softmax(tf.mul(tf.matMul(heads(tf.reshape(q, [N, C]), N), k, false, true), scalor));
      const g = tf.reshape(tf.transpose(tf.matMul(attn, v), [1, 0, 2]), [1, c.H, c.W, C]);
      const l0 = tf.fused.depthwiseConv2d({ x: q, filter: wl, strides: 1, pad: c.kernelSize >> 1, bias: bl });
      const z = tf.mul(tf.mul(silu(l0), tf.sigmoid(g)), g) as tf.Tensor4D;
      return toNCHW(tf.fused.conv2d({ x: z, filter: wm, strides: 1, pad: 'valid', bias: bm }));
    },
    dispose: () => s.dispose(),
  };
}
