/**
 * Shared pieces of the stock-tfjs compositions: PyTorch weights converted once to tfjs layouts (as a
 * tfjs user porting the module would), and the small activations tfjs has no single op for.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Params } from '../../ops/types';

/** A forward composed from stock tfjs ops, with its weights already on the backend. */
export interface TfjsForward {
  /** x in the op's native layout (OpImpl.inputShape) → y in the same layout; call inside tf.tidy */
  forward(x: tf.Tensor): tf.Tensor;
  /** free the weights and constants */
  dispose(): void;
}

/** Keeps every tensor made through it so dispose() frees them all. */
export class WeightStore {
  private kept: tf.Tensor[] = [];
  constructor(private p: Params) {}

  keep<T extends tf.Tensor>(t: T): T {
    this.kept.push(t);
    return t;
  }

  /** The weight as stored (PyTorch layout), float32. */
  raw(key: string): tf.Tensor {
    const t = this.p[key];
    if (!t) throw new Error(`missing weight '${key}'`);
    return this.keep(tf.tensor(Float32Array.from(t.data), t.shape, 'float32'));
  }

  opt(key: string): tf.Tensor | undefined {
    return this.p[key] ? this.raw(key) : undefined;
  }

  /** nn.Linear weight [out, in] kept as is: used with matMul(x, W, false, true). */
  linear(key: string): tf.Tensor2D {
    return this.raw(key) as tf.Tensor2D;
  }

  /** Conv weight [Cout, Cin, kh, kw] → tfjs filter [kh, kw, Cin, Cout]. */
  conv(key: string): tf.Tensor4D {
    return this.convert(key, [2, 3, 1, 0]);
  }

  /** Depthwise weight [C, 1, k, k] → tfjs depthwise filter [k, k, C, 1]. */
  depthwise(key: string): tf.Tensor4D {
    return this.convert(key, [2, 3, 0, 1]);
  }

  /** A BatchNorm's running statistics and affine vectors. */
  batchNorm(prefix: string): BatchNormWeights {
    return {
      mean: this.raw(`${prefix}.running_mean`) as tf.Tensor1D,
      variance: this.raw(`${prefix}.running_var`) as tf.Tensor1D,
      weight: this.raw(`${prefix}.weight`) as tf.Tensor1D,
      bias: this.raw(`${prefix}.bias`) as tf.Tensor1D,
    };
  }

  private convert(key: string, perm: number[]): tf.Tensor4D {
    const raw = this.raw(key);
    return this.keep(tf.tidy(() => tf.transpose(raw, perm))) as tf.Tensor4D;
  }

  dispose(): void {
    for (const t of this.kept) t.dispose();
    this.kept = [];
  }
}

/** y = x·Wᵀ + b for x [..., in] (nn.Linear), through the fused matmul. */
export function linear(x: tf.Tensor, w: tf.Tensor2D, b?: tf.Tensor, activation?: 'relu'): tf.Tensor {
  const inDim = w.shape[1];
  const lead = x.shape.slice(0, -1);
  const y = tf.fused.matMul({ a: tf.reshape(x, [-1, inDim]) as tf.Tensor2D, b: w, transposeB: true, bias: b, activation: activation ?? 'linear' });
  return tf.reshape(y, [...lead, w.shape[0]]);
}

export const silu = (x: tf.Tensor): tf.Tensor => tf.mul(x, tf.sigmoid(x));

/** Hardswish: x·relu6(x + 3)/6. */
export const hardswish = (x: tf.Tensor): tf.Tensor => tf.div(tf.mul(x, tf.relu6(tf.add(x, 3))), 6);

/** Channel-first [1, C, H, W] ⇄ channels-last [1, H, W, C] (tfjs convolutions are NHWC). */
export const toNHWC = (x: tf.Tensor): tf.Tensor4D => tf.transpose(x as tf.Tensor4D, [0, 2, 3, 1]);
export const toNCHW = (x: tf.Tensor): tf.Tensor4D => tf.transpose(x as tf.Tensor4D, [0, 3, 1, 2]);

export interface BatchNormWeights {
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
  weight: tf.Tensor1D;
  bias: tf.Tensor1D;
}

/** Eval-mode BatchNorm2d over the last (channel) axis. */
export function batchNormEval(x: tf.Tensor, bn: BatchNormWeights, eps = 1e-5): tf.Tensor {
  return tf.batchNorm(x, bn.mean, bn.variance, bn.bias, bn.weight, eps);
}
