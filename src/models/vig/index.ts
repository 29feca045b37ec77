/** ViG (isotropic) and ViG-H (hierarchical): two families over one GLA mixer (spec/vig.md). */
export { vig, VIG_VARIANTS, type VigConfig } from './vig';
export { vigH, VIG_H_VARIANTS, type VigHConfig } from './vig_h';
export { glaMixer } from './common';
export { vigForwardGpu, vigHForwardGpu, releaseVigGpu, type VigGpuOptions, type VigGpuResult } from './gpu';
