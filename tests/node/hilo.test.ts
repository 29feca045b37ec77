import { describe, expect, it } from 'vitest';
import { checkFileCpu } from '../../src/parity/check-file';
import { openFixture, fixtureTensor } from '../../src/parity/fixture-file';
import { fixtureParams } from '../../src/parity/op-check';
import { hilo } from '../../src/ops/hilo';
import { hiloDerived, hiloDim, type HiloConfig } from '../../src/ops/hilo/spec';
import { hiloBranchMacs } from '../../src/ops/hilo/flops';
import { hiloQueryMaps, hiloTokenMaps } from '../../src/ops/hilo/maps';
import { syntheticParams } from '../../src/ops/common/params';
import { prngInput } from '../../src/weights/prng';
import { relL2 } from '../../src/tensor/tensor';
import { fixtureBytes, fixtureFiles } from './fixtures';

const README: HiloConfig = { dim: 384, heads: 12, alpha: 0.5, ws: 2, qkvBias: false, H: 14, W: 14, padded: false };

function run(cfg: HiloConfig, key = 'hilo-test') {
  const x = { shape: hilo.inputShape(cfg), data: prngInput(key, cfg.H * cfg.W * hiloDim(cfg)) };
  return hilo.reference(x, syntheticParams(hilo.paramShapes(cfg)), cfg);
}

describe('hilo', () => {
  const files = fixtureFiles('ops', /^hilo(_pad)?__.*\.safetensors$/);
  it('has both fixture kinds', () => {
    expect(files.some((f) => f.includes('hilo_pad__'))).toBe(true);
    expect(files.some((f) => f.includes('hilo__'))).toBe(true);
  });
  for (const rel of files) {
    it(`CPU reference reproduces ${rel}`, async () => {
      const r = await checkFileCpu(rel, fixtureBytes(rel));
      expect(r.notes).toEqual([]);
      expect(r.status).toBe('PASS');
      expect(r.worst).toBeLessThan(1e-4);
    });
  }

  it('official flops(14, 14) of the README module is 83,467,776, and MACs agree', () => {
    expect(hilo.officialFlops!(README)).toBe(83467776);
    expect(hilo.macs(README)).toBe(83467776);
    const { hifiMacs, lofiMacs } = hiloBranchMacs(README);
    expect(hifiMacs).toBe(50878464);
    expect(lofiMacs).toBe(32589312);
  });

  it('splits heads as int(heads·alpha); ws = 1 is plain MHSA', () => {
    const split = (heads: number, alpha: number, ws = 2) => {
      const g = hiloDerived({ ...README, dim: 32 * heads, heads, alpha, ws });
      return [g.lHeads, g.hHeads];
    };
    expect(split(12, 0.9)).toEqual([10, 2]);
    expect(split(12, 0.5)).toEqual([6, 6]);
    expect(split(16, 0.9)).toEqual([14, 2]);
    expect(split(4, 0)).toEqual([0, 4]);
    expect(split(4, 0, 1)).toEqual([4, 0]);
    expect(hiloDerived({ ...README, ws: 1 }).M).toBe(196);
  });

  it('branch MACs add up; a branch with no heads costs nothing', () => {
    for (const [alpha, ws] of [[0, 2], [1, 2], [0.9, 3], [0.3, 5]] as const) {
      const cfg = { ...README, alpha, ws, H: 15, W: 11 };
      const b = hiloBranchMacs(cfg);
      expect(b.hifiMacs + b.lofiMacs).toBe(hilo.macs(cfg));
      expect(hilo.macs(cfg)).toBe(hilo.officialFlops!(cfg));
      if (alpha === 0) expect(b.lofiMacs).toBe(0);
      if (alpha === 1) expect(b.hifiMacs).toBe(0);
    }
  });

  it('classification and padded variants agree on a divisible grid and any grid runs padded', () => {
    const base: HiloConfig = { dim: 32, heads: 4, alpha: 0.5, ws: 2, qkvBias: true, H: 6, W: 4, padded: true };
    const a = run(base);
    const b = run({ ...base, padded: false });
    expect(relL2(a.y.data, b.y.data)).toBe(0);
    // ws larger than the grid: one padded window; one pooled key, so Lo-Fi maps are flat 1/ws² on real pixels
    const big = { ...base, H: 5, W: 7, ws: 9 };
    const out = run(big);
    expect(out.maps.attn_hifi.shape).toEqual([2, 1, 81, 81]);
    expect(out.maps.attn_lofi.shape).toEqual([2, 35, 1]);
    const panels = hiloQueryMaps(Object.fromEntries(Object.entries(out.maps).map(([k, v]) => [k, v.data])), big, 12, 12);
    expect(panels).toHaveLength(5);
    for (const v of panels[3].values) expect(v).toBeCloseTo(1 / 81, 7);
  });

  it('token maps equal the fixture attn_eff rows, in the full and in the per-row layout', () => {
    const rel = files.find((f) => f.includes('hilo_pad__') && f.includes('15x15')) ?? files.find((f) => f.includes('hilo_pad__'))!;
    const f = openFixture(rel, fixtureBytes(rel));
    const cfg = hilo.configFromFixture(f.meta.op as string, f.meta.config ?? {});
    const g = hiloDerived(cfg);
    const out = hilo.reference(fixtureTensor(f, 'x'), fixtureParams(f), cfg);
    const full = { attn_hifi: out.maps.attn_hifi.data, attn_lofi: out.maps.attn_lofi.data };
    const eff = fixtureTensor(f, 'attn_eff').data;
    for (const token of [0, g.N - 1, Math.floor(g.N / 2) + 3]) {
      const m = hiloTokenMaps(cfg, full, token);
      const heads = [...m.hifi, ...m.lofi];
      expect(heads).toHaveLength(cfg.heads);
      heads.forEach((img, e) => expect(relL2(img, eff.subarray((e * g.N + token) * g.N, (e * g.N + token + 1) * g.N))).toBeLessThan(1e-6));
      // the GPU's opts.rows = [token] layout
      const ty = Math.floor(token / cfg.W);
      const tx = token % cfg.W;
      const tw = Math.floor(ty / cfg.ws) * g.Gw + Math.floor(tx / cfg.ws);
      const ti = (ty % cfg.ws) * cfg.ws + (tx % cfg.ws);
      const hRows = new Float64Array(g.hHeads * g.T);
      for (let e = 0; e < g.hHeads; e++) hRows.set(full.attn_hifi.subarray(((e * g.G + tw) * g.T + ti) * g.T, ((e * g.G + tw) * g.T + ti + 1) * g.T), e * g.T);
      const lRows = new Float64Array(g.lHeads * g.M);
      for (let e = 0; e < g.lHeads; e++) lRows.set(full.attn_lofi.subarray((e * g.N + token) * g.M, (e * g.N + token + 1) * g.M), e * g.M);
      const r = hiloTokenMaps(cfg, { attn_hifi: hRows, attn_lofi: lRows }, token, 0);
      [...r.hifi, ...r.lofi].forEach((img, e) => expect(relL2(img, heads[e])).toBe(0));
    }
  });

  it('op-view config: every head count is valid at head size 32', () => {
    const cfg = { ...hilo.defaultConfig(14, 14), heads: 5 } as HiloConfig;
    expect(hilo.inputShape(cfg)).toEqual([1, 196, 160]);
    expect(hiloDerived(cfg).lHeads).toBe(4);
    expect(hilo.sliders!.map((s) => s.key)).toEqual(['alpha', 'ws', 'heads']);
    expect(hilo.sliders!.find((s) => s.key === 'alpha')!.default).toBe(0.9);
  });
});
