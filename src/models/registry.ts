/** Every backbone family. Adding one = a file/folder in src/models + a line here. */
import type { AnyModel } from './types';
import { litv2 } from './litv2';
import { vvt } from './vvt';
import { fat } from './fat';
import { gmf } from './gmf';
import { vig, vigH } from './vig';

export const MODELS: AnyModel[] = [litv2, vvt, fat, gmf, vig, vigH];

export function modelForFixture(model: string): AnyModel | undefined {
  return MODELS.find((m) => m.fixtureModels.includes(model));
}

/** The family that owns a variant name such as 'vig-t' or 'litv2-s'. */
export function modelForVariant(variant: string): AnyModel | undefined {
  return MODELS.find((m) => variant in m.variants);
}
