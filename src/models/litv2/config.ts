/**
 * LITv2 configuration (spec/litv2.md §4): the `LITv2.__init__` arguments that shape the network,
 * the official variant table and the released alpha sweep of LITv2-S.
 */
import { cfgBool, cfgNum } from '../../ops/types';
import type { HiloConfig } from '../../ops/hilo/spec';
import type { Params } from '../../ops/types';
import type { AttentionSite } from '../types';
import { subParams } from '../nn-cpu';

export interface Litv2Config {
  /** the only input size the model accepts (PatchEmbed asserts H = W = img_size) */
  imgSize: number;
  patchSize: number;
  inChans: number;
  /** 0 → no head (logits = pooled features), as the official nn.Identity */
  numClasses: number;
  embedDim: number;
  depths: number[];
  numHeads: number[];
  mlpRatio: number;
  qkvBias: boolean;
  /** Lo-Fi share of HiLo heads (int(heads·alpha) Lo-Fi heads) */
  alpha: number;
  /** HiLo window size per stage (ignored where the stage has no attention) */
  localWs: number[];
  /** per stage: 1 = Block (HiLo + DWMlp), 0 = ConvFFNBlock (DWMlp only); official [0,0,1,1] */
  hasMsa: number[];
  patchNorm: boolean;
  /** eval transform: resize 256/224·size + centre crop (TEST.CROP True) or resize to size² (B-384) */
  testCrop: boolean;
}

const base = (over: Partial<Litv2Config>): Litv2Config => ({
  imgSize: 224,
  patchSize: 4,
  inChans: 3,
  numClasses: 1000,
  embedDim: 96,
  depths: [2, 2, 6, 2],
  numHeads: [3, 6, 12, 24],
  mlpRatio: 4,
  qkvBias: true,
  alpha: 0.9,
  localWs: [0, 0, 2, 1],
  hasMsa: [0, 0, 1, 1],
  patchNorm: true,
  testCrop: true,
  ...over,
});

/** classification/configs/*.yaml; alpha_*.pth (release v1.1) are LITv2-S with another ALPHA. */
export const LITV2_VARIANTS: Record<string, Litv2Config> = {
  'litv2-s': base({}),
  'litv2-m': base({ depths: [2, 2, 18, 2] }),
  'litv2-b': base({ embedDim: 128, depths: [2, 2, 18, 2], numHeads: [4, 8, 16, 32] }),
  'litv2-b-384': base({ embedDim: 128, depths: [2, 2, 18, 2], numHeads: [4, 8, 16, 32], imgSize: 384, testCrop: false }),
  ...Object.fromEntries([0, 0.2, 0.4, 0.5, 0.7, 0.9, 1].map((a) => [`litv2-s-alpha${a}`, base({ alpha: a })])),
};

function numList(config: Record<string, unknown>, key: string, fallback?: number[]): number[] {
  const v = config[key];
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) return [...(v as number[])];
  if ((v === undefined || v === null) && fallback) return [...fallback];
  throw new Error(`config: '${key}' must be a list of numbers`);
}

/** From the official constructor kwargs (fixture meta.config / keys.json config). */
export function litv2ConfigFromFixture(config: Record<string, unknown>): Litv2Config {
  const imgSize = cfgNum(config, 'img_size', 224);
  const depths = numList(config, 'depths', [2, 2, 6, 2]);
  const cfg: Litv2Config = {
    imgSize,
    patchSize: cfgNum(config, 'patch_size', 4),
    inChans: cfgNum(config, 'in_chans', 3),
    numClasses: cfgNum(config, 'num_classes', 1000),
    embedDim: cfgNum(config, 'embed_dim', 96),
    depths,
    numHeads: numList(config, 'num_heads', [3, 6, 12, 24]),
    mlpRatio: cfgNum(config, 'mlp_ratio', 4),
    qkvBias: cfgBool(config, 'qkv_bias', true),
    alpha: cfgNum(config, 'alpha', 0.5), // constructor default; every yaml sets 0.9
    localWs: numList(config, 'local_ws'),
    hasMsa: numList(config, 'has_msa', [0, 0, 1, 1]),
    patchNorm: cfgBool(config, 'patch_norm', true),
    // the constructor config does not carry TEST.CROP; the only official no-crop model is the 384 one
    testCrop: imgSize < 384,
  };
  validateLitv2(cfg);
  return cfg;
}

export function validateLitv2(c: Litv2Config): void {
  const n = c.depths.length;
  if (c.numHeads.length !== n || c.localWs.length !== n || c.hasMsa.length < n) throw new Error('litv2: depths, num_heads, local_ws, has_msa differ in length');
  if (c.imgSize % c.patchSize !== 0) throw new Error(`litv2: img_size ${c.imgSize} not a multiple of patch ${c.patchSize}`);
  const res = c.imgSize / c.patchSize;
  for (let i = 0; i < n - 1; i++) {
    if ((res >> i) % 2 !== 0) throw new Error(`litv2: stage ${i} grid ${res >> i} is odd, DTM needs an even grid`);
  }
  for (let i = 0; i < n; i++) {
    if (c.hasMsa[i] && !(c.localWs[i] >= 1)) throw new Error(`litv2: stage ${i} has attention but local_ws ${c.localWs[i]}`);
  }
}

export interface StageGeom {
  /** channels and square token grid of stage i */
  C: number;
  H: number;
  W: number;
  hidden: number;
}

export function stageGeom(c: Litv2Config, i: number, H = c.imgSize, W = c.imgSize): StageGeom {
  const C = c.embedDim * 2 ** i;
  const ph = Math.floor(H / c.patchSize);
  const pw = Math.floor(W / c.patchSize);
  return { C, H: Math.floor(ph / 2 ** i), W: Math.floor(pw / 2 ** i), hidden: Math.trunc(C * c.mlpRatio) };
}

/** The HiLo module of a stage-i Block, as src/ops/hilo configures it (classification: no padding). */
export function stageHilo(c: Litv2Config, i: number, H: number, W: number): HiloConfig {
  return { dim: c.embedDim * 2 ** i, heads: c.numHeads[i], alpha: c.alpha, ws: c.localWs[i], qkvBias: c.qkvBias, H, W, padded: false };
}

/** One HiLo module per block of the stages that have attention (hasMsa); LITv2 runs at img_size only. */
export function litv2AttentionSites(c: Litv2Config, H = c.imgSize, W = c.imgSize): AttentionSite[] {
  return c.depths.flatMap((depth, i) => {
    if (!c.hasMsa[i]) return [];
    const g = stageGeom(c, i, H, W);
    const opConfig = stageHilo(c, i, g.H, g.W);
    return Array.from({ length: depth }, (_, j) => ({
      label: `stage ${i} · block ${j}`, stage: i, block: j, op: 'hilo', opConfig,
      params: (w: Params) => subParams(w, `layers.${i}.blocks.${j}.attn.`),
    }));
  });
}
