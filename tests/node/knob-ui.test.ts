import { describe, expect, it } from 'vitest';
import { compareToOfficial, klDivergence, rankOf } from '../../src/ui/classify/knobs/compare';
import { latestWins } from '../../src/ui/classify/knobs/latest-wins';
import { scopeChoices, settingKey, settingOf, siteConfigAt } from '../../src/ui/classify/knobs/net-knobs';
import { softmaxProbs } from '../../src/models/classify';
import type { NetworkKnob } from '../../src/models/knobs';
import type { AttentionSite } from '../../src/models/types';

describe('knob outcome against the official setting', () => {
  it('KL is 0 for equal logits and matches the closed form for two classes', () => {
    expect(klDivergence([0.3, 0.7], [0.3, 0.7])).toBe(0);
    const p = [0.25, 0.75];
    const q = [0.5, 0.5];
    expect(klDivergence(p, q)).toBeCloseTo(0.25 * Math.log(0.5) + 0.75 * Math.log(1.5), 12);
  });
  it('rank, probability and KL of the official top-1 under the knob', () => {
    const off = [1, 5, 2, 0];
    const knob = [3, 2, 4, 0];
    const d = compareToOfficial(off, knob);
    expect(d.officialTop1).toBe(1);
    expect(d.knobTop1).toBe(2);
    expect(d.rank).toBe(3);
    expect(d.pOfficial).toBeCloseTo(softmaxProbs(off)[1], 14);
    expect(d.pKnob).toBeCloseTo(softmaxProbs(knob)[1], 14);
    expect(d.kl).toBeGreaterThan(0);
    expect(compareToOfficial(off, off)).toMatchObject({ rank: 1, kl: 0, knobTop1: 1 });
  });
  it('ties rank by lower index first, as topK', () => {
    expect(rankOf([2, 2, 1], 1)).toBe(2);
    expect(rankOf([2, 2, 1], 0)).toBe(1);
  });
});

describe('latest wins', () => {
  it('runs one job at a time and only the newest request after it; every result is reported', async () => {
    const started: number[] = [];
    const reported: number[] = [];
    const gates: Array<() => void> = [];
    const r = latestWins<number, number>(
      (n) => {
        started.push(n);
        return new Promise((res) => gates.push(() => res(n * 10)));
      },
      (n, v) => reported.push(v),
      () => undefined,
    );
    r.submit(1);
    r.submit(2);
    r.submit(3);
    r.submit(4);
    expect(started).toEqual([1]);
    expect(r.busy).toBe(true);
    gates[0]();
    await new Promise((res) => setTimeout(res, 0));
    expect(reported).toEqual([10]);
    expect(started).toEqual([1, 4]); // 2 and 3 never ran
    gates[1]();
    await new Promise((res) => setTimeout(res, 0));
    expect(reported).toEqual([10, 40]);
    expect(r.busy).toBe(false);
  });
  it('reports failures and keeps going', async () => {
    const errs: string[] = [];
    const r = latestWins<number, number>(
      (n) => (n < 0 ? Promise.reject(new Error('bad')) : Promise.resolve(n)),
      () => undefined,
      (_n, e) => errs.push((e as Error).message),
    );
    r.submit(-1);
    r.submit(2);
    await new Promise((res) => setTimeout(res, 0));
    expect(errs).toEqual(['bad']);
    expect(r.busy).toBe(false);
  });
});

const tau: NetworkKnob = { key: 'tau', op: 'gla', label: 'τ', kind: 'slider', min: 1, max: 256, step: 1, log: true, official: 16, help: 'gate_logit_normalizer' };
const dir: NetworkKnob = { key: 'direction', op: 'gla', label: 'scan direction', kind: 'choice', options: ['forward', 'backward', 'both'], official: 'both', help: '' };
const site = (i: number, stage: number): AttentionSite => ({ label: `stage ${stage} · block ${i}`, stage, block: i, op: 'gla', opConfig: { tau: 16, direction: 'both', H: 7, W: 7 }, params: (w) => w });

