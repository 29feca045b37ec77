import { describe, expect, it } from 'vitest';
import { checkFileCpu } from '../../src/parity/check-file';
import { mhsa } from '../../src/ops/mhsa';
import { mhsaQueryMaps } from '../../src/ops/mhsa/maps';
import { syntheticParams } from '../../src/ops/common/params';
import { prngInput } from '../../src/weights/prng';
import { fixtureBytes, fixtureFiles } from './fixtures';

describe('mhsa', () => {
  for (const rel of fixtureFiles('ops', /^mhsa__.*\.safetensors$/)) {
    it(`CPU reference reproduces ${rel}`, async () => {
      const r = await checkFileCpu(rel, fixtureBytes(rel));
      expect(r.notes).toEqual([]);
      expect(r.status).toBe('PASS');
      expect(r.worst).toBeLessThan(1e-4);
    });
  }
  it('counts MACs as qkv + QKᵀ + AV + proj', () => {
    expect(mhsa.macs({ dim: 64, heads: 4, qkvBias: true, H: 14, W: 14 })).toBe(8128512);
    expect(mhsa.macs({ dim: 384, heads: 6, qkvBias: true, H: 14, W: 14 })).toBe(196 * 384 * 4 * 384 + 2 * 196 * 196 * 384);
  });
  it('query maps: per-head rows sum to 1 and the mean is their average', () => {
    const cfg = mhsa.defaultConfig(5, 6);
    const x = { shape: mhsa.inputShape(cfg), data: prngInput('t', 30 * cfg.dim) };
    const out = mhsa.reference(x, syntheticParams(mhsa.paramShapes(cfg)), cfg);
    const panels = mhsaQueryMaps({ attn: out.maps.attn.data }, cfg, 7, 7);
    expect(panels).toHaveLength(cfg.heads + 1);
    for (const p of panels) expect(p.values.reduce((a, v) => a + v, 0)).toBeCloseTo(1, 5);
    expect(panels[0].values[3]).toBeCloseTo(panels.slice(1).reduce((a, p) => a + p.values[3], 0) / cfg.heads, 6);
  });
});
