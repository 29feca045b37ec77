/**
 * The stock-tfjs compositions of the bench on tfjs's cpu backend against the float64 references
 * (the browser test runs the same on the WebGPU backend): the tfjs column of the bench only means
 * something if these compute the op.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { syntheticParams } from '../../src/ops/common/params';
import { opByName } from '../../src/ops/registry';
import { relL2 } from '../../src/tensor/tensor';
import { prngInput } from '../../src/weights/prng';
import { TFJS_COMPOSED } from '../../src/bench/tfjs-ops';
import { glaTfjs } from '../../src/bench/tfjs-ops/gla';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function check(name: string, H: number, W: number, build = TFJS_COMPOSED[name]): Promise<number> {
  const op = opByName(name)!;
  const cfg = op.defaultConfig(H, W);
  const shape = op.inputShape(cfg);
  const x = prngInput(`tfjs-compose:${name}`, shape.reduce((a: number, b: number) => a * b, 1));
  const p = syntheticParams(op.paramShapes(cfg));
  const ref = op.reference({ shape, data: x }, p, cfg).y;
  const f = build(p, cfg);
  const xt = tf.tensor(Float32Array.from(x), shape);
  const y = tf.tidy(() => f.forward(xt));
  const out = await y.data();
  expect(y.shape).toEqual(ref.shape);
  tf.dispose([xt, y]);
  f.dispose();
  return relL2(out, ref.data);
}

describe('stock-tfjs compositions equal the float64 references (cpu backend)', () => {
  for (const name of Object.keys(TFJS_COMPOSED)) {
    it(`${name} 7×9`, async () => {
      expect(await check(name, 7, 9)).toBeLessThan(1e-4);
    });
  }
  it('gla across several chunks (chunk 16 on 11×13: 9 chunks, the last one padded)', async () => {
    expect(await check('gla', 11, 13, (p, c) => glaTfjs(p, c, 16))).toBeLessThan(1e-4);
  });
  it('gla2d across several chunks (chunk 8 on 6×9)', async () => {
    expect(await check('gla2d', 6, 9, (p, c) => glaTfjs(p, c, 8))).toBeLessThan(1e-4);
  });
  it('leaves no tensors behind', async () => {
    const before = tf.memory().numTensors;
    await check('gma', 5, 5);
    expect(tf.memory().numTensors).toBe(before);
  });
});
