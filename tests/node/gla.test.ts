/** ViG GLA (gla, gla2d): CPU reference vs the official fixtures, MACs, and the knobs' semantics. */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { checkFileCpu } from '../../src/parity/check-file';
import { openFixture } from '../../src/parity/fixture-file';
import { gla, gla2d } from '../../src/ops/gla';
import { glaScan } from '../../src/ops/gla/reference';
import { cumulativeLogDecay, decayRowFromLogDecay, effectiveRows, gateImage, glaTokenMaps } from '../../src/ops/gla/maps';
import { scanChunk } from '../../src/ops/gla/gpu';
import { glaDims, type GlaConfig } from '../../src/ops/gla/spec';
import { syntheticParams } from '../../src/ops/common/params';
import { prngInput } from '../../src/weights/prng';
import { relL2, type Tensor } from '../../src/tensor/tensor';

const root = resolve(process.env.ATTN_FIXTURES ?? '../shared/fixtures');
const files = readdirSync(join(root, 'ops')).filter((f) => /^gla2?d?__.*\.safetensors$/.test(f));

describe('gla fixtures (CPU reference)', () => {
  it('has fixtures to check', () => expect(files.length).toBeGreaterThan(0));
  for (const f of files) {
    it(f, async () => {
      const bytes = new Uint8Array(readFileSync(join(root, 'ops', f)));
      const r = await checkFileCpu(`ops/${f}`, bytes);
      expect(r.notes).toEqual([]);
      expect(r.status).toBe('PASS');
      const fx = openFixture(f, bytes);
      const impl = fx.meta.op === 'gla2d' ? gla2d : gla;
      expect(impl.macs(impl.configFromFixture(fx.meta.op!, fx.meta.config!))).toBe(fx.meta.macs_counted);
    });
  }
});

function run(cfg: GlaConfig, salt = 'gla-test') {
  const impl = cfg.layout === 'channels' ? gla2d : gla;
  const p = syntheticParams(impl.paramShapes(cfg));
  const shape = impl.inputShape(cfg);
  const x: Tensor = { shape, data: prngInput(salt, shape.reduce((a, b) => a * b, 1)) };
  return { p, x, out: impl.reference(x, p, cfg) };
}

describe('gla knobs', () => {
  const base = gla.defaultConfig(5, 6);

  it('recurrent scan equals the parallel effective weights (of = attn_f·v)', () => {
    const L = 23, dk = 4, dv = 3;
    const rnd = (n: number, k: string) => prngInput(k, n);
    const q = rnd(L * dk, 'q'), k = rnd(L * dk, 'k'), v = rnd(L * dv, 'v');
    const gam = rnd(L * dk, 'g').map((u) => -Math.abs(u));
    for (const rev of [false, true]) {
      const o = glaScan(q, k, v, gam, L, dk, dv, 0.5, rev);
      const { attn } = effectiveRows(q, k, cumulativeLogDecay(gam, L, dk, rev), L, dk, 0.5, rev, Array.from({ length: L }, (_, i) => i));
      const o2 = new Float64Array(L * dv);
      for (let t = 0; t < L; t++) for (let j = 0; j < L; j++) for (let e = 0; e < dv; e++) o2[t * dv + e] += attn[t * L + j] * v[j * dv + e];
      expect(relL2(o, o2)).toBeLessThan(1e-12);
    }
  });

  it('τ divides the log-decay', () => {
    const a = run(base).out.maps.log_decay_f.data;
    const b = run({ ...base, tau: 8 }).out.maps.log_decay_f.data;
    expect(relL2(b, a.map((v) => 2 * v))).toBeLessThan(1e-12);
  });

  it('one direction: the other scan vanishes from maps and output', () => {
    const both = run(base).out;
    const fwd = run({ ...base, direction: 'forward' }).out;
    const bwd = run({ ...base, direction: 'backward' }).out;
    expect(fwd.maps.attn_b.data.every((v) => v === 0)).toBe(true);
    expect(bwd.maps.attn_f.data.every((v) => v === 0)).toBe(true);
    expect(relL2(fwd.maps.attn_f.data, both.maps.attn_f.data)).toBe(0);
    expect(relL2(fwd.y.data, both.y.data)).toBeGreaterThan(1e-3);
    expect(relL2(fwd.y.data, bwd.y.data)).toBeGreaterThan(1e-3);
  });

  it('locality off (G≡1) ignores l_norm; full (G≡0) ignores q/k/v', () => {
    const off = { ...base, locality: 'off' as const };
    const r = run(off);
    const p2 = { ...r.p, 'l_norm.weight': { ...r.p['l_norm.weight'], data: r.p['l_norm.weight'].data.map((v) => v * 3) } };
    expect(relL2(gla.reference(r.x, p2, off).y.data, r.out.y.data)).toBeLessThan(1e-15);
    expect(r.out.maps.gate.data.every((v) => v === 1)).toBe(true);
    const full = { ...base, locality: 'full' as const };
    const f = run(full);
    const p3 = { ...f.p, 'qkv_proj.weight': { ...f.p['qkv_proj.weight'], data: f.p['qkv_proj.weight'].data.map((v) => -v * 2) } };
    expect(relL2(gla.reference(f.x, p3, full).y.data, f.out.y.data)).toBeLessThan(1e-15);
    expect(relL2(f.out.y.data, run(base).out.y.data)).toBeGreaterThan(1e-3);
  });

  it('maps.ts helpers agree with the full maps', () => {
    const cfg = gla2d.defaultConfig(4, 7);
    const { L, dk, V } = glaDims(cfg);
    const m = run(cfg).out.maps;
    const t = 11;
    const tm = glaTokenMaps(Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v.data])), cfg.heads, L, t);
    for (const [rev, map, rows] of [[false, m.decay_f, tm.decayForward], [true, m.decay_b, tm.decayBackward]] as const) {
      const fromLog = decayRowFromLogDecay((rev ? m.log_decay_b : m.log_decay_f).data, cfg.heads, L, dk, t, rev);
      for (let h = 0; h < cfg.heads; h++) {
        expect(relL2(fromLog[h], map.data.subarray((h * L + t) * L, (h * L + t + 1) * L))).toBeLessThan(1e-6);
        expect(relL2(rows.perHead[h], fromLog[h])).toBeLessThan(1e-6);
      }
    }
    const img = gateImage(m.gate.data, L, V);
    expect(img.length).toBe(L);
    expect(Math.abs(img[3] - m.gate.data.subarray(3 * V, 4 * V).reduce((a, b) => a + b, 0) / V)).toBeLessThan(1e-6);
  });

  it('GPU scan chunk keeps workgroup memory within 16 KiB for dk ≤ 128', () => {
    for (let dk = 1; dk <= 128; dk++) {
      const bt = scanChunk(dk);
      const floats = 3 * bt * dk + bt * 16 + bt * bt + dk * 16 + dk;
      expect(floats * 4).toBeLessThanOrEqual(16384);
    }
  });
});
