/**
 * Float64 reference of VicinityVisionAttention.forward (use_sum, sr_ratio 1), in the code's
 * linear-time order so every abs_clamp sits where the official one does. Maps (N×N, for parity
 * and the UI only): attn = z_t·φ(q_t)·φ(k_j) with the unclamped z, locality = cos Δa + cos Δb.
 */
import { linear, relu, sigmoid } from '../../tensor/ops';
import type { Tensor } from '../../tensor/tensor';
import type { OpOutput, Params } from '../types';
import { requireParam } from '../common/params';
import { validateVicinity, vicinityDims, type VicinityConfig } from './spec';
import { absClamp, vicinityAngles, vicinityTrig } from './angles';

const EPS = 1e-4;

export function vicinityReference(x: Tensor, p: Params, c: VicinityConfig): OpOutput {
  validateVicinity(c);
  const { N, r, d } = vicinityDims(c);
  const C = c.dim;
  const h = c.heads;
  const u: Tensor = { shape: [N, C], data: x.data };

  // 1. SE gate from the token mean (the only full-width path inside the attention).
  const mean = new Float64Array(C);
  for (let t = 0; t < N; t++) for (let ch = 0; ch < C; ch++) mean[ch] += u.data[t * C + ch] / N;
  const hid = linear({ shape: [1, C], data: mean }, requireParam(p, 'se_fc.0.weight'));
  hid.data.forEach((v, i) => (hid.data[i] = relu(v)));
  const s = linear(hid, requireParam(p, 'se_fc.2.weight')).data.map(sigmoid);

  // 2-3. Reduced-width projections; ReLU feature map on q and k.
  const q = linear(u, requireParam(p, 'q_proj.weight'), p['q_proj.bias']).data.map(relu);
  const k = linear(u, requireParam(p, 'k_proj.weight'), p['k_proj.bias']).data.map(relu);
  const v = linear(u, requireParam(p, 'v_proj.weight'), p['v_proj.bias']).data;

  // 4-5. φ(x_t) = [x·cos a_t, x·sin a_t, x·cos b_t, x·sin b_t] (blocks of d).
  const trig = vicinityTrig(c);
  const phi = (src: Float64Array, t: number, n: number, f: number, i: number) => src[t * r + n * d + i] * trig[4 * t + f];

  const o = new Float64Array(N * r);
  const attn = new Float64Array(h * N * N);
  for (let n = 0; n < h; n++) {
    // KV = clampA(φ(K)ᵀ V) [4d, d]; ksum = Σ_j φ(k_j) [4d] (not clamped).
    const kv = new Float64Array(4 * d * d);
    const ksum = new Float64Array(4 * d);
    for (let j = 0; j < N; j++) {
      for (let f = 0; f < 4; f++) {
        for (let i = 0; i < d; i++) {
          const kf = phi(k, j, n, f, i);
          ksum[f * d + i] += kf;
          for (let m = 0; m < d; m++) kv[(f * d + i) * d + m] += kf * v[j * r + n * d + m];
        }
      }
    }
    for (let e = 0; e < kv.length; e++) kv[e] = absClamp(kv[e]);

    for (let t = 0; t < N; t++) {
      let den = 0;
      for (let f = 0; f < 4; f++) for (let i = 0; i < d; i++) den += phi(q, t, n, f, i) * ksum[f * d + i];
      const zRaw = 1 / (den + EPS);
      const z = absClamp(zRaw);
      for (let m = 0; m < d; m++) {
        let acc = 0;
        for (let f = 0; f < 4; f++) for (let i = 0; i < d; i++) acc += phi(q, t, n, f, i) * kv[(f * d + i) * d + m];
        o[t * r + n * d + m] = absClamp(absClamp(acc) * z);
      }
      // The equivalent quadratic map, unclamped as the fixtures define it.
      for (let j = 0; j < N; j++) {
        let sc = 0;
        for (let f = 0; f < 4; f++) for (let i = 0; i < d; i++) sc += phi(q, t, n, f, i) * phi(k, j, n, f, i);
        attn[(n * N + t) * N + j] = zRaw * sc;
      }
    }
  }

  // 7-8. out_proj, clamp, SE merge y + y·s, clamp.
  const y = linear({ shape: [N, r], data: o }, requireParam(p, 'out_proj.weight'), p['out_proj.bias']);
  for (let t = 0; t < N; t++) {
    for (let ch = 0; ch < C; ch++) {
      const yv = absClamp(y.data[t * C + ch]);
      y.data[t * C + ch] = absClamp(yv + yv * s[ch]);
    }
  }

  const { a, b } = vicinityAngles(c);
  const locality = new Float64Array(N * N);
  for (let t = 0; t < N; t++) {
    for (let j = 0; j < N; j++) {
      locality[t * N + j] = Math.cos(a[t] - a[j]) + Math.cos(b[t] - b[j]);
    }
  }
  return {
    y: { shape: [1, N, C], data: y.data },
    maps: { attn: { shape: [h, N, N], data: attn }, locality: { shape: [N, N], data: locality } },
  };
}
