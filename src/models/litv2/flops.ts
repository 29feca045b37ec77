/**
 * LITv2 cost: `litv2Macs` = matmul/linear/conv MACs as FlopCounterMode counts them (the fixtures'
 * macs_counted: the DCN sampling conv is a custom op it does not see, its conv_offset is a plain
 * Conv2d and is counted); `litv2OfficialFlops` = the repository's `model.flops()` term by term,
 * quirks included (spec/litv2.md §7).
 */
import { hiloMacs, hiloOfficialFlops } from '../../ops/hilo/flops';
import { litv2AttentionSites, stageGeom, stageHilo, type Litv2Config } from './config';
import type { HiloConfig } from '../../ops/hilo/spec';
import type { KnobSetting } from '../knobs';
import { knobSites } from '../knob-apply';

export function litv2Macs(c: Litv2Config, H = c.imgSize, W = c.imgSize, knobs?: KnobSetting): number {
  const n = c.depths.length;
  const sites = knobSites(litv2AttentionSites(c, H, W), knobs) as HiloConfig[] | null;
  let site = 0;
  const g0 = stageGeom(c, 0, H, W);
  let macs = g0.H * g0.W * c.embedDim * c.inChans * c.patchSize * c.patchSize;
  for (let i = 0; i < n; i++) {
    const { C, H: h, W: w, hidden } = stageGeom(c, i, H, W);
    const N = h * w;
    // DWMlp: fc1 + DW 3×3 + fc2
    const mlp = N * C * hidden + N * hidden * 9 + N * hidden * C;
    for (let b = 0; b < c.depths[i]; b++) {
      macs += mlp;
      if (c.hasMsa[i]) macs += hiloMacs(sites?.[site++] ?? stageHilo(c, i, h, w));
    }
    if (i < n - 1) macs += (h / 2) * (w / 2) * 8 * C * 4; // conv_offset only
  }
  const F = c.embedDim * 2 ** (n - 1);
  return macs + F * c.numClasses;
}

/** classification/models conv_flops: k²·cin·(cout/groups)·o² + cout·o² (bias always counted). */
function convFlops(k: number, cin: number, cout: number, stride: number, padding: number, res: number, groups = 1): number {
  const o = Math.floor((res + 2 * padding - (k - 1) - 1) / stride + 1);
  return Math.trunc(k * k * cin * Math.floor(cout / groups) * o * o + cout * o * o);
}

/** `LITv2.flops()`: square grid, LayerNorm = C per token, DTM offset conv counted with 12 outputs. */
export function litv2OfficialFlops(c: Litv2Config): number {
  const n = c.depths.length;
  const res0 = Math.floor(c.imgSize / c.patchSize);
  let flops = res0 * res0 * c.embedDim * c.inChans * c.patchSize * c.patchSize;
  if (c.patchNorm) flops += res0 * res0 * c.embedDim;
  for (let i = 0; i < n; i++) {
    const C = c.embedDim * 2 ** i;
    const H = Math.floor(res0 / 2 ** i);
    const hidden = C * c.mlpRatio; // a float in the official code, only used as a count
    for (let b = 0; b < c.depths[i]; b++) {
      flops += convFlops(3, hidden, hidden, 1, 1, H, hidden);
      flops += 2 * H * H * C * C * c.mlpRatio;
      flops += C * H * H; // norm2
      if (c.hasMsa[i]) flops += C * H * H + hiloOfficialFlops(stageHilo(c, i, H, H)); // norm1 + HiLo
    }
    if (i < n - 1) {
      flops += convFlops(2, C, 12, 2, 0, H) + convFlops(2, C, 2 * C, 2, 0, H);
      flops += Math.floor(H / 2) * Math.floor(H / 2) * 2 * C;
    }
  }
  const F = c.embedDim * 2 ** (n - 1);
  // the final norm is counted over res0²/2^n tokens (196 at 224, not 49) — as the official code
  flops += Math.floor((F * res0 * res0) / 2 ** n);
  return flops + F * c.numClasses;
}
