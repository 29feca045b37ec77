/**
 * The zoo manifest (public/zoo.json) against the model registry, the specs and the fixtures:
 * every variant of an implemented family exists in its registry with the same parameter count
 * (sum of expectedKeys numels, BatchNorm buffers excluded) and eval input; every registry variant is
 * listed; sources are the official ones the specs name; counts and accuracies appear in the spec;
 * the "test" configurations reproduce the fixtures' mini key lists.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MODELS } from '../../src/models/registry';
import { paramCountOf } from '../../src/models/load';
import { openFixture } from '../../src/parity/fixture-file';
import { fetchableSource, parseZoo, zooVariant, DEFAULT_VARIANT } from '../../src/weights/zoo';
import { FIXTURES, fixtureBytes } from './fixtures';

const zoo = parseZoo(JSON.parse(readFileSync(resolve(__dirname, '../../public/zoo.json'), 'utf8')));
const SPEC = resolve(FIXTURES, '../spec');
const specText = (family: string): string | null => {
  const file = resolve(SPEC, `${{ vig_h: 'vig', gmf: 'gmf' }[family] ?? family}.md`);
  return existsSync(file) ? readFileSync(file, 'utf8') : null;
};
const ALL_FAMILIES = ['vig', 'vig_h', 'litv2', 'vvt', 'fat', 'gmf'];

describe('zoo manifest', () => {
  it('lists the families of DESIGN §4 with the expected variant ids', () => {
    expect(zoo.families.map((f) => f.family).sort()).toEqual([...ALL_FAMILIES].sort());
    const ids = (fam: string) => zoo.variants.filter((v) => v.family === fam).map((v) => v.id);
    expect(ids('vig')).toEqual(['vig-t', 'vig-s', 'vig-b']);
    expect(ids('vig_h')).toEqual(['vig-h-t', 'vig-h-s', 'vig-h-b']);
    expect(ids('litv2').slice(0, 4)).toEqual(['litv2-s', 'litv2-m', 'litv2-b', 'litv2-b-384']);
    expect(ids('litv2').filter((v) => v.includes('alpha'))).toHaveLength(7);
    expect(ids('vvt')).toEqual(['vvt-tiny', 'vvt-small', 'vvt-medium', 'vvt-large']);
    expect(ids('fat')).toEqual(['fat-b0', 'fat-b1', 'fat-b2', 'fat-b3']);
    expect(ids('gmf')).toEqual(['groupmixformer-m', 'groupmixformer-t', 'groupmixformer-s', 'groupmixformer-b', 'groupmixformer-l']);
    expect(new Set(zoo.variants.map((v) => v.id)).size).toBe(zoo.variants.length);
  });

  for (const m of MODELS) {
    describe(`${m.family} (implemented)`, () => {
      const listed = zoo.variants.filter((v) => v.family === m.family);
      it('every listed variant exists in the registry with the same params and input', () => {
        expect(listed.length).toBeGreaterThan(0);
        for (const v of listed) {
          expect(Object.keys(m.variants), v.id).toContain(v.id);
          const cfg = m.variants[v.id];
          expect(paramCountOf(m.expectedKeys(cfg)), `${v.id} params`).toBe(v.params);
          expect(m.inputSize(cfg), `${v.id} input`).toEqual(v.input);
        }
      });
      it('every registry variant is listed', () => {
        expect(listed.map((v) => v.id).sort()).toEqual(Object.keys(m.variants).sort());
      });
    });
  }

  it('parameter counts and top-1 are the ones the specs give', () => {
    let checked = 0;
    for (const v of zoo.variants) {
      const text = specText(v.family);
      if (!text) continue;
      if (!v.paramsSource) expect(text, `${v.id} params ${v.params}`).toContain(v.params.toLocaleString('en-US'));
      if (v.top1Source === 'spec') expect(text, `${v.id} top-1 ${v.top1}`).toMatch(new RegExp(`\\b${v.top1.toFixed(1).replace('.', '\\.')}\\b`));
      checked++;
    }
    if (existsSync(SPEC)) expect(checked).toBe(zoo.variants.length);
  });

  it('sources are the official ones', () => {
    for (const v of zoo.variants) {
      const text = specText(v.family);
      if (v.family === 'vig' || v.family === 'vig_h') {
        expect(v.sources).toHaveLength(1);
        const s = v.sources[0];
        expect(s.url).toBe(`https://huggingface.co/hustvl/ViG/resolve/main/${s.file}`);
        expect(s.cors).toBe(true);
        if (text) expect(text).toContain(`\`${s.file}\` ${s.bytes!.toLocaleString('en-US')}`);
      } else if (v.family === 'litv2') {
        expect(v.sources[0].url).toMatch(/^https:\/\/github\.com\/ziplab\/LITv2\/releases\/download\/v1\.[01]\/(litv2_[smb](_384)?|alpha_[\d.]+)\.pth$/);
        if (text) expect(text).toContain(v.sources[0].file!.replace(/^(litv2_|alpha_)/, '').replace(/\.pth$/, ''));
      } else if (v.family === 'fat') {
        expect(v.sources).toEqual([]); // none published (spec/fat.md §4)
      } else {
        expect(v.sources[0].kind).toBe('page'); // cloud folders / share pages, not files
        expect(v.sources[0].url).toMatch(v.family === 'vvt' ? /^https:\/\/1drv\.ms\// : /^https:\/\/connecthkuhk-my\.sharepoint\.com\//);
      }
    }
  });

  it('offers ViG-T as a one-click download', () => {
    const v = zooVariant(zoo, DEFAULT_VARIANT)!;
    expect(fetchableSource(v)?.url).toBe('https://huggingface.co/hustvl/ViG/resolve/main/vig_t_77p2acc.pth');
  });
});

describe('zoo test configurations (fixture minis)', () => {
  for (const t of zoo.test) {
    it(`${t.id} reproduces the fixture's key list and parameter count`, () => {
      const m = MODELS.find((x) => x.family === t.family);
      if (!m) return;
      const cfg = m.configFromFixture(t.config);
      const f = openFixture(`models/${t.id}.safetensors`, fixtureBytes(`models/${t.id}.safetensors`));
      expect(t.config).toEqual(f.meta.config);
      expect(t.top5).toEqual(f.meta.top5);
      const keys = f.meta.keys as Array<[string, number[]]>;
      expect(m.expectedKeys(cfg).map(([k, s]) => `${k}:${s}`).sort()).toEqual(keys.map(([k, s]) => `${k}:${s}`).sort());
      expect(paramCountOf(m.expectedKeys(cfg))).toBe(t.params);
      expect(existsSync(resolve(FIXTURES, t.fixture)), t.fixture).toBe(true);
      expect(t.title).toBe('test configuration (mini)');
    });
  }
});
