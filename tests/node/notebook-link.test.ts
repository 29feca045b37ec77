/**
 * Shared links: values survive a round trip; out-of-range numbers are clamped, malformed values
 * and unknown names ignored, each with a note; length caps; never throws.
 */
import { describe, expect, it } from 'vitest';
import { parseNotebook } from '../../src/notebook/format';
import { buildGraph, defaultValues } from '../../src/notebook/runtime';
import {
  decodeLinkState,
  encodeLinkState,
  MAX_LINK_CHARS,
  MAX_LINK_ENTRIES,
  readLinkNotebook,
} from '../../src/notebook/link-state';

const cell = (info: string, body: string) => '```' + info + '\n' + body + '\n```\n\n';
const g = buildGraph(
  parseNotebook(
    cell('param alpha', 'kind: slider\nmin: 0\nmax: 1\nstep: 0.05\nvalue: 0.9') +
      cell('param ws', 'kind: slider\nmin: 1\nmax: 8\nstep: 1\nvalue: 2') +
      cell('param shift', 'kind: slider\nmin: 0\nmax: $ws\nstep: 1\nvalue: 1') +
      cell('param mode', 'kind: select\noptions: [fast, "two words", é, {value: 3, label: three}]') +
      cell('param on', 'kind: toggle\nvalue: false') +
      cell('param temp', 'kind: number\nvalue: 16') +
      cell('param token', 'kind: token\nvalue: 7') +
      cell('param photo', 'kind: image\nvalue: chelsea') +
      cell('param pick', 'kind: image\noptions: [cat, dog]'),
  ),
);
const defaults = defaultValues(g);

describe('encode ⇄ decode', () => {
  it('round-trips every kind', () => {
    const values = { ...defaults, alpha: 0.25, ws: 4, shift: 3, mode: 'two words', on: true, temp: -1.5e-3, token: 120, photo: 'coffee.png', pick: 'dog' };
    const hash = encodeLinkState('hilo-alpha', values, g);
    expect(hash).toBe('nb=hilo-alpha&alpha=0.25&ws=4&shift=3&mode=two%20words&on=1&temp=-0.0015&token=120&photo=coffee.png&pick=dog');
    const d = decodeLinkState('#' + hash, g);
    expect(d).toEqual({ notebook: 'hilo-alpha', values, fromLink: ['alpha', 'ws', 'shift', 'mode', 'on', 'temp', 'token', 'photo', 'pick'], notes: [] });
    expect(decodeLinkState('#' + encodeLinkState('x', { ...defaults, mode: 'é' }, g), g).values.mode).toBe('é');
    expect(decodeLinkState('#' + encodeLinkState('x', { ...defaults, mode: 3 }, g), g).values.mode).toBe(3);
  });

  it('leaves defaults out unless asked; float noise is not written', () => {
    expect(encodeLinkState('nb1', defaults, g)).toBe('nb=nb1');
    expect(encodeLinkState('nb1', defaults, g, { onlyChanged: false })).toBe('nb=nb1&alpha=0.9&ws=2&shift=1&mode=fast&on=0&temp=16&token=7&photo=chelsea&pick=cat');
    expect(encodeLinkState('nb1', { ...defaults, alpha: 0.1 + 0.2 }, g)).toBe('nb=nb1&alpha=0.3');
  });

  it('reads hash, query, bare pairs and whole URLs (the hash wins)', () => {
    for (const s of ['#nb=a&ws=3', '?nb=a&ws=3', 'nb=a&ws=3', 'https://x.example/app/?nb=zz&ws=5#nb=a&ws=3']) {
      const d = decodeLinkState(s, g);
      expect(d.notebook, s).toBe('a');
      expect(d.values.ws, s).toBe(3);
    }
    expect(readLinkNotebook('https://x/#ws=1&nb=softmax-attention')).toBe('softmax-attention');
    expect(readLinkNotebook('#nb=../../etc/passwd')).toBeNull();
    expect(readLinkNotebook('')).toBeNull();
  });
});

