/**
 * The bench's stock-tfjs compositions on the tfjs WebGPU backend that shares our device, against
 * the float64 references: the tfjs column of the bench compares like with like only if these
 * compute the op. 11×13 = 143 tokens puts GLA across three 64-token chunks (the last one padded).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { GpuContext } from '../../src/gpu/context';
import { syntheticParams } from '../../src/ops/common/params';
import { OPS, opByName } from '../../src/ops/registry';
import { relL2 } from '../../src/tensor/tensor';
import { prngInput } from '../../src/weights/prng';
import { TFJS_COMPOSED, TFJS_IMPOSSIBLE } from '../../src/bench/tfjs-ops';
import { useTfjsOn } from '../../src/bench/tfjs-time';

let ctx: GpuContext;
beforeAll(async () => {
  ctx = await GpuContext.acquire(navigator.gpu);
  expect(await useTfjsOn(ctx)).toBe('webgpu-shared');
});
afterAll(() => ctx?.destroy());

describe('stock-tfjs compositions on the shared WebGPU backend equal the float64 references', () => {
  for (const name of OPS.map((o) => o.name).filter((n) => !(n in TFJS_IMPOSSIBLE))) {
    for (const [H, W] of [[6, 9], [11, 13]]) {
      it(`${name} ${H}×${W}`, async () => {
        const op = opByName(name)!;
        const cfg = op.defaultConfig(H, W);
        const shape = op.inputShape(cfg);
        const x = prngInput(`tfjs-compose:${name}`, shape.reduce((a: number, b: number) => a * b, 1));
        const p = syntheticParams(op.paramShapes(cfg));
        const ref = op.reference({ shape, data: x }, p, cfg).y;
        const f = TFJS_COMPOSED[name](p, cfg);
        const xt = tf.tensor(Float32Array.from(x), shape);
        const y = tf.tidy(() => f.forward(xt));
        expect(y.shape).toEqual(ref.shape);
        const out = await y.data();
        tf.dispose([xt, y]);
        f.dispose();
        expect(relL2(out, ref.data)).toBeLessThan(1e-4);
      });
    }
  }
});
