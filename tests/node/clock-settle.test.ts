import { describe, expect, it } from 'vitest';
import { settleClocks } from '../../src/gpu/clock-settle';

describe('settleClocks', () => {
  it('runs until the last three times agree, past the minimum warm-up', async () => {
    // a clock ramp: 10 ms falling to 3 ms over the first runs, then flat
    const times = [10, 9, 7, 5, 4, 3.1, 3, 3, 3, 3, 3, 3];
    let i = 0;
    const runs = await settleClocks(async () => times[Math.min(i++, times.length - 1)], { minMs: 0 });
    expect(runs).toBe(8); // 3.1, 3, 3 agree within 5% at the 8th run
  });

  it('keeps going for minMs even when settled early', async () => {
    const t0 = performance.now();
    await settleClocks(async () => 1, { minMs: 40 });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(39);
  });

  it('stops at maxMs when the times never settle', async () => {
    let i = 0;
    const t0 = performance.now();
    await settleClocks(async () => {
      await new Promise((r) => setTimeout(r, 2));
      return i++ % 2 ? 1 : 2;
    }, { minMs: 0, maxMs: 50 });
    expect(performance.now() - t0).toBeLessThan(500);
  });

  it('does nothing on a software adapter', async () => {
    let n = 0;
    expect(await settleClocks(async () => ++n, { skip: true })).toBe(0);
    expect(n).toBe(0);
  });
});
