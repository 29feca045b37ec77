/**
 * forwardBatches (src/models/timing.ts): at most two forwards in flight, forward i + 1 started
 * before forward i's result is taken, results handed over in order, a failure surfaced.
 */
import { describe, expect, it } from 'vitest';
import { forwardBatches } from '../../src/models/timing';

const later = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('forwardBatches', () => {
  it('keeps two in flight and hands results over in order', async () => {
    const log: string[] = [];
    let inFlight = 0;
    let most = 0;
    await forwardBatches(5, async (i) => {
      log.push(`start ${i}`);
      most = Math.max(most, ++inFlight);
      await later(i % 2 ? 1 : 5); // odd ones would finish first
      inFlight--;
      return i * 10;
    }, (r, i) => {
      log.push(`result ${i}`);
      expect(r).toBe(i * 10);
    });
    expect(most).toBe(2);
    expect(log).toEqual(['start 0', 'start 1', 'result 0', 'start 2', 'result 1', 'start 3', 'result 2', 'start 4', 'result 3', 'result 4']);
  });
  it('one batch, none, and a failure', async () => {
    const got: number[] = [];
    await forwardBatches(1, async () => 7, (r) => got.push(r));
    await forwardBatches(0, async () => 1, (r) => got.push(r));
    expect(got).toEqual([7]);
    await expect(forwardBatches(3, async (i) => {
      if (i === 1) throw new Error('batch 1 failed');
      return i;
    })).rejects.toThrow('batch 1 failed');
  });
});