describe('hostile and broken links', () => {
  it('clamps out-of-range numbers and snaps to the step, with notes', () => {
    const d = decodeLinkState('#alpha=7&ws=-3&token=-2&shift=0.5', g);
    expect(d.values).toMatchObject({ alpha: 1, ws: 1, token: 0, shift: 1 });
    expect(d.notes).toEqual([
      '`alpha` from the link: 7 is above the maximum 1; using 1.',
      '`ws` from the link: -3 is below the minimum 1; using 1.',
      '`shift` from the link: 0.5 is not on the slider\'s steps of 1; using 1.',
      '`token` from the link: -2 is below the minimum 0; using 0.',
    ]);
    expect(decodeLinkState('#alpha=0.33', g)).toMatchObject({ values: { alpha: 0.35 }, notes: [expect.stringMatching(/steps of 0.05; using 0.35/)] });
    expect(decodeLinkState('#token=3.6', g)).toMatchObject({ values: { token: 4 }, notes: [expect.stringMatching(/not a whole token index; using 4/)] });
  });

  it('bounds that come from other params: the link value of the bound is used first', () => {
    expect(decodeLinkState('#shift=6&ws=4', g).values).toMatchObject({ ws: 4, shift: 4 });
    // the default of shift (1) is re-checked against a link-set bound
    expect(decodeLinkState('#ws=1', g).values).toMatchObject({ ws: 1, shift: 1 });
  });

  it('ignores malformed values, each with a note, and keeps the defaults', () => {
    const d = decodeLinkState('#alpha=abc&ws=&temp=0x10&token=NaN&on=maybe&mode=slow&photo=https%3A%2F%2Fevil.example%2Fx.png&pick=fish&alpha=0.5&shift=1e999', g);
    expect(d.values).toEqual(defaults);
    expect(d.fromLink).toEqual([]);
    expect(d.notes).toEqual([
      'The link sets `alpha` more than once; the first value is used.',
      'Ignored `alpha` from the link: "abc" is not a number.',
      'Ignored `ws` from the link: "" is not a number.',
      'Ignored `temp` from the link: "0x10" is not a number.',
      'Ignored `token` from the link: "NaN" is not a number.',
      'Ignored `on` from the link: "maybe" is not on/off (use 1 or 0).',
      'Ignored `shift` from the link: "1e999" is not a finite number.',
      'Ignored `mode` from the link: "slow" is not one of the options (fast, two words, é, 3).',
      'Ignored `photo` from the link: "https://evil.example/x.png" is not an image name (letters, digits, \'.\', \'_\' and \'-\' only).',
      'Ignored `pick` from the link: "fish" is not one of the images (cat, dog).',
    ]);
  });

  it('unknown names, bad keys, missing values, bad encoding, bad notebook names', () => {
    const d = decodeLinkState('#nb=<script>&foo=1&%3Cimg%3E=1&ws&alpha=%E0%A4%A&&&=5&__proto__=1&constructor=2', g);
    expect(d.notebook).toBeNull();
    expect(d.values).toEqual(defaults);
    expect(d.notes).toEqual([
      'Ignored `<img>` in the link: not a param name.',
      'Ignored `ws` in the link: it has no value (write ws=…).',
      'Ignored `alpha` in the link: its value is not properly encoded.',
      'Ignored `` in the link: not a param name.',
      'Ignored the notebook name `<script>` in the link: not a valid name.',
      'The link sets `foo`, but this notebook has no such param; ignored.',
      'The link sets `__proto__`, but this notebook has no such param; ignored.',
      'The link sets `constructor`, but this notebook has no such param; ignored.',
    ]);
    expect(Object.getPrototypeOf(d.values)).toBe(Object.prototype);
  });

  it('length caps', () => {
    const long = decodeLinkState('#ws=3&' + 'x=' + 'a'.repeat(MAX_LINK_CHARS * 2), g);
    expect(long.values.ws).toBe(3);
    expect(long.notes[0]).toMatch(/The link is too long \(8,\d+ characters\); only the first 4,096 were read\./);
    const value = decodeLinkState('#photo=' + 'a'.repeat(300), g);
    expect(value.notes).toEqual(['Ignored `photo` in the link: its value is too long (300 characters).']);
    const many = decodeLinkState('#' + Array.from({ length: MAX_LINK_ENTRIES + 10 }, (_, i) => `p${i}=1`).join('&'), g);
    expect(many.notes).toEqual([
      'The link has too many entries; 10 after the first 64 were ignored.',
      ...[0, 1, 2, 3, 4].map((i) => `The link sets \`p${i}\`, but this notebook has no such param; ignored.`),
      '59 more names in the link match no param of this notebook; ignored.',
    ]);
    // the encoder never writes what the decoder would refuse
    const huge = encodeLinkState('x', { ...defaults, photo: 'p'.repeat(400) }, g);
    expect(huge).toBe('nb=x');
  });

  it('never throws: random garbage', () => {
    let seed = 7;
    const chars = '#?&=%+;abcXYZ019.-_ \u00e9\u0000\uD800<>"\'$';
    for (let k = 0; k < 500; k++) {
      let s = '';
      seed = (seed * 1103515245 + 12345) >>> 0;
      const n = seed % 80;
      for (let i = 0; i < n; i++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        s += chars[seed % chars.length];
      }
      const d = decodeLinkState(s, g);
      expect(Object.keys(d.values).sort()).toEqual(Object.keys(defaults).sort());
    }
    expect(() => decodeLinkState(null as unknown as string, g)).not.toThrow();
  });
});
