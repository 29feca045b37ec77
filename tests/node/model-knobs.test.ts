/**
 * Knobs on the trained network (issue 13), CPU side, on the six mini fixtures: the official setting
 * is bit-identical to the knob-less forward, other settings change the logits, the network MACs at a
 * setting equal the op-level count, and bad settings are refused with one line.
 */
import { describe, expect, it } from 'vitest';
import { loadMini } from '../../src/parity/model-check';
import { checkSetting, KnobError, knobSites, macsByOps } from '../../src/models/knob-apply';
import { OFFICIAL, parseScope, settingKey, type KnobSetting } from '../../src/models/knobs';
import { MODELS } from '../../src/models/registry';
import { relL2 } from '../../src/tensor/tensor';
import type { HiloConfig } from '../../src/ops/hilo/spec';
import { hiloDerived } from '../../src/ops/hilo/spec';
import { fixtureBytes } from './fixtures';
import { prngInput } from '../../src/weights/prng';
import { KNOB_CASES } from '../shared/knob-cases';

const read = async (rel: string) => fixtureBytes(rel);
const mini = (rel: string) => loadMini(rel, fixtureBytes(rel), read);

describe('knob lists', () => {
  it('every family offers knobs whose keys are its op config keys', async () => {
    for (const m of MODELS) {
      const cfg = Object.values(m.variants)[0];
      const knobs = m.knobs!(cfg);
      expect(knobs.length, m.family).toBeGreaterThan(0);
      const site = m.attentionSites!(cfg, 224, 224)[0];
      for (const k of knobs) {
        expect(k.key in (site.opConfig as object), `${m.family}.${k.key}`).toBe(true);
        expect(k.help.length).toBeGreaterThan(40);
      }
    }
  });
  it('ViG τ, LITv2 s, VVT θ are the official parameters with their trained values', () => {
    const byFamily = (f: string) => MODELS.find((m) => m.family === f)!;
    const vigK = byFamily('vig').knobs!(byFamily('vig').variants['vig-t']);
    expect(vigK.find((k) => k.key === 'tau')!.official).toBe(16);
    expect(vigK.map((k) => k.key)).toEqual(['tau', 'direction', 'locality']);
    const lit = byFamily('litv2');
    const ws = lit.knobs!(lit.variants['litv2-s']).find((k) => k.key === 'ws')!;
    expect([ws.official, ws.min, ws.max]).toEqual([2, 1, 14]);
    const vvt = byFamily('vvt');
    expect(vvt.knobs!(vvt.variants['vvt-tiny'])[0].official).toBeCloseTo(Math.PI / 2, 12);
    const fat = byFamily('fat');
    expect(fat.knobs!(fat.variants['fat-b0'])[0].options).toEqual(['trained', '1']);
    const gmf = byFamily('gmf');
    expect(gmf.knobs!(gmf.variants['groupmixformer-t']).map((k) => k.key)).toEqual(['aggToken', 'agg3', 'agg5', 'agg7', 'aggNonAttn']);
  });
});

