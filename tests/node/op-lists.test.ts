/**
 * Every op list of the project comes from the registry (src/ops/registry.ts: OPS and MECHANISMS).
 * This test fails when a registered op lacks anything those lists need: its WebGPU path (parity,
 * bench, profile), its stock-tfjs composition (bench --tfjs), its kernels (the kernel view), its
 * fixtures (parity), and — for the six mechanisms — its interaction knob (bench:interaction and
 * its tests) and its place in the notebooks that show all of them (compare-all, flops-vs-latency).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MECHANISMS, OPS, opByName } from '../../src/ops/registry';
import { TFJS_COMPOSED, TFJS_IMPOSSIBLE } from '../../src/bench/tfjs-ops';
import { INTERACTION_KNOBS, INTERACTION_OPS } from '../../src/bench/interaction';
import { GROWTH_OPS } from '../../src/bench/suite';
import { kernelsOfOp, sharedKernelsOfOp } from '../../src/ui/notebook/views/kernels';
import { FIXTURES } from './fixtures';

const ROOT = resolve(import.meta.dirname, '../..');

describe('every registered op has what the op lists need', () => {
  const fixtureOps = new Set(readdirSync(resolve(FIXTURES, 'ops')).map((f) => f.replace(/__.*$/, '')));
  for (const op of OPS) {
    it(op.name, async () => {
      expect(op.gpu, 'a WebGPU path').toBeTypeOf('function');
      expect(op.name in TFJS_COMPOSED || op.name in TFJS_IMPOSSIBLE, 'a stock-tfjs composition (or the reason there is none)').toBe(true);
      expect(kernelsOfOp(op.name).length + (await sharedKernelsOfOp(op.name)).length, 'kernels in kernels/ (its own or shared ones)').toBeGreaterThan(0);
      expect(op.fixtureOps.some((f) => fixtureOps.has(f)), 'fixtures').toBe(true);
    });
  }
  it('nothing outside the registry has a tfjs composition', () => {
    for (const name of [...Object.keys(TFJS_COMPOSED), ...Object.keys(TFJS_IMPOSSIBLE)]) expect(opByName(name), name).toBeDefined();
  });
});

describe('the six mechanisms', () => {
  it('are the registry minus gla2d, softmax first, and the bench lists are them', () => {
    expect(MECHANISMS[0]).toBe('mhsa');
    expect(MECHANISMS.length).toBe(OPS.length - 1);
    expect(GROWTH_OPS).toEqual(MECHANISMS);
    expect(INTERACTION_OPS).toEqual(MECHANISMS);
  });
  for (const name of MECHANISMS) {
    it(`${name}: an interaction knob that is one of its sliders or choices, and a place in the all-op notebooks`, () => {
      const k = INTERACTION_KNOBS[name];
      expect(k, 'interaction knob').toBeDefined();
      const op = opByName(name)!;
      const keys = [...(op.sliders ?? []), ...(op.choices ?? [])].map((s) => s.key);
      expect(keys.includes(k.key) || k.key in (op.defaultConfig(14, 14) as object), `${k.key} is a knob of ${name}`).toBe(true);
      for (const nb of ['compare-all', 'flops-vs-latency']) {
        const text = readFileSync(resolve(ROOT, 'notebooks', `${nb}.md`), 'utf8');
        const lists = [...text.matchAll(/^ops: \[(.*)\]$/gm)].map((m) => m[1].split(',').map((s) => s.trim()));
        expect(lists.length, nb).toBeGreaterThan(0);
        for (const l of lists) expect(l, `${nb}.md lists ${name}`).toContain(name);
      }
    });
  }
  it('no knob for an op that is not a mechanism', () => {
    for (const name of Object.keys(INTERACTION_KNOBS)) expect(MECHANISMS).toContain(name);
  });
});
