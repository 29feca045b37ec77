/**
 * FAT (qhfan/FAT, classification/models.py::FAT): configs of FAT-B0…B3, the exact state_dict and
 * the MAC count. Spec: fat.md.
 */
import { cfgNum } from '../../ops/types';
import { fasaMacs } from '../../ops/fasa/flops';
import { fasaParamShapes, type FasaConfig } from '../../ops/fasa/spec';
import { bnKeys, cfgInts, convOut, subParams } from '../nn-cpu';
import type { KnobSetting } from '../knobs';
import { knobSites } from '../knob-apply';
import type { AttentionSite } from '../types';

export interface FatConfig {
  embedDims: number[];
  depths: number[];
  /** cpe / local_mixer kernel per stage */
  kernelSizes: number[];
  numHeads: number[];
  /** FASA pooling window per stage (8, 4, 2, 1) */
  windowSizes: number[];
  /** ConvFFN depthwise kernel and the stride-2 downsample kernel */
  mlpKernelSizes: number[];
  mlpRatios: number[];
  inChans: number;
  numClasses: number;
}

const common = { kernelSizes: [3, 5, 7, 9], windowSizes: [8, 4, 2, 1], mlpKernelSizes: [5, 5, 5, 5], mlpRatios: [4, 4, 4, 4], inChans: 3, numClasses: 1000 };

export const FAT_VARIANTS: Record<string, FatConfig> = {
  'fat-b0': { ...common, embedDims: [32, 80, 160, 256], depths: [2, 2, 6, 2], numHeads: [2, 5, 10, 16] },
  'fat-b1': { ...common, embedDims: [48, 96, 192, 384], depths: [2, 2, 6, 2], numHeads: [3, 6, 12, 24] },
  'fat-b2': { ...common, embedDims: [64, 128, 256, 512], depths: [2, 2, 6, 2], numHeads: [2, 4, 8, 16] },
  'fat-b3': { ...common, embedDims: [64, 128, 256, 512], depths: [4, 4, 16, 4], numHeads: [2, 4, 8, 16] },
};

export function fatConfigFromFixture(config: Record<string, unknown>): FatConfig {
  return {
    embedDims: cfgInts(config, 'embed_dims'),
    depths: cfgInts(config, 'depths'),
    kernelSizes: cfgInts(config, 'kernel_sizes', common.kernelSizes),
    numHeads: cfgInts(config, 'num_heads'),
    windowSizes: cfgInts(config, 'window_sizes', common.windowSizes),
    mlpKernelSizes: cfgInts(config, 'mlp_kernel_sizes', common.mlpKernelSizes),
    mlpRatios: cfgInts(config, 'mlp_ratios', common.mlpRatios),
    inChans: cfgNum(config, 'in_chans', 3),
    numClasses: cfgNum(config, 'num_classes', 1000),
  };
}

export interface FatBlockShape {
  dim: number;
  outDim: number;
  stride: 1 | 2;
  hidden: number;
}

/** Block j of stage i: the last block of stages 0–2 has stride 2 and maps dim → embedDims[i+1]. */
export function fatBlock(c: FatConfig, i: number, j: number): FatBlockShape {
  const dim = c.embedDims[i];
  const last = i < c.embedDims.length - 1 && j === c.depths[i] - 1;
  return { dim, outDim: last ? c.embedDims[i + 1] : dim, stride: last ? 2 : 1, hidden: Math.floor(dim * c.mlpRatios[i]) };
}

/** Stem (PatchEmbedding): conv1 (s2), conv2 (s2), conv3, conv4 (s1) as [cin, cout, stride]. */
export function fatStem(c: FatConfig): Array<[number, number, number]> {
  const E = c.embedDims[0];
  const half = Math.floor(E / 2);
  return [[c.inChans, half, 2], [half, E, 2], [E, E, 1], [E, E, 1]];
}

/**
 * Token grid of each stage's blocks for an H×W input: the stem's two stride-2 3×3 convs, then the
 * stride-2 last block of stages 0–2 (its ConvFFN dwconv and downsample: mlp kernel, pad k/2).
 */
export function fatStageGrids(c: FatConfig, H: number, W: number): Array<[number, number]> {
  let h = H;
  let w = W;
  for (const [, , s] of fatStem(c)) {
    h = convOut(h, 3, s, 1);
    w = convOut(w, 3, s, 1);
  }
  const grids: Array<[number, number]> = [];
  for (let i = 0; i < c.depths.length; i++) {
    grids.push([h, w]);
    if (c.depths[i] > 0 && fatBlock(c, i, c.depths[i] - 1).stride === 2) {
      const mk = c.mlpKernelSizes[i];
      h = convOut(h, mk, 2, mk >> 1);
      w = convOut(w, mk, 2, mk >> 1);
    }
  }
  return grids;
}

