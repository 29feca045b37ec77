/** Attention rollout: the product with the residual on hand-made layers, resampling, and a VVT mini from its captured attention inputs. */
import { describe, expect, it } from 'vitest';
import { effectiveMixing, resampleRow, rollout, rolloutDefinition, rolloutFromCaptures } from '../../src/models/rollout';
import { MODELS } from '../../src/models/registry';
import { vvtForward } from '../../src/models/vvt/forward';
import { loadMini } from '../../src/parity/model-check';
import { prngInput } from '../../src/weights/prng';
import type { Tensor } from '../../src/tensor/tensor';
import { fixtureBytes } from './fixtures';
import { knobSites } from '../../src/models/knob-apply';
import type { VicinityConfig } from '../../src/ops/vicinity/spec';

const sum = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0);

describe('rollout math', () => {
  it('equals e_qᵀ·(½A₂+½I)·(½A₁+½I) on one grid', () => {
    const N = 4;
    const rand = (seed: number) => Float64Array.from({ length: N * N }, (_, i) => Math.abs(Math.sin(seed * 31 + i * 7.3)));
    const norm = (m: Float64Array) => {
      for (let t = 0; t < N; t++) {
        const s = sum(m.subarray(t * N, (t + 1) * N));
        for (let j = 0; j < N; j++) m[t * N + j] /= s;
      }
      return m;
    };
    const A1 = norm(rand(1));
    const A2 = norm(rand(2));
    const q = 2;
    const mix = (r: number[], A: Float64Array) => r.map((_, j) => 0.5 * r.reduce((s, rt, t) => s + rt * A[t * N + j], 0) + 0.5 * r[j]);
    const want = mix(mix([0, 0, 1, 0], A2), A1);
    const got = rollout([{ A: A1, H: 2, W: 2 }, { A: A2, H: 2, W: 2 }], q);
    Array.from(got.values).forEach((v, i) => expect(v).toBeCloseTo(want[i], 14));
    expect(sum(got.values)).toBeCloseTo(1, 14);
    expect(() => rollout([{ A: A1, H: 2, W: 2 }], 4)).toThrow(/outside/);
  });
  it('resampling a row keeps its mass and spreads a coarse token over the fine ones under it', () => {
    const r = Float64Array.from([1, 0, 0, 0]);
    const f = resampleRow(r, 2, 2, 4, 4);
    expect(sum(f)).toBeCloseTo(1, 14);
    expect([f[0], f[1], f[4], f[5]]).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(sum(resampleRow(Float64Array.from([0.2, 0.3, 0.5]), 1, 3, 3, 7))).toBeCloseTo(1, 14);
  });
  it('signed GLA weights: |w_f·attn_f + w_b·attn_b| row-normalised', () => {
    const c = { heads: 1, H: 1, W: 2, direction: 'both', mergeDiv: 4 } as never;
    const m = effectiveMixing('gla', c, { attn_f: [1, 0, 2, -1], attn_b: [3, -2, 0, 1] });
    // w_f = w_b = 2/(2·4): rows (1, −0.5) and (0.5, 0) → |·| normalised
    Array.from(m.A).forEach((v, i) => expect(v).toBeCloseTo([2 / 3, 1 / 3, 1, 0][i], 14));
  });
  it('every family has a definition', () => {
    for (const m of MODELS) expect(rolloutDefinition(m.family)).toMatch(/e_qᵀ·Π_l \(½·A_l \+ ½·I\)/);
  });
});

describe('rollout of the VVT mini (64² input, four stages)', () => {
  it('from the captured inputs of every block: a distribution on the stage-1 grid that θ changes', async () => {
    const rel = 'models/vvt-mini.safetensors';
    const { impl, cfg, w } = await loadMini(rel, fixtureBytes(rel), async (r) => fixtureBytes(r));
    const S = 64;
    const x: Tensor = { shape: [1, 3, S, S], data: prngInput('rollout:vvt', 3 * S * S) };
    const run = async (knobs?: { scope: 'all'; values: { theta: number } }) => {
      const caps: Record<number, Float64Array> = {};
      // the forward at the same setting gives each block's input
      const sites = knobSites(impl.attentionSites!(cfg, S, S), knobs) as VicinityConfig[] | null;
      vvtForward(x, w, cfg as never, { sites, onAttentionInput: (site, u) => { caps[site] = Float64Array.from(u.data); } });
      return rolloutFromCaptures(impl, cfg, w, S, S, caps, 1, { knobs });
    };
    const r = await run();
    expect(r.layers).toBe(impl.attentionSites!(cfg, S, S).length);
    expect([r.H, r.W]).toEqual([16, 16]);
    expect(sum(r.values)).toBeCloseTo(1, 10);
    expect(Math.min(...r.values)).toBeGreaterThanOrEqual(0);
    const k = await run({ scope: 'all', values: { theta: 3 } });
    expect(Math.max(...Array.from(k.values, (v, i) => Math.abs(v - r.values[i])))).toBeGreaterThan(1e-6);
  }, 120_000);
});
