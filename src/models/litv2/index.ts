/** LITv2 (ziplab/LITv2, classification): HiLo attention in the last two stages, DTM downsampling. */
import type { AttentionSite, ModelImpl } from '../types';
import type { Params } from '../../ops/types';
import { LITV2_VARIANTS, litv2ConfigFromFixture, stageGeom, stageHilo, type Litv2Config } from './config';
import { litv2ExpectedKeys } from './keys';
import { litv2Macs, litv2OfficialFlops } from './flops';
import { litv2Forward } from './reference';
import { subParams } from '../nn-cpu';
import { litv2ForwardGpu, releaseLitv2Gpu } from './gpu';

export type { Litv2Config } from './config';
export { litv2Params } from './keys';
export { litv2ForwardGpu, releaseLitv2Gpu, type Litv2GpuOptions, type Litv2GpuResult } from './gpu';

/** `model.flops()` of the official code (fixture meta.official_flops). */
export const officialFlops = litv2OfficialFlops;

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

export const litv2: ModelImpl<Litv2Config> = {
  family: 'litv2',
  title: 'LITv2 (HiLo attention)',
  variants: LITV2_VARIANTS,
  fixtureModels: ['litv2'],
  configFromFixture: litv2ConfigFromFixture,
  expectedKeys: litv2ExpectedKeys,
  macs: litv2Macs,
  forwardReference: litv2Forward,
  inputSize: (c) => ({ size: c.imgSize, crop: c.testCrop }),
  forwardGpu: (ctx, x, shape, w, cfg, opts) => litv2ForwardGpu(ctx, x, shape, w, cfg, opts),
  releaseGpu: (ctx, w) => releaseLitv2Gpu(ctx, w),
  attentionSites: litv2AttentionSites,
};
