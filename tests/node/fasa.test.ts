/** FASA CPU reference against the official fixtures (same rule as the parity suite) + MACs + map helpers. */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFileCpu } from '../../src/parity/check-file';
import { openFixture, fixtureTensor } from '../../src/parity/fixture-file';
import { fixtureParams } from '../../src/parity/op-check';
import { relL2 } from '../../src/tensor/tensor';
import { fasa } from '../../src/ops/fasa';
import { fasaReference } from '../../src/ops/fasa/reference';
import { pooledHW, type FasaConfig } from '../../src/ops/fasa/spec';
import { fasaGlobalMaps, fasaLocalWindow, pooledCellOf } from '../../src/ops/fasa/maps';

const root = resolve(process.env.ATTN_FIXTURES ?? '../shared/fixtures');
const files = readdirSync(join(root, 'ops')).filter((f) => f.startsWith('fasa__') && f.endsWith('.safetensors'));

describe('fasa fixtures', () => {
  it('finds fixture files', () => expect(files.length).toBeGreaterThan(0));

  for (const name of files) {
    const rel = `ops/${name}`;
    const bytes = new Uint8Array(readFileSync(join(root, rel)));

    it(`${name}: CPU reference passes the parity rule`, async () => {
      const r = await checkFileCpu(rel, bytes);
      expect(r.notes).toEqual([]);
      expect(r.status).toBe('PASS');
    });

    it(`${name}: MACs equal macs_counted`, () => {
      const f = openFixture(rel, bytes);
      const cfg = fasa.configFromFixture('fasa', f.meta.config ?? {});
      expect(fasa.macs(cfg)).toBe(f.meta.macs_counted);
      const [Hp, Wp] = pooledHW(cfg);
      expect(fixtureTensor(f, 'attn').shape).toEqual([cfg.heads, cfg.H * cfg.W, Hp * Wp]);
    });

    it(`${name}: a small change to the local branch fails the rule`, () => {
      // the comparison must be sharp enough to see the local branch (it is gated, not dropped)
      const f = openFixture(rel, bytes);
      const cfg = fasa.configFromFixture('fasa', f.meta.config ?? {});
      const p = fixtureParams(f);
      const lm = p['local_mixer.bias'];
      p['local_mixer.bias'] = { shape: lm.shape, data: lm.data.map((v) => v + 0.05) };
      const y = fasaReference(fixtureTensor(f, 'x'), p, cfg).y;
      expect(relL2(y.data, fixtureTensor(f, 'y').data)).toBeGreaterThan(1e-4);
    });
  }
});

describe('fasa maps', () => {
  const c: FasaConfig = { dim: 8, heads: 2, kernelSize: 5, ws: 4, H: 10, W: 7 };
  it('pooled grid is ceil(H/ws) × ceil(W/ws) and cells cover ws×ws pixel blocks', () => {
    expect(pooledHW(c)).toEqual([3, 2]);
    expect(pooledCellOf(c, 0)).toBe(0);
    expect(pooledCellOf(c, 4)).toBe(1); // (0,4) → cell (0,1)
    expect(pooledCellOf(c, 9 * 7 + 6)).toBe(5); // last pixel → last cell
  });
  it('spreads the clicked row over the grid', () => {
    const M = 6;
    const attn = new Float32Array(2 * 1 * M).map((_, i) => i);
    const g = fasaGlobalMaps(attn, c, 1, 0);
    expect(g.perHead[1][0]).toBe(6);
    expect(g.mean[9 * 7 + 6]).toBe((5 + 11) / 2);
  });
  it('clips the local window to the grid', () => {
    expect(fasaLocalWindow(c, 0)).toEqual({ y0: 0, y1: 2, x0: 0, x1: 2 });
  });
});