/** Every FASA module in forward order: its op config at this input size and its weights' prefix. */
export function fatAttentionSites(c: FatConfig, H: number, W: number): AttentionSite[] {
  const grids = fatStageGrids(c, H, W);
  const sites: AttentionSite[] = [];
  for (let i = 0; i < c.depths.length; i++) {
    for (let j = 0; j < c.depths[i]; j++) {
      const prefix = `layers.${i}.blocks.${j}.attn.`;
      sites.push({ label: `stage ${i} · block ${j}`, stage: i, block: j, op: 'fasa', opConfig: fatAttnConfig(c, i, grids[i][0], grids[i][1]), params: (w) => subParams(w, prefix) });
    }
  }
  return sites;
}

export function fatAttnConfig(c: FatConfig, i: number, H: number, W: number): FasaConfig {
  return { dim: c.embedDims[i], heads: c.numHeads[i], kernelSize: c.kernelSizes[i], ws: c.windowSizes[i], H, W };
}

export function fatExpectedKeys(c: FatConfig): Array<[string, number[]]> {
  const keys: Array<[string, number[]]> = [];
  fatStem(c).forEach(([cin, cout], n) => {
    const p = `patch_embed.conv${n + 1}.conv`;
    keys.push([`${p}.0.weight`, [cout, cin, 3, 3]], [`${p}.0.bias`, [cout]], ...bnKeys(`${p}.1`, cout));
  });
  const E = c.embedDims[0];
  keys.push(['patch_embed.conv5.weight', [E, E, 1, 1]], ['patch_embed.conv5.bias', [E]]);
  keys.push(['patch_embed.layernorm.weight', [E]], ['patch_embed.layernorm.bias', [E]]);
  for (let i = 0; i < c.depths.length; i++) {
    const k = c.kernelSizes[i];
    const mk = c.mlpKernelSizes[i];
    for (let j = 0; j < c.depths[i]; j++) {
      const { dim, outDim, stride, hidden } = fatBlock(c, i, j);
      const b = `layers.${i}.blocks.${j}.`;
      keys.push([`${b}cpe.weight`, [dim, 1, k, k]], [`${b}cpe.bias`, [dim]]);
      keys.push([`${b}norm1.weight`, [dim]], [`${b}norm1.bias`, [dim]]);
      for (const [n, s] of fasaParamShapes(fatAttnConfig(c, i, 1, 1))) keys.push([`${b}attn.${n}`, s]);
      keys.push([`${b}norm2.weight`, [dim]], [`${b}norm2.bias`, [dim]]);
      if (stride === 2) {
        keys.push([`${b}downsample.0.weight`, [dim, 1, mk, mk]], [`${b}downsample.0.bias`, [dim]], ...bnKeys(`${b}downsample.1`, dim));
        keys.push([`${b}downsample.2.weight`, [outDim, dim, 1, 1]], [`${b}downsample.2.bias`, [outDim]]);
      }
      keys.push([`${b}ffn.fc1.weight`, [hidden, dim, 1, 1]], [`${b}ffn.fc1.bias`, [hidden]]);
      keys.push([`${b}ffn.dwconv.weight`, [hidden, 1, mk, mk]], [`${b}ffn.dwconv.bias`, [hidden]], ...bnKeys(`${b}ffn.bn`, hidden));
      keys.push([`${b}ffn.fc2.weight`, [outDim, hidden, 1, 1]], [`${b}ffn.fc2.bias`, [outDim]]);
    }
  }
  const C = c.embedDims[c.embedDims.length - 1];
  keys.push(['norm.weight', [C]], ['norm.bias', [C]], ['head.weight', [c.numClasses, C]], ['head.bias', [c.numClasses]]);
  return keys;
}

/** Conv/linear/matmul MACs (FlopCounterMode/2) at H×W, batch 1. */
export function fatMacs(c: FatConfig, H = 224, W = 224, knobs?: KnobSetting): number {
  const sites = knobSites(fatAttentionSites(c, H, W), knobs) as FasaConfig[] | null;
  let site = 0;
  let macs = 0;
  let h = H;
  let w = W;
  for (const [cin, cout, s] of fatStem(c)) {
    h = convOut(h, 3, s, 1);
    w = convOut(w, 3, s, 1);
    macs += h * w * cout * cin * 9;
  }
  const E = c.embedDims[0];
  macs += h * w * E * E;
  for (let i = 0; i < c.depths.length; i++) {
    const k = c.kernelSizes[i];
    const mk = c.mlpKernelSizes[i];
    for (let j = 0; j < c.depths[i]; j++) {
      const { dim, outDim, stride, hidden } = fatBlock(c, i, j);
      const N = h * w;
      macs += N * dim * k * k + fasaMacs(sites?.[site++] ?? fatAttnConfig(c, i, h, w));
      const ho = convOut(h, mk, stride, mk >> 1);
      const wo = convOut(w, mk, stride, mk >> 1);
      const No = ho * wo;
      if (stride === 2) macs += No * dim * mk * mk + No * dim * outDim;
      macs += N * dim * hidden + No * hidden * mk * mk + No * hidden * outDim;
      h = ho;
      w = wo;
    }
  }
  return macs + c.embedDims[c.embedDims.length - 1] * c.numClasses;
}
