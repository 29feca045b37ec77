/**
 * Float64 reference of ViG's attention (spec/vig.md §4 naive pseudo-code; GLA2D §6 is the same
 * math in channel-first layout). Scans use the recurrence of §5; maps use the parallel form.
 */
import { depthwiseConv2d, linear, logSigmoid, map, sigmoid, silu } from '../../tensor/ops';
import { permute, reshape, type Tensor } from '../../tensor/tensor';
import type { OpOutput, Params } from '../types';
import { requireParam } from '../common/params';
import { directionWeights, glaDims, validateGla, type GlaConfig } from './spec';
import { cumulativeLogDecay, effectiveRows } from './maps';

/** One direction of the GLA recurrence for one head: S ← diag(exp γ_t)·S + k_t v_tᵀ, o_t = (s·q_t)ᵀS. */
export function glaScan(q: Float64Array, k: Float64Array, v: Float64Array, gam: Float64Array, L: number, dk: number, dv: number, scale: number, reverse: boolean): Float64Array {
  const S = new Float64Array(dk * dv);
  const o = new Float64Array(L * dv);
  for (let s = 0; s < L; s++) {
    const t = reverse ? L - 1 - s : s;
    for (let c = 0; c < dk; c++) {
      const a = Math.exp(gam[t * dk + c]);
      const kc = k[t * dk + c];
      for (let e = 0; e < dv; e++) S[c * dv + e] = a * S[c * dv + e] + kc * v[t * dv + e];
    }
    for (let e = 0; e < dv; e++) {
      let acc = 0;
      for (let c = 0; c < dk; c++) acc += scale * q[t * dk + c] * S[c * dv + e];
      o[t * dv + e] = acc;
    }
  }
  return o;
}

/** Columns [off, off+n) of a row-major [L, stride] matrix, as [L, n]. */
function cols(m: Float64Array, L: number, stride: number, off: number, n: number): Float64Array {
  const out = new Float64Array(L * n);
  for (let t = 0; t < L; t++) for (let i = 0; i < n; i++) out[t * n + i] = m[t * stride + off + i];
  return out;
}

function rmsInPlace(x: Float64Array, off: number, n: number, w: Float64Array, eps: number, out: Float64Array): void {
  let ms = 0;
  for (let i = 0; i < n; i++) ms += x[off + i] ** 2;
  const inv = 1 / Math.sqrt(ms / n + eps);
  for (let i = 0; i < n; i++) out[off + i] = x[off + i] * inv * w[i];
}