describe('the setting the controls describe', () => {
  it('drops values at their trained value, so all-trained is the official setting', () => {
    expect(settingOf([tau, dir], { tau: 16, direction: 'both' }, 'all').values).toEqual({});
    expect(settingKey(settingOf([tau, dir], { tau: 16 }, 'stage:1'))).toBe('official');
    const s = settingOf([tau, dir], { tau: 4, direction: 'both' }, 'stage:1');
    expect(s).toEqual({ values: { tau: 4 }, scope: 'stage:1' });
    expect(settingKey(s)).toBe('stage:1|tau=4');
  });
  it('scope choices list all, every stage with attention and every block', () => {
    const sites = [site(0, 0), site(1, 0), site(2, 2)];
    expect(scopeChoices(sites).map((c) => c.value)).toEqual(['all', 'stage:0', 'stage:2', 'block:0', 'block:1', 'block:2']);
  });
  it("a site's op config takes the knob values only inside the scope", () => {
    const s = settingOf([tau, dir], { tau: 4, direction: 'forward' }, 'stage:2');
    expect(siteConfigAt(site(0, 0), 0, s)).toMatchObject({ tau: 16, direction: 'both' });
    expect(siteConfigAt(site(2, 2), 2, s)).toMatchObject({ tau: 4, direction: 'forward' });
    expect(siteConfigAt(site(1, 0), 1, { values: { tau: 2 }, scope: 'block:1' })).toMatchObject({ tau: 2 });
  });
});

import { ablationCsv, ablationValues, runAblation, type BatchForward } from '../../src/ui/classify/knobs/ablation';

describe('ablation on several photos', () => {
  it('parses value lists, ranges, options and toggles, refusing bad ones in one line', () => {
    expect(ablationValues(tau, '1, 4 16')).toEqual([1, 4, 16]);
    expect(ablationValues(tau, '2:8:3')).toEqual([2, 5, 8]);
    expect(ablationValues(tau, '')).toContain(16);
    expect(ablationValues(dir, '')).toEqual(['forward', 'backward', 'both']);
    expect(ablationValues({ ...dir, kind: 'toggle', official: true }, 'on off')).toEqual([true, false]);
    expect(() => ablationValues(tau, '0.5')).toThrow(/outside 1 … 256/);
    expect(() => ablationValues(tau, 'x')).toThrow(/not a number/);
    expect(() => ablationValues(dir, 'sideways')).toThrow(/unknown value sideways/);
    expect(() => ablationValues(tau, '8:2:1')).toThrow(/start:stop:step/);
  });

  it('agreement, mean p(official class), KL, MACs and time per value, in batches', async () => {
    // 3 photos, 4 classes: photo i prefers class i; tau moves logits towards class 3 by (16 - tau)
    const inputs = [0, 1, 2].map((i) => Float32Array.from([i, 0, 0]));
    const calls: Array<{ n: number; tau: number }> = [];
    const forward: BatchForward = async (x, n, s) => {
      const t = (s.values.tau as number | undefined) ?? 16;
      calls.push({ n, tau: t });
      const out = new Float32Array(n * 4);
      for (let b = 0; b < n; b++) {
        out[b * 4 + x[b * 3]] = 2;
        out[b * 4 + 3] = (16 - t) / 4;
      }
      return { logits: out, ms: 2 * n, timeSource: 'timestamp' };
    };
    const rows = await runAblation({ knob: tau, values: [16, 12, 0.001 + 1], scope: 'all', inputs, forward, macs: (s) => 100 + ((s.values.tau as number) ?? 16), batch: 2 });
    expect(calls.filter((c) => c.tau === 16).map((c) => c.n)).toEqual([2, 1]); // the official pass, batched 2 + 1, run once
    expect(rows[0]).toMatchObject({ official: true, top1Agree: 1, meanKL: 0, macs: 116, msPerImage: 2 });
    // tau 12: logit 1 on class 3 < 2: still agrees; tau ≈ 1: logit 3.75 > 2: no photo agrees
    expect(rows[1].top1Agree).toBe(1);
    expect(rows[2].top1Agree).toBe(0);
    const p = Math.exp(2) / (Math.exp(2) + 2 + Math.exp(1));
    expect(rows[1].meanPOfficial).toBeCloseTo(p, 6);
    expect(rows[2].meanKL).toBeGreaterThan(rows[1].meanKL);
    const csv = ablationCsv(rows, { model: 'vig-mini', weights: 'synthetic', knob: tau, scope: 'all', photos: ['a.png', 'b, c.jpg'] });
    const lines = csv.trim().split('\n');
    expect(lines[2]).toBe('# photos (2): a.png; b, c.jpg');
    expect(lines[3]).toBe('value,official,photos,top1_agreement,mean_p_official_class,mean_kl_nats,macs_per_image,ms_per_image,time_source');
    expect(lines.slice(4).map((l) => l.split(',')[0])).toEqual(['16', '12', '1.001']);
  });
});

