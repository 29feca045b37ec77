/**
 * HiLo (LITv2, the padded seg/det forward) from stock tfjs ops: zero-pad, Hi-Fi window attention by
 * reshape/transpose into windows, Lo-Fi attention to tf.avgPool'ed keys, concat, crop.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Params } from '../../ops/types';
import { hiloDerived, type HiloConfig } from '../../ops/hilo/spec';
import { linear, WeightStore, type TfjsForward } from './common';

export function hiloTfjs(p: Params, c: HiloConfig): TfjsForward {
  const g = hiloDerived(c);
  const s = new WeightStore(p);
  const hi = g.hHeads > 0 ? { qkv: s.linear('h_qkv.weight'), bqkv: s.opt('h_qkv.bias'), proj: s.linear('h_proj.weight'), bproj: s.opt('h_proj.bias') } : null;
  const lo = g.lHeads > 0
    ? { q: s.linear('l_q.weight'), bq: s.opt('l_q.bias'), kv: s.linear('l_kv.weight'), bkv: s.opt('l_kv.bias'), proj: s.linear('l_proj.weight'), bproj: s.opt('l_proj.bias') }
    : null;
  const { C, d, Hp, Wp, Gh, Gw, G, T, M, N } = g;
  const Np = Hp * Wp;
  const ws = c.ws;

  function hifi(xp: tf.Tensor4D): tf.Tensor {
    const h = hi!;
    const nh = g.hHeads;
    // [1, Hp, Wp, C] → windows [G, T, C]
    const win = tf.reshape(tf.transpose(tf.reshape(xp, [Gh, ws, Gw, ws, C]), [0, 2, 1, 3, 4]), [G, T, C]);
    const qkv = tf.transpose(tf.reshape(linear(win, h.qkv, h.bqkv), [G, T, 3, nh, d]), [2, 0, 3, 1, 4]); // [3, G, nh, T, d]
    const [q, k, v] = tf.unstack(qkv).map((t) => tf.reshape(t, [G * nh, T, d]) as tf.Tensor3D);
    const attn = tf.softmax(tf.matMul(tf.mul(q, g.scale), k, false, true));
    const o = tf.transpose(tf.reshape(tf.matMul(attn, v), [G, nh, T, d]), [0, 2, 1, 3]); // [G, T, nh, d]
    const img = tf.reshape(tf.transpose(tf.reshape(o, [Gh, Gw, ws, ws, g.hDim]), [0, 2, 1, 3, 4]), [Np, g.hDim]);
    return linear(img, h.proj, h.bproj);
  }

  function lofi(xp: tf.Tensor4D): tf.Tensor {
    const l = lo!;
    const nh = g.lHeads;
    const tokens = tf.reshape(xp, [Np, C]);
    const q = tf.transpose(tf.reshape(linear(tokens, l.q, l.bq), [Np, nh, d]), [1, 0, 2]) as tf.Tensor3D;
    const src = ws > 1 ? tf.reshape(tf.avgPool(xp, ws, ws, 'valid'), [M, C]) : tokens;
    const kv = tf.transpose(tf.reshape(linear(src, l.kv, l.bkv), [M, 2, nh, d]), [1, 2, 0, 3]); // [2, nh, M, d]
    const [k, v] = tf.unstack(kv) as tf.Tensor3D[];
    const attn = tf.softmax(tf.matMul(tf.mul(q, g.scale), k, false, true));
    const o = tf.reshape(tf.transpose(tf.matMul(attn, v), [1, 0, 2]), [Np, g.lDim]);
    return linear(o, l.proj, l.bproj);
  }

  return {
    forward(x) {
      let xp = tf.reshape(x, [1, c.H, c.W, C]) as tf.Tensor4D;
      if (g.padR || g.padB) xp = tf.pad(xp, [[0, 0], [0, g.padB], [0, g.padR], [0, 0]]);
      const parts: tf.Tensor[] = [];
      if (hi) parts.push(hifi(xp));
      if (lo) parts.push(lofi(xp));
      let y = tf.reshape(parts.length > 1 ? tf.concat(parts, 1) : parts[0], [Hp, Wp, C]);
      if (g.padR || g.padB) y = tf.slice(y, [0, 0, 0], [c.H, c.W, C]);
      return tf.reshape(y, [1, N, C]);
    },
    dispose: () => s.dispose(),
  };
}