export function glaReference(x: Tensor, p: Params, c: GlaConfig): OpOutput {
  validateGla(c);
  const { L, C, K, V, dk, dv, scale } = glaDims(c);
  const h = c.heads;
  // 1. local branch: depthwise 3×3 on the [C,H,W] image (+ SiLU in ViG-T); xs = its tokens [L,C]
  const img = c.layout === 'channels' ? reshape(x, [1, C, c.H, c.W]) : reshape(permute(reshape(x, [L, C]), [1, 0]), [1, C, c.H, c.W]);
  let loc = depthwiseConv2d(img, requireParam(p, 'in_proj.0.weight'), undefined, { padding: 1 });
  if (c.actInConv) loc = map(loc, silu);
  const xs = permute(reshape(loc, [C, L]), [1, 0]); // [L, C]
  // 2.–3. projections from the conv output
  const qkv = linear(xs, requireParam(p, 'qkv_proj.weight')).data; // [L, 2K+V]
  const z = linear(linear(xs, requireParam(p, 'gk_proj.0.weight')), requireParam(p, 'gk_proj.1.weight'), requireParam(p, 'gk_proj.1.bias')).data; // [L, 2K]
  const gRaw = linear(xs, requireParam(p, 'g_proj.weight'), requireParam(p, 'g_proj.bias')).data; // [L, V]
  const logDecay = [new Float64Array(h * L * dk), new Float64Array(h * L * dk)]; // [dir][h, L, dk]
  for (let t = 0; t < L; t++) {
    for (let j = 0; j < 2 * K; j++) {
      const dir = j < K ? 0 : 1;
      const jj = j % K;
      let g = logSigmoid(z[t * 2 * K + j]) / c.tau;
      if (c.clampMin !== null) g = Math.max(g, c.clampMin);
      logDecay[dir][(Math.floor(jj / dk) * L + t) * dk + (jj % dk)] = g;
    }
  }
  // 4.–5. both scans per head, merged with the eval factor (and the direction knob)
  const [wf, wb] = directionWeights(c);
  const o = new Float64Array(L * V);
  const maps: Record<string, Tensor> = {
    log_decay_f: { shape: [h, L, dk], data: logDecay[0] },
    log_decay_b: { shape: [h, L, dk], data: logDecay[1] },
  };
  const attn = [new Float64Array(h * L * L), new Float64Array(h * L * L)];
  const decay = [new Float64Array(h * L * L), new Float64Array(h * L * L)];
  const allRows = Array.from({ length: L }, (_, i) => i);
  for (let n = 0; n < h; n++) {
    const q = cols(qkv, L, 2 * K + V, n * dk, dk);
    const k = cols(qkv, L, 2 * K + V, K + n * dk, dk);
    const v = cols(qkv, L, 2 * K + V, 2 * K + n * dv, dv);
    [wf, wb].forEach((w, dir) => {
      if (w === 0) return; // a switched-off direction contributes nothing (and its maps stay 0)
      const gam = logDecay[dir].subarray(n * L * dk, (n + 1) * L * dk);
      const od = glaScan(q, k, v, gam, L, dk, dv, scale, dir === 1);
      for (let t = 0; t < L; t++) for (let e = 0; e < dv; e++) o[t * V + n * dv + e] += w * od[t * dv + e];
      const m = effectiveRows(q, k, cumulativeLogDecay(gam, L, dk, dir === 1), L, dk, scale, dir === 1, allRows);
      attn[dir].set(m.attn, n * L * L);
      decay[dir].set(m.decay, n * L * L);
    });
  }
  maps.attn_f = { shape: [h, L, L], data: attn[0] };
  maps.attn_b = { shape: [h, L, L], data: attn[1] };
  maps.decay_f = { shape: [h, L, L], data: decay[0] };
  maps.decay_b = { shape: [h, L, L], data: decay[1] };
  // 6.–9. per-head g_norm(o), l_norm(loc), locality-injection gate, optional SiLU
  const gw = requireParam(p, 'g_norm.weight').data;
  const lw = requireParam(p, 'l_norm.weight').data;
  const on = new Float64Array(L * V);
  const ln = new Float64Array(L * V);
  for (let t = 0; t < L; t++) {
    for (let n = 0; n < h; n++) {
      rmsInPlace(o, t * V + n * dv, dv, gw, c.eps, on);
      rmsInPlace(xs.data, t * C + n * dv, dv, lw, c.eps, ln);
    }
  }
  const gate = new Float64Array(L * V);
  const yc = new Float64Array(L * V);
  for (let i = 0; i < L * V; i++) {
    const G = c.locality === 'learned' ? sigmoid(gRaw[i]) : c.locality === 'off' ? 1 : 0;
    gate[i] = G;
    const y = on[i] * G + ln[i] * (1 - G);
    yc[i] = c.outAct ? silu(y) : y;
  }
  maps.gate = { shape: [L, V], data: gate };
  // 10. o_proj, back to the module's layout
  const y = linear({ shape: [L, V], data: yc }, requireParam(p, 'o_proj.weight'));
  const out = c.layout === 'channels' ? { shape: [1, C, c.H, c.W], data: permute(y, [1, 0]).data } : { shape: [1, L, C], data: y.data };
  return { y: out, maps };
}
