/**
 * The Vicinity attention of one sample without the N×N maps: the same computation, in the same
 * order and with the same five abs_clamps, as src/ops/vicinity/reference.ts (vicinityReference),
 * which also builds the quadratic `attn`/`locality` maps — O(N²·d) work and memory that a 56×56
 * stage cannot afford. tests/node/model-vvt.test.ts checks the two agree.
 */
import type { Tensor } from '../../tensor/tensor';
import type { Params } from '../../ops/types';
import { absClamp, vicinityTrig } from '../../ops/vicinity/angles';
import { validateVicinity, vicinityDims, type VicinityConfig } from '../../ops/vicinity/spec';
import { linearFast as linear, need } from '../nn-cpu';

const EPS = 1e-4;

/** u [N, C] (or [1, N, C]) → y [1, N, C]; p = the block's `attn.` sub-state-dict. */
export function vicinityNoMaps(u: Tensor, p: Params, c: VicinityConfig): Tensor {
  validateVicinity(c);
  const { N, r, d } = vicinityDims(c);
  const C = c.dim;
  const x: Tensor = { shape: [N, C], data: u.data };

  // SE gate s = sigmoid(se2(relu(se0(mean_t u)))).
  const mean = new Float64Array(C);
  for (let t = 0; t < N; t++) for (let ch = 0; ch < C; ch++) mean[ch] += x.data[t * C + ch];
  for (let ch = 0; ch < C; ch++) mean[ch] /= N;
  const hid = linear({ shape: [1, C], data: mean }, need(p, 'se_fc.0.weight'));
  for (let i = 0; i < hid.data.length; i++) hid.data[i] = Math.max(hid.data[i], 0);
  const s = linear(hid, need(p, 'se_fc.2.weight')).data;
  for (let i = 0; i < C; i++) s[i] = 1 / (1 + Math.exp(-s[i]));

  const q = linear(x, need(p, 'q_proj.weight'), p['q_proj.bias']).data;
  const k = linear(x, need(p, 'k_proj.weight'), p['k_proj.bias']).data;
  const v = linear(x, need(p, 'v_proj.weight'), p['v_proj.bias']).data;
  for (let i = 0; i < q.length; i++) {
    if (q[i] < 0) q[i] = 0;
    if (k[i] < 0) k[i] = 0;
  }
  const trig = vicinityTrig(c);
  const D = 4 * d;
  const o = new Float64Array(N * r);
  const qf = new Float64Array(D);
  for (let n = 0; n < c.heads; n++) {
    // KV = clampA(φ(K)ᵀV) [4d, d], ksum = Σ_j φ(k_j) (unclamped).
    const kv = new Float64Array(D * d);
    const ksum = new Float64Array(D);
    for (let j = 0; j < N; j++) {
      const vo = j * r + n * d;
      for (let f = 0; f < 4; f++) {
        const tr = trig[4 * j + f];
        for (let i = 0; i < d; i++) {
          const kf = k[j * r + n * d + i] * tr;
          if (kf === 0) continue;
          const row = (f * d + i) * d;
          ksum[f * d + i] += kf;
          for (let m = 0; m < d; m++) kv[row + m] += kf * v[vo + m];
        }
      }
    }
    for (let e = 0; e < kv.length; e++) kv[e] = absClamp(kv[e]);

    const acc = new Float64Array(d);
    for (let t = 0; t < N; t++) {
      let den = 0;
      for (let f = 0; f < 4; f++) {
        const tr = trig[4 * t + f];
        for (let i = 0; i < d; i++) {
          const val = q[t * r + n * d + i] * tr;
          qf[f * d + i] = val;
          den += val * ksum[f * d + i];
        }
      }
      const z = absClamp(1 / (den + EPS));
      acc.fill(0);
      for (let e = 0; e < D; e++) {
        const a = qf[e];
        if (a === 0) continue;
        const row = e * d;
        for (let m = 0; m < d; m++) acc[m] += a * kv[row + m];
      }
      for (let m = 0; m < d; m++) o[t * r + n * d + m] = absClamp(absClamp(acc[m]) * z);
    }
  }

  const y = linear({ shape: [N, r], data: o }, need(p, 'out_proj.weight'), p['out_proj.bias']);
  for (let t = 0; t < N; t++) {
    for (let ch = 0; ch < C; ch++) {
      const yv = absClamp(y.data[t * C + ch]);
      y.data[t * C + ch] = absClamp(yv + yv * s[ch]);
    }
  }
  return { shape: [1, N, C], data: y.data };
}
