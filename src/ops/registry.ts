/** Every mechanism, by name. Adding one = a folder in src/ops + a line here. */
import type { AnyOp } from './types';
import { mhsa } from './mhsa';
import { fasa } from './fasa';
import { vicinity } from './vicinity';
import { gla, gla2d } from './gla';
import { hilo } from './hilo';
import { gma } from './gma';

export const OPS: AnyOp[] = [mhsa, hilo, gla, gla2d, vicinity, fasa, gma];

/**
 * The six mechanisms, softmax baseline first: every registered op but gla2d, ViG-H's 2-D form of
 * gla (benchmarked and drawn as gla's variant). The benchmarks, the interaction knobs, the e2e
 * checks and the tests take their op lists from here (tests/node/op-lists.test.ts checks that every
 * registered op has what they need).
 */
export const MECHANISMS: string[] = OPS.filter((o) => o !== gla2d).map((o) => o.name);

export function opByName(name: string): AnyOp | undefined {
  return OPS.find((o) => o.name === name);
}

/** The op that checks fixtures whose `meta.op` is `fixtureOp` (e.g. 'hilo_pad' → hilo). */
export function opForFixture(fixtureOp: string): AnyOp | undefined {
  return OPS.find((o) => o.fixtureOps.includes(fixtureOp));
}