describe('settings are checked', () => {
  it('unknown knob, bad value, empty scope → one-line KnobError', async () => {
    const m = MODELS.find((x) => x.family === 'vig')!;
    const cfg = m.variants['vig-t'];
    const knobs = m.knobs!(cfg);
    const sites = m.attentionSites!(cfg, 224, 224);
    const bad = (s: KnobSetting) => () => checkSetting(knobs, sites, s);
    expect(bad({ scope: 'all', values: { ws: 2 } })).toThrow(/unknown knob 'ws'.*tau, direction, locality/);
    expect(bad({ scope: 'all', values: { tau: 'x' } })).toThrow(KnobError);
    expect(bad({ scope: 'all', values: { tau: 0 } })).toThrow(/outside 1 … 256/);
    expect(bad({ scope: 'all', values: { direction: 'sideways' } })).toThrow(/one of forward, backward, both/);
    expect(bad({ scope: 'stage:3', values: { tau: 4 } })).toThrow(/holds no attention layer/);
    expect(bad({ scope: 'block:12', values: { tau: 4 } })).toThrow(/blocks 0…11/);
    expect(checkSetting(knobs, sites, { scope: parseScope('block:3'), values: { tau: '4' } }).values.tau).toBe(4);
    expect(() => parseScope('stages:1')).toThrow(/expected all, stage:N or block:N/);
  });
  it('FASA offers only windows with weights; HiLo keeps the trained head split', () => {
    const fat = MODELS.find((x) => x.family === 'fat')!;
    const cfg = fat.variants['fat-b0'];
    const sites = fat.attentionSites!(cfg, 224, 224);
    expect(() => knobSites(sites, { scope: 'all', values: { ws: 4 } })).toThrow(/needs pooling weights/);
    const ws1 = knobSites(sites, { scope: 'all', values: { ws: '1' } }) as Array<{ ws: number }>;
    expect(ws1.every((c) => c.ws === 1)).toBe(true);
    const trained = knobSites(sites, { scope: 'all', values: { ws: 'trained' } }) as Array<{ ws: number }>;
    expect(trained.map((c) => c.ws)).toEqual(sites.map((s) => (s.opConfig as { ws: number }).ws));
    const lit = MODELS.find((x) => x.family === 'litv2')!;
    const lc = lit.variants['litv2-s'];
    const ls = lit.attentionSites!(lc, 224, 224);
    const k = knobSites(ls, { scope: 'all', values: { ws: 1 } }) as HiloConfig[];
    ls.forEach((s, i) => expect(hiloDerived(k[i]).lHeads).toBe(hiloDerived(s.opConfig as HiloConfig).lHeads));
    expect(settingKey(OFFICIAL)).toBe('');
    expect(settingKey({ scope: 'stage:2', values: { ws: 3 } })).toBe('stage:2|ws=3');
  });
});

describe('forwards at a setting (six minis, CPU, 64² input)', () => {
  for (const c of KNOB_CASES) {
    it(c.file, async () => {
      // a 64² PRNG input (LITv2's img_size follows; no weight depends on it): 12× less work than the photo
      const fx = await mini(c.file);
      const { impl, w } = fx;
      const S = 64;
      const x = { shape: [1, 3, S, S], data: prngInput(`knobs:${c.file}`, 3 * S * S) };
      const cfg = impl.family === 'litv2' ? { ...(fx.cfg as object), imgSize: S } : fx.cfg;
      const base = impl.forwardReference(x, w, cfg);
      // official: no values, or the trained values spelled out → exactly today's numbers
      const same = impl.forwardReference(x, w, cfg, OFFICIAL);
      expect(Array.from(same.logits.data)).toEqual(Array.from(base.logits.data));
      const k = impl.forwardReference(x, w, cfg, c.setting);
      const d = relL2(k.logits.data, base.logits.data);
      expect(d, 'the knob changes the logits').toBeGreaterThan(1e-4);
      // MACs at the setting = official − Σ op MACs(official) + Σ op MACs(setting)
      const [H, W] = [x.shape[2], x.shape[3]];
      const m0 = impl.macs(cfg, H, W);
      const m = impl.macs(cfg, H, W, c.setting);
      expect(m).toBe(macsByOps(impl, cfg, H, W, c.setting));
      expect(impl.macs(cfg, H, W, OFFICIAL)).toBe(m0);
      if (c.macs === 'same') expect(m).toBe(m0);
      else if (c.macs === 'less') expect(m).toBeLessThan(m0);
      else expect(m).toBeGreaterThan(m0);
    }, 120_000);
  }
});

describe('network MACs = op-level counts at every scope (full variants)', () => {
  it('every family, every knob, scopes all / stage / block', () => {
    for (const m of MODELS) {
      const cfg = Object.values(m.variants)[0];
      const sites = m.attentionSites!(cfg, 224, 224);
      const knobs = m.knobs!(cfg);
      const scopes = ['all', `stage:${sites[sites.length - 1].stage}`, `block:${sites.length - 1}`] as const;
      for (const k of knobs) {
        const v = k.kind === 'toggle' ? false : k.kind === 'choice' ? k.options!.find((o) => o !== k.official)! : k.key === 'ws' ? 3 : (k.min! + k.max!) / 3;
        for (const scope of scopes) {
          const s: KnobSetting = { scope, values: { [k.key]: v } };
          expect(m.macs(cfg, 224, 224, s), `${m.family} ${k.key}=${String(v)} ${scope}`).toBe(macsByOps(m, cfg, 224, 224, s));
        }
      }
    }
  });
});
