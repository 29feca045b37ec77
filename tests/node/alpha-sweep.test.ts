import { describe, expect, it } from 'vitest';
import { litv2AlphaSweep } from '../../src/models/litv2/alpha-sweep';

describe('LITv2-S alpha sweep', () => {
  // flops() falls from alpha 0 to 0.9 and rises a little at 1.0: with no Hi-Fi heads left, the
  // Lo-Fi query projection spans the full width.
  it('covers every released alpha, with flops() falling from 3.97 G to 3.73 G at alpha 0.9', () => {
    const rows = litv2AlphaSweep();
    expect(rows.map((r) => r.alpha)).toEqual([0, 0.2, 0.4, 0.5, 0.7, 0.9, 1]);
    expect(rows.map((r) => r.lofiHeads)).toEqual([0, 2, 4, 6, 8, 10, 12]);
    for (let i = 1; i < rows.length - 1; i++) expect(rows[i].officialGFlops).toBeLessThan(rows[i - 1].officialGFlops);
    expect(rows[0].officialGFlops).toBeCloseTo(3.965462076, 9);
    expect(rows[rows.length - 1].officialGFlops).toBeCloseTo(3.745992252, 9);
    expect(rows.find((r) => r.alpha === 0.9)!.officialGFlops).toBeCloseTo(3.734401596, 9);
  });
});
