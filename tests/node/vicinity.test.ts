import { describe, expect, it } from 'vitest';
import { checkFileCpu } from '../../src/parity/check-file';
import { openFixture, fixtureTensor } from '../../src/parity/fixture-file';
import { fixtureParams } from '../../src/parity/op-check';
import { vicinity } from '../../src/ops/vicinity';
import { absClamp, vicinityAngles } from '../../src/ops/vicinity/angles';
import { vicinityQueryMaps } from '../../src/ops/vicinity/maps';
import type { VicinityConfig } from '../../src/ops/vicinity/spec';
import { relL2 } from '../../src/tensor/tensor';
import { fixtureBytes, fixtureFiles } from './fixtures';

const files = fixtureFiles('ops', /^vicinity__.*\.safetensors$/);

function load(rel: string) {
  const f = openFixture(rel, fixtureBytes(rel));
  const cfg = vicinity.configFromFixture('vicinity', f.meta.config ?? {}) as VicinityConfig;
  return { f, cfg, x: fixtureTensor(f, 'x'), p: fixtureParams(f) };
}

describe('vicinity', () => {
  it('has fixtures to check', () => expect(files.length).toBeGreaterThan(0));
  for (const rel of files) {
    it(`CPU reference reproduces ${rel} (y, attn, locality, MACs)`, async () => {
      const r = await checkFileCpu(rel, fixtureBytes(rel));
      expect(r.notes).toEqual([]);
      expect(r.status).toBe('PASS');
      expect(r.worst).toBeLessThan(1e-4);
      const { f, cfg } = load(rel);
      expect(vicinity.macs(cfg)).toBe(f.meta.macs_counted);
    });
  }

  it('a wrong weight is caught (the comparison can fail)', () => {
    const { f, cfg, x, p } = load(files[0]);
    const w = p['q_proj.weight'];
    p['q_proj.weight'] = { shape: w.shape, data: w.data.map((v, i) => (i === 5 ? v + 0.05 : v)) };
    const out = vicinity.reference(x, p, cfg);
    expect(relL2(out.maps.attn.data, fixtureTensor(f, 'attn').data)).toBeGreaterThan(1e-4);
  });

  it('abs_clamp keeps exact zeros and the sign, clamps |t| to [1e-4, 1e4]', () => {
    expect(absClamp(0)).toBe(0);
    expect(absClamp(3e-7)).toBe(1e-4);
    expect(absClamp(-3e-7)).toBe(-1e-4);
    expect(absClamp(-2e5)).toBe(-1e4);
    expect(absClamp(0.5)).toBe(0.5);
  });

  it('angles are float32-rounded like get_index (fl32(fl32(c·row)/H))', () => {
    const c: VicinityConfig = { ...vicinity.defaultConfig(10, 14), theta: Math.PI / 2 };
    const { a, b } = vicinityAngles(c);
    const cf = Math.fround(Math.PI / 2);
    expect(a[3 * 14 + 5]).toBe(Math.fround(Math.fround(cf * 3) / 10));
    expect(b[3 * 14 + 5]).toBe(Math.fround(Math.fround(cf * 5) / 14));
    expect(a[3 * 14 + 5]).not.toBe((Math.PI / 2) * 3 / 10);
  });

  it('θ knob: the default is the official π/2; another θ changes y and sharpens the locality', () => {
    const { f, cfg, x, p } = load(files[0]);
    expect(vicinity.sliders?.find((s) => s.key === 'theta')?.default).toBe(Math.PI / 2);
    expect(vicinity.defaultConfig(cfg.H, cfg.W).theta).toBe(Math.PI / 2);
    const wide = vicinity.reference(x, p, { ...cfg, theta: Math.PI });
    expect(relL2(wide.y.data, fixtureTensor(f, 'y').data)).toBeGreaterThan(1e-3);
    const N = cfg.H * cfg.W;
    const far = N - 1; // opposite corner of token 0
    expect(wide.maps.locality.data[far]).toBeCloseTo(Math.cos(Math.fround(Math.fround(Math.fround(Math.PI) * (cfg.H - 1)) / cfg.H)) + Math.cos(Math.fround(Math.fround(Math.fround(Math.PI) * (cfg.W - 1)) / cfg.W)), 12);
    expect(wide.maps.locality.data[far]).toBeLessThan(fixtureTensor(f, 'locality').data[far]);
    expect(wide.maps.locality.data[0]).toBeCloseTo(2, 12);
  });

  it('query maps: heads, their mean first, and the locality row', () => {
    const { f, cfg } = load(files[0]);
    const maps = { attn: fixtureTensor(f, 'attn').data, locality: fixtureTensor(f, 'locality').data };
    const N = cfg.H * cfg.W;
    const t = 17;
    const panels = vicinityQueryMaps(maps, cfg, t, t);
    expect(panels).toHaveLength(cfg.heads + 2);
    const j = 40;
    const headsAt = panels.slice(1, 1 + cfg.heads).map((q) => q.values[j]);
    expect(panels[0].values[j]).toBeCloseTo(headsAt.reduce((a, v) => a + v, 0) / cfg.heads, 6);
    expect(panels[1].values[j]).toBeCloseTo(maps.attn[t * N + j], 6);
    expect(panels[cfg.heads + 1].values[j]).toBeCloseTo(maps.locality[t * N + j], 6);
    // Without a locality tensor the row comes from the angles and is the same.
    const fromAngles = vicinityQueryMaps({ attn: maps.attn }, cfg, t, t)[cfg.heads + 1];
    expect(relL2(fromAngles.values, panels[cfg.heads + 1].values)).toBeLessThan(1e-6);
  });
});
