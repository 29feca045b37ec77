/** Every mechanism, by name. Adding one = a folder in src/ops + a line here. */
import type { AnyOp } from './types';
import { mhsa } from './mhsa';
import { fasa } from './fasa';
import { vicinity } from './vicinity';
import { gla, gla2d } from './gla';
import { hilo } from './hilo';
import { gma } from './gma';

export const OPS: AnyOp[] = [mhsa, fasa, vicinity, gla, gla2d, hilo, gma];

export function opByName(name: string): AnyOp | undefined {
  return OPS.find((o) => o.name === name);
}

/** The op that checks fixtures whose `meta.op` is `fixtureOp` (e.g. 'hilo_pad' → hilo). */
export function opForFixture(fixtureOp: string): AnyOp | undefined {
  return OPS.find((o) => o.fixtureOps.includes(fixtureOp));
}