import { networkKnobs, networkMacs, sameValue } from '../../src/ui/classify/knobs/net-knobs';
import { macsByOps } from '../../src/models/knob-apply';
import { MODELS } from '../../src/models/registry';

describe('the controls on the real families', () => {
  it('a slider snapped back onto π/2 is the trained θ', () => {
    const snapped = Number((Math.round((Math.PI / 2) / (Math.PI / 64)) * (Math.PI / 64)).toFixed(10));
    expect(snapped).not.toBe(Math.PI / 2);
    expect(sameValue(snapped, { official: Math.PI / 2, step: Math.PI / 64 })).toBe(true);
    expect(sameValue(snapped + Math.PI / 64, { official: Math.PI / 2, step: Math.PI / 64 })).toBe(false);
  });
  it.each(MODELS.map((m) => [m.family, m] as const))('%s: knobs at their trained values are the official setting; MACs as the op-level counts', (_f, m) => {
    const variant = Object.keys(m.variants)[0];
    const cfg = m.variants[variant];
    const knobs = networkKnobs(m, cfg);
    expect(knobs.length).toBeGreaterThan(0);
    const trained = Object.fromEntries(knobs.map((k) => [k.key, k.official]));
    expect(settingOf(knobs, trained, 'all').values).toEqual({});
    const size = m.inputSize(cfg).size;
    expect(networkMacs(m, cfg, size, { values: {}, scope: 'all' })).toBe(m.macs(cfg, size, size));
    const k = knobs[0];
    const v = k.kind === 'slider' ? (k.official === k.min ? k.max! : k.min!) : k.kind === 'toggle' ? !k.official : k.options!.find((o) => o !== k.official)!;
    const s = settingOf(knobs, { [k.key]: v }, 'all');
    expect(networkMacs(m, cfg, size, s)).toBe(macsByOps(m, cfg, size, size, s));
  });
});

import { cellOver, queryUnder } from '../../src/ui/classify/knobs/rollout-run';

describe('rollout query between grids', () => {
  it('a click on the first layer grid picks the last-layer token under it, and back', () => {
    // 14×14 rollout grid, 7×7 last layer: cell (3, 5) lies under token (1, 2)
    expect(queryUnder(3 * 14 + 5, 14, 14, 7, 7)).toBe(1 * 7 + 2);
    expect(cellOver(1 * 7 + 2, 14, 14, 7, 7)).toBe(3 * 14 + 5);
    for (let q = 0; q < 49; q++) expect(queryUnder(cellOver(q, 14, 14, 7, 7), 14, 14, 7, 7)).toBe(q);
    expect(queryUnder(17, 14, 14, 14, 14)).toBe(17);
  });
});
