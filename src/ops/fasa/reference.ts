/** Float64 reference of FASA.forward (spec fat.md §1), channel-first throughout. */
import { batchNormEval, conv2d, depthwiseConv2d, sigmoid, softmax } from '../../tensor/ops';
import type { Tensor } from '../../tensor/tensor';
import type { OpOutput, Params } from '../types';
import { requireParam } from '../common/params';
import { FASA_POOL_KERNEL, poolSteps, validateFasa, type FasaConfig } from './spec';

/** Fine-grained downsampling: log2(ws) × (DW 5×5 stride 2 → BN [→ 1×1 conv if not last]); no activation. */
export function fasaPool(x: Tensor, p: Params, c: FasaConfig): Tensor {
  let P = x;
  const n = poolSteps(c);
  for (let t = 0; t < n; t++) {
    P = depthwiseConv2d(P, requireParam(p, `pool.conv${t}.weight`), p[`pool.conv${t}.bias`], { stride: 2, padding: FASA_POOL_KERNEL >> 1 });
    P = batchNormEval(P, {
      weight: p[`pool.bn${t}.weight`],
      bias: p[`pool.bn${t}.bias`],
      mean: requireParam(p, `pool.bn${t}.running_mean`),
      variance: requireParam(p, `pool.bn${t}.running_var`),
    });
    if (t < n - 1) P = conv2d(P, requireParam(p, `pool.linear${t}.weight`), p[`pool.linear${t}.bias`]);
  }
  return P;
}

/**
 * Maps: `attn` [heads, N, M] (softmax over pooled keys, as the fixtures) and `local_mod`
 * [heads, N] = mean over the head's channels of sigmoid(G), the factor by which the global
 * branch gates the local one at each pixel (not in the fixtures; drawn by the UI).
 */
export function fasaReference(x: Tensor, p: Params, c: FasaConfig): OpOutput {
  validateFasa(c);
  const C = c.dim;
  const N = c.H * c.W;
  const d = C / c.heads;
  const scalor = d ** -0.5;
  const Q = conv2d(x, requireParam(p, 'q.weight'), p['q.bias']);
  const KV = conv2d(fasaPool(x, p, c), requireParam(p, 'kv.weight'), p['kv.bias']);
  const M = KV.shape[2] * KV.shape[3];
  // channel e*d+j of K is KV channel e*d+j, of V channel C+e*d+j; pixel index row-major
  const q = (e: number, j: number, t: number) => Q.data[(e * d + j) * N + t];
  const k = (e: number, j: number, u: number) => KV.data[(e * d + j) * M + u];
  const v = (e: number, j: number, u: number) => KV.data[(C + e * d + j) * M + u];

  const logits = new Float64Array(c.heads * N * M);
  for (let e = 0; e < c.heads; e++) {
    for (let t = 0; t < N; t++) {
      for (let u = 0; u < M; u++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += q(e, j, t) * k(e, j, u);
        logits[(e * N + t) * M + u] = scalor * s;
      }
    }
  }
  const attn = softmax({ shape: [c.heads, N, M], data: logits });
  const G = new Float64Array(C * N);
  for (let e = 0; e < c.heads; e++) {
    for (let t = 0; t < N; t++) {
      for (let u = 0; u < M; u++) {
        const a = attn.data[(e * N + t) * M + u];
        for (let j = 0; j < d; j++) G[(e * d + j) * N + t] += a * v(e, j, u);
      }
    }
  }

  // Local branch: depthwise conv of the projected query map, self-modulated (L0·sigmoid(L0)).
  const L0 = depthwiseConv2d(Q, requireParam(p, 'local_mixer.weight'), p['local_mixer.bias'], { padding: c.kernelSize >> 1 });
  // As the code: local = SiLU(L0) · sigmoid(G); the global branch is NOT gated by the local one.
  const z = new Float64Array(C * N);
  for (let i = 0; i < C * N; i++) {
    const l = L0.data[i] * sigmoid(L0.data[i]);
    z[i] = l * sigmoid(G[i]) * G[i];
  }
  const y = conv2d({ shape: [1, C, c.H, c.W], data: z }, requireParam(p, 'mixer.weight'), p['mixer.bias']);

  const localMod = new Float64Array(c.heads * N);
  for (let e = 0; e < c.heads; e++) {
    for (let t = 0; t < N; t++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += sigmoid(G[(e * d + j) * N + t]);
      localMod[e * N + t] = s / d;
    }
  }
  return { y, maps: { attn, local_mod: { shape: [c.heads, N], data: localMod } } };
}
