import { describe, expect, it } from 'vitest';
import { checkFileCpu } from '../../src/parity/check-file';
import { openFixture, fixtureTensor } from '../../src/parity/fixture-file';
import { fixtureParams } from '../../src/parity/op-check';
import { gma } from '../../src/ops/gma';
import { gmaQueryMaps } from '../../src/ops/gma/maps';
import { gmaDims, type GmaConfig } from '../../src/ops/gma/spec';
import { relL2 } from '../../src/tensor/tensor';
import { fixtureBytes, fixtureFiles } from './fixtures';

const files = fixtureFiles('ops', /^gma__.*\.safetensors$/);

function load(rel: string) {
  const f = openFixture(rel, fixtureBytes(rel));
  const cfg = gma.configFromFixture('gma', f.meta.config ?? {}) as GmaConfig;
  return { f, cfg, x: fixtureTensor(f, 'x'), p: fixtureParams(f) };
}

describe('gma', () => {
  it('has fixtures to check', () => expect(files.length).toBeGreaterThan(0));
  for (const rel of files) {
    it(`CPU reference reproduces ${rel} (y, k_softmax, attn_eff, MACs)`, async () => {
      const r = await checkFileCpu(rel, fixtureBytes(rel));
      expect(r.notes).toEqual([]);
      expect(r.status).toBe('PASS');
      expect(r.worst).toBeLessThan(1e-4);
      const { f, cfg } = load(rel);
      expect(gma.macs(cfg)).toBe(f.meta.macs_counted);
    });
  }

  it('scale comes from the full width: (dim // heads)^-0.5', () => {
    const { f, cfg } = load(files[0]);
    const derived = (f.meta.config as { derived: { scale: number; Ch: number; seg: number } }).derived;
    const d = gmaDims(cfg);
    expect(d.scale).toBeCloseTo(derived.scale, 15);
    expect(d.Ch).toBe(derived.Ch);
    expect(d.s).toBe(derived.seg);
  });

  it('a wrong weight is caught (the comparison can fail)', () => {
    const { f, cfg, x, p } = load(files[0]);
    const w = p['aggregator.agg2.conv1.weight'];
    p['aggregator.agg2.conv1.weight'] = { shape: w.shape, data: w.data.map((v, i) => (i === 12 ? v + 0.2 : v)) };
    const out = gma.reference(x, p, cfg);
    expect(relL2(out.maps.attn_eff.data, fixtureTensor(f, 'attn_eff').data)).toBeGreaterThan(1e-4);
  });

  it('segment knobs: off zeroes the heads of that segment and drops its convs from the MACs', () => {
    const { f, cfg, x, p } = load(files[0]);
    const { N, s } = gmaDims(cfg);
    const off3 = { ...cfg, agg3: 0 };
    expect(gma.macs(cfg) - gma.macs(off3)).toBe(3 * (N * s * 9 + N * s * s));
    expect(gma.macs(cfg) - gma.macs({ ...cfg, aggNonAttn: 0 })).toBe(N * 3 * s * 9 + N * 3 * s * s);
    const out = gma.reference(x, p, off3);
    const eff = out.maps.attn_eff.data;
    const ref = fixtureTensor(f, 'attn_eff').data;
    const head = (a: Float64Array, h: number) => a.subarray(h * N * N, (h + 1) * N * N);
    for (const h of [2, 3]) expect(head(eff, h).every((v) => v === 0)).toBe(true);
    for (const h of [0, 1, 4, 7]) expect(relL2(head(eff, h), head(ref, h))).toBeLessThan(1e-6);
    expect(relL2(out.y.data, fixtureTensor(f, 'y').data)).toBeGreaterThan(1e-3);
  });

  it('the non-attention branch does not touch the maps; all segments off leaves proj.bias', () => {
    const { f, cfg, x, p } = load(files[0]);
    const noAgg0 = gma.reference(x, p, { ...cfg, aggNonAttn: 0 });
    expect(relL2(noAgg0.maps.attn_eff.data, fixtureTensor(f, 'attn_eff').data)).toBeLessThan(1e-6);
    expect(relL2(noAgg0.y.data, fixtureTensor(f, 'y').data)).toBeGreaterThan(1e-3);
    const none = gma.reference(x, p, { ...cfg, aggToken: 0, agg3: 0, agg5: 0, agg7: 0, aggNonAttn: 0 });
    const bias = p['proj.bias'].data;
    const C = cfg.dim;
    expect(none.y.data.every((v, i) => Math.abs(v - bias[i % C]) < 1e-12)).toBe(true);
  });

  it('knob defaults are all on (the official module)', () => {
    for (const s of gma.sliders ?? []) expect(s.default).toBe(1);
    const d = gma.defaultConfig(7, 7) as unknown as Record<string, number>;
    for (const s of gma.sliders ?? []) expect(d[s.key]).toBe(1);
  });

  it('query maps: mean, one panel per head group (mean of its two heads), then each head', () => {
    const { f, cfg } = load(files[0]);
    const eff = fixtureTensor(f, 'attn_eff').data;
    const N = cfg.H * cfg.W;
    const t = 100;
    const panels = gmaQueryMaps({ attn_eff: eff }, cfg, t, t);
    expect(panels).toHaveLength(1 + 4 + cfg.heads);
    const j = 33;
    const at = (h: number) => eff[(h * N + t) * N + j];
    expect(panels[2].values[j]).toBeCloseTo((at(2) + at(3)) / 2, 6);
    expect(panels[5 + 6].values[j]).toBeCloseTo(at(6), 6);
    expect(panels[0].values[j]).toBeCloseTo([0, 1, 2, 3, 4, 5, 6, 7].reduce((a, h) => a + at(h), 0) / 8, 6);
    expect(panels.every((q) => q.signed)).toBe(true);
  });
});
