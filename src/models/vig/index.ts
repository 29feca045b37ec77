/** ViG (isotropic) and ViG-H (hierarchical): two families over one GLA mixer (spec/vig.md). */
export { vig, type VigConfig } from './vig';
export { vigH, type VigHConfig } from './vig_h';
export { glaMixer } from './common';
export { releaseVigGpu } from './gpu';
