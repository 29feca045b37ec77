/** Float64 reference of timm's Attention.forward (fused_attn=False path). */
import { linear, softmax } from '../../tensor/ops';
import type { Tensor } from '../../tensor/tensor';
import type { OpOutput, Params } from '../types';
import { requireParam } from '../common/params';
import type { MhsaConfig } from './spec';

export function mhsaReference(x: Tensor, p: Params, c: MhsaConfig): OpOutput {
  const N = c.H * c.W;
  const C = c.dim;
  const hd = C / c.heads;
  const scale = hd ** -0.5;
  const qkv = linear({ shape: [N, C], data: x.data }, requireParam(p, 'qkv.weight'), p['qkv.bias']);
  // qkv row n: [3, heads, hd]
  const at = (n: number, which: number, h: number, d: number) => qkv.data[n * 3 * C + which * C + h * hd + d];
  const attnLogits = new Float64Array(c.heads * N * N);
  for (let h = 0; h < c.heads; h++) {
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let d = 0; d < hd; d++) s += at(i, 0, h, d) * at(j, 1, h, d);
        attnLogits[(h * N + i) * N + j] = s * scale;
      }
    }
  }
  const attn = softmax({ shape: [c.heads, N, N], data: attnLogits });
  const o = new Float64Array(N * C);
  for (let h = 0; h < c.heads; h++) {
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < N; j++) {
        const a = attn.data[(h * N + i) * N + j];
        for (let d = 0; d < hd; d++) o[i * C + h * hd + d] += a * at(j, 2, h, d);
      }
    }
  }
  const y = linear({ shape: [N, C], data: o }, requireParam(p, 'proj.weight'), p['proj.bias']);
  return { y: { shape: [1, N, C], data: y.data }, maps: { attn } };
}
