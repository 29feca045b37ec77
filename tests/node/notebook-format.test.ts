/**
 * Notebook format: byte-for-byte round trip of every shipped notebook and of tricky and hostile
 * inputs (and a seeded fuzz), the cells found, and the errors reported for broken input.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  MAX_NOTEBOOK_CHARS,
  MAX_FENCED_CELLS,
  paramCells,
  parseNotebook,
  serializeNotebook,
  usableParams,
  viewCells,
  type Notebook,
  type ParamCell,
  type ViewCell,
} from '../../src/notebook/format';
import { mhsaMacs } from '../../src/ops/mhsa/flops';

const NOTEBOOKS = resolve(__dirname, '../../notebooks');
const notebookFiles = readdirSync(NOTEBOOKS).filter((f) => f.endsWith('.md'));

function roundTrip(text: string): Notebook {
  const nb = parseNotebook(text);
  expect(serializeNotebook(nb)).toBe(text);
  return nb;
}

/** Every cell id is unique, cells tile the text after the head, lines are right. */
function checkStructure(text: string, nb: Notebook): void {
  const ids = nb.cells.map((c) => c.id);
  expect(new Set(ids).size).toBe(ids.length);
  let offset = nb.head.length;
  for (const c of nb.cells) {
    expect(text.slice(offset, offset + c.raw.length)).toBe(c.raw);
    const line = text.slice(0, offset).split(/\r\n|\n|\r/).length;
    expect(c.line).toBe(line);
    offset += c.raw.length;
  }
  expect(offset).toBe(text.length);
}

const param = (nb: Notebook, name: string) => paramCells(nb).find((c) => c.name === name) as ParamCell;
const view = (nb: Notebook, i = 0) => viewCells(nb)[i] as ViewCell;

describe('shipped notebooks', () => {
  it('there is at least one', () => expect(notebookFiles.length).toBeGreaterThan(0));
  for (const f of notebookFiles) {
    it(`${f} round-trips byte for byte, parses without errors`, () => {
      const text = readFileSync(join(NOTEBOOKS, f), 'utf8');
      const nb = roundTrip(text);
      checkStructure(text, nb);
      expect(nb.errors).toEqual([]);
      expect(nb.meta.title).toBeTruthy();
      // CRLF, CR and no-final-newline versions too
      for (const t of [text.replace(/\n/g, '\r\n'), text.replace(/\n/g, '\r'), text.replace(/\n+$/, ''), '\uFEFF' + text]) {
        const v = roundTrip(t);
        checkStructure(t, v);
        expect(v.cells.map((c) => c.id)).toEqual(nb.cells.map((c) => c.id));
      }
    });
  }

  it('softmax-attention: the MACs table in the prose equals the op\'s own count', () => {
    const text = readFileSync(join(NOTEBOOKS, 'softmax-attention.md'), 'utf8');
    const rows = [...text.matchAll(/^\| (\d+)×\1 \| ([\d,]+) \| ([\d,]+) \| (\d+)% \|$/gm)];
    expect(rows.length).toBe(4);
    for (const r of rows) {
      const g = Number(r[1]);
      const cfg = { dim: 192, heads: 4, qkvBias: true, H: g, W: g };
      const macs = mhsaMacs(cfg);
      expect(Number(r[2].replace(/,/g, ''))).toBe(g * g);
      expect(Number(r[3].replace(/,/g, ''))).toBe(macs);
      expect(Number(r[4])).toBe(Math.round((200 * g ** 4 * 192) / macs));
    }
  });

  it('softmax-attention has the cells the design asks for', () => {
    const nb = parseNotebook(readFileSync(join(NOTEBOOKS, 'softmax-attention.md'), 'utf8'));
    const heads = param(nb, 'heads');
    expect(heads.spec).toMatchObject({ kind: 'slider', min: 1, max: 8, value: 4 });
    expect(['token', 'number']).toContain(param(nb, 'token').spec!.kind);
    const kinds = viewCells(nb).map((v) => v.view);
    expect(kinds).toEqual(expect.arrayContaining(['attention', 'flops', 'latency']));
    const att = viewCells(nb).find((v) => v.view === 'attention')!;
    expect(att.op).toBe('mhsa');
    expect(att.refs).toEqual(['heads', 'token']);
  });
});

describe('tricky but valid input round-trips', () => {
  const cases: Record<string, string> = {
    empty: '',
    newline: '\n',
    'blank lines': '\n\n  \n\t\n',
    'no trailing newline': '# Title\n\nSome text',
    'cell at EOF without newline': 'Intro\n\n```param a\nkind: toggle\n```',
    crlf: '---\r\ntitle: T\r\n---\r\n\r\nText\r\n\r\n```param a\r\nkind: toggle\r\nvalue: true\r\n```\r\n\r\n```view table\r\nx: $a\r\n```\r\n',
    'lone CR': 'Text\r\r```param a\rkind: toggle\r```\r',
    'mixed endings': 'a\r\nb\nc\r```param a\nkind: toggle\r\n```\n',
    tildes: '~~~param a\nkind: toggle\n~~~\n\n~~~~view attention\nop: hilo\n~~~~\n',
    'nested backticks': '````view table\nnote: |\n  ```\n  not a close\n  ```\n````\n\nafter\n',
    'longer closing fence': '```param a\nkind: toggle\n``````\n',
    'indented fence': '  ```param a\n  kind: slider\n  min: 0\n  max: 1\n  ```\n',
    'closing fence with trailing spaces': '```param a\nkind: toggle\n```   \n',
    'view inside an ordinary code block': '```markdown\n```view attention\nop: mhsa\n```\n\ntext\n',
    'tilde block around backtick cells': '~~~\n```param a\n```\n~~~\n',
    'front matter only': '---\ntitle: x\n---',
    'front matter with dots': '---\ntitle: x\n...\nbody\n',
    'empty front matter': '---\n---\n\ntext\n',
    'thematic breaks': 'a\n\n---\n\nb\n\n---\n',
    unicode: '# Ünïcødé 🧠\n\n```param α_\nkind: toggle\n```\n\n$\\alpha$ — “quotes”\n',
    'info with extra words': '```view attention main extra\nop: mhsa\n```\n',
    'backtick info with backtick': '```view `x`\nnot a cell\n```\n',
    'four-space indent is code, not a cell': '    ```param a\n    kind: toggle\n    ```\n',
    'tabs': '\t```param a\n\tkind: toggle\n```\n',
    'BOM': '\uFEFF---\ntitle: b\n---\ntext\n',
  };
  for (const [name, text] of Object.entries(cases)) {
    it(name, () => {
      const nb = roundTrip(text);
      checkStructure(text, nb);
    });
  }

  it('finds cells in CRLF, tilde and nested-backtick fences', () => {
    const crlf = parseNotebook(cases.crlf);
    expect(crlf.eol).toBe('\r\n');
    expect(crlf.meta.title).toBe('T');
    expect(param(crlf, 'a').spec).toMatchObject({ kind: 'toggle', value: true });
    expect(view(crlf).refs).toEqual(['a']);
    const t = parseNotebook(cases.tildes);
    expect(t.cells.map((c) => c.type)).toEqual(['param', 'view']);
    expect(view(t).op).toBe('hilo');
    const nested = parseNotebook(cases['nested backticks']);
    expect(view(nested).config.note).toBe('```\nnot a close\n```\n');
    expect(nested.cells.map((c) => c.type)).toEqual(['view', 'prose']);
    const indented = parseNotebook(cases['indented fence']);
    expect(param(indented, 'a').spec).toMatchObject({ kind: 'slider', min: 0, max: 1 });
  });

  it('a view inside an ordinary code block is prose; four-space indent is code', () => {
    expect(parseNotebook(cases['view inside an ordinary code block']).cells.map((c) => c.type)).toEqual(['prose']);
    expect(parseNotebook(cases['tilde block around backtick cells']).cells.map((c) => c.type)).toEqual(['prose']);
    expect(parseNotebook(cases['four-space indent is code, not a cell']).cells.map((c) => c.type)).toEqual(['prose']);
    expect(parseNotebook(cases['backtick info with backtick']).cells.every((c) => c.type === 'prose')).toBe(true);
  });

  it('named views and stable, unique ids', () => {
    const text = '```view attention\nop: a\n```\n\n```view attention\nop: b\n```\n\n```view flops main\n```\n\nx\n\ny\n\n```param k\nkind: toggle\n```\n';
    const nb = parseNotebook(text);
    expect(nb.cells.map((c) => c.id)).toEqual(['view-attention', 'view-attention-2', 'view-main', 'prose-1', 'param-k']);
    expect(parseNotebook(text).cells.map((c) => c.id)).toEqual(nb.cells.map((c) => c.id));
  });

  it('blank lines after a cell belong to it; prose starts at its first line', () => {
    const nb = parseNotebook('```param a\nkind: toggle\n```\n\n\nText\n\n```view table\n```\n');
    expect(nb.cells[0].raw).toBe('```param a\nkind: toggle\n```\n\n\n');
    expect(nb.cells[1].raw).toBe('Text\n\n');
    expect(nb.cells[1].line).toBe(6);
  });
});

describe('param specs', () => {
  const spec = (body: string) => {
    const nb = parseNotebook('```param p\n' + body + '```\n');
    return { cell: param(nb, 'p') ?? (paramCells(nb)[0] as ParamCell), nb };
  };
  it('reads every kind', () => {
    expect(spec('kind: slider\nmin: 0\nmax: 1\nstep: 0.05\nvalue: 0.9\nlog: false\nlabel: alpha\n').cell.spec).toEqual({
      kind: 'slider', min: 0, max: 1, step: 0.05, value: 0.9, log: false, label: 'alpha',
    });
    expect(spec('kind: select\noptions: [a, b, {value: 3, label: three}]\nvalue: 3\n').cell.spec).toMatchObject({
      kind: 'select', value: 3, options: [{ value: 'a', label: 'a' }, { value: 'b', label: 'b' }, { value: 3, label: 'three' }],
    });
    expect(spec('kind: toggle\n').cell.spec).toMatchObject({ kind: 'toggle', value: false });
    expect(spec('kind: image\nvalue: chelsea\n').cell.spec).toMatchObject({ kind: 'image', value: 'chelsea' });
    expect(spec('kind: token\nvalue: 7\n').cell.spec).toMatchObject({ kind: 'token', min: 0, step: 1, value: 7 });
    expect(spec('kind: slider\nmin: 1\nmax: 1000\nlog: true\nvalue: 10\n').cell.spec).toMatchObject({ log: true });
    expect(spec('kind: slider\nmin: 0\nmax: $n\n').cell.spec).toMatchObject({ max: { ref: 'n' } });
    expect(spec('kind: slider\nmin: 0\nmax: $n\n').cell.refs).toEqual(['n']);
    // kind inferred
    expect(spec('min: 0\nmax: 4\nvalue: 2\n').cell.spec!.kind).toBe('slider');
    expect(spec('value: true\n').cell.spec!.kind).toBe('toggle');
    expect(spec('options: [x, y]\n').cell.spec).toMatchObject({ kind: 'select', value: 'x' });
  });

  it('clamps and snaps defaults with a warning', () => {
    const { cell, nb } = spec('kind: slider\nmin: 0\nmax: 1\nstep: 0.1\nvalue: 7\n');
    expect(cell.spec!.value).toBe(1);
    expect(nb.errors).toEqual([expect.objectContaining({ severity: 'warning', line: 2, message: expect.stringMatching(/above the maximum 1/) })]);
    expect(spec('kind: slider\nmin: 0\nmax: 1\nstep: 0.25\nvalue: 0.3\n').cell.spec!.value).toBe(0.25);
  });

  const bad: Record<string, [string, RegExp]> = {
    'unknown kind': ['kind: knob\n', /unknown kind `knob`/],
    'slider without max': ['kind: slider\nmin: 0\n', /needs both `min` and `max`/],
    'min > max': ['kind: slider\nmin: 2\nmax: 1\n', /larger than/],
    'select without options': ['kind: select\n', /non-empty `options`/],
    'select value not an option': ['kind: select\noptions: [a]\nvalue: z\n', /not one of the options/],
    'toggle with text': ['kind: toggle\nvalue: maybe\n', /true or false/],
    'number as text': ['kind: number\nvalue: lots\n', /must be a number/],
    'image URL': ['kind: image\nvalue: "https://evil.example/x.png"\n', /not an image name/],
    'no kind at all': ['label: x\n', /needs a `kind`/],
    'not a mapping': ['- 1\n- 2\n', /key: value/],
    'broken YAML': ['kind: slider\nmin: [0\nmax: 1\n', /Param `p`/],
  };
  for (const [name, [body, re]] of Object.entries(bad)) {
    it(`reports ${name}`, () => {
      const { cell, nb } = spec(body);
      expect(cell.spec).toBeNull();
      expect(nb.errors.some((e) => e.severity === 'error' && re.test(e.message))).toBe(true);
      expect(usableParams(nb)).toEqual([]);
    });
  }

  it('names: missing, invalid, reserved, duplicate', () => {
    const nb = parseNotebook(
      '```param\nkind: toggle\n```\n\n```param 9x\nkind: toggle\n```\n\n```param nb\nkind: toggle\n```\n\n```param __proto__\nkind: toggle\n```\n\n' +
        '```param a\nkind: toggle\n```\n\n```param a\nkind: slider\nmin: 0\nmax: 2\n```\n',
    );
    const msgs = nb.errors.map((e) => `${e.line}: ${e.message}`).join('\n');
    expect(msgs).toMatch(/^1: A param cell needs a name/m);
    expect(msgs).toMatch(/^5: `9x` is not a valid param name/m);
    expect(msgs).toMatch(/^9: `nb` is reserved/m);
    expect(msgs).toMatch(/^13: `__proto__` is not a valid param name/m);
    expect(msgs).toMatch(/^21: The param `a` is already defined on line 17/m);
    expect(usableParams(nb).map((p) => [p.name, p.spec!.kind])).toEqual([['a', 'toggle']]);
    const ids = nb.cells.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(nb.errors.find((e) => e.line === 21)!.cellId).toBe(nb.cells[5].id);
  });

  it('unknown fields are warnings', () => {
    const { cell, nb } = spec('kind: toggle\ncolour: red\n');
    expect(cell.spec).not.toBeNull();
    expect(nb.errors).toEqual([expect.objectContaining({ severity: 'warning', message: expect.stringMatching(/`colour`/) })]);
  });
});

describe('views', () => {
  it('collects $refs anywhere, keeps $$ escapes, reads op', () => {
    const nb = parseNotebook('```view compare\nop: gma\npanels:\n  - {op: hilo, alpha: $alpha}\n  - [1, $ws, "$$money", "$alpha"]\nlabel: cost in $\n```\n');
    const v = view(nb);
    expect(v.view).toBe('compare');
    expect(v.op).toBe('gma');
    expect(v.refs).toEqual(['alpha', 'ws']);
    expect(nb.errors).toEqual([]);
  });
  it('unknown kinds are kept as unknown cells with a warning', () => {
    const nb = parseNotebook('```view hologram\nop: mhsa\n```\n\n```view\n```\n');
    expect(viewCells(nb).map((v) => v.view)).toEqual(['unknown', 'unknown']);
    expect(nb.errors.map((e) => e.severity)).toEqual(['warning', 'error']);
    expect(nb.errors[0].message).toMatch(/Unknown view kind `hologram`/);
  });
  it('a non-text op is an error', () => {
    const nb = parseNotebook('```view attention\nop: [1]\n```\n');
    expect(view(nb).op).toBeNull();
    expect(nb.errors[0].message).toMatch(/`op` must be a name/);
  });
});

describe('broken and hostile input never throws', () => {
  it('broken YAML: error on the right line, the rest still usable', () => {
    const text = '---\ntitle: [unclosed\n---\n\n```param a\nkind: slider\nmin: 0\nmax: 1\nvalue: 0.5\n```\n\n```view attention\nop: hilo\nalpha: $a\nbad: : :\n  - x\n```\n\n```param b\nkind: toggle\n```\n';
    const nb = roundTrip(text);
    expect(nb.errors.some((e) => e.line >= 2 && e.line <= 3 && /front matter/.test(e.message))).toBe(true);
    expect(nb.errors.some((e) => e.severity === 'error' && e.line >= 13 && e.line <= 16 && /View `attention`/.test(e.message))).toBe(true);
    expect(view(nb).broken).toBe(true);
    expect(usableParams(nb).map((p) => p.name)).toEqual(['a', 'b']);
  });

  it('duplicate YAML keys are errors', () => {
    const nb = parseNotebook('```param a\nkind: toggle\nkind: slider\n```\n');
    expect(nb.errors[0]).toMatchObject({ line: 3, severity: 'error' });
  });

  it('unterminated cell fence: error, body runs to the end (as CommonMark renders it)', () => {
    const text = 'Intro\n\n```param a\nkind: toggle\n\n```view attention\nop: mhsa\n';
    const nb = roundTrip(text);
    expect(nb.errors[0]).toMatchObject({ line: 3, severity: 'error' });
    expect(nb.errors[0].message).toMatch(/never closed/);
    expect(nb.cells.map((c) => c.type)).toEqual(['prose', 'param']);
  });

  it('unterminated ordinary code block and front matter: warnings', () => {
    const a = roundTrip('text\n\n```python\nx = 1\n\n```view attention\n');
    expect(a.cells.map((c) => c.type)).toEqual(['prose']);
    expect(a.errors[0]).toMatchObject({ line: 3, severity: 'warning' });
    const b = roundTrip('---\ntitle: x\nno end\n');
    expect(b.frontMatter).toBeNull();
    expect(b.errors[0]).toMatchObject({ line: 1, severity: 'warning' });
  });

  it('a 5 MB file: clear error, kept verbatim, fast', () => {
    const big = ('```param a\nkind: toggle\n```\n\n' + 'x'.repeat(1000) + '\n\n').repeat(5 * 1024);
    expect(big.length).toBeGreaterThan(MAX_NOTEBOOK_CHARS);
    const t0 = performance.now();
    const nb = roundTrip(big);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(nb.tooLarge).toBe(true);
    expect(nb.errors[0].message).toMatch(/too large to open \(5\.\d MB; the limit is 2\.0 MB\)/);
    expect(paramCells(nb)).toEqual([]);
  });

  it('just under the caps parses (size and param/view cells), within 2 s', () => {
    const unit = '```param a\nkind: toggle\n```\n\n' + 'text '.repeat(100) + '\n\n';
    const text = unit.repeat(Math.min(MAX_FENCED_CELLS, Math.floor((MAX_NOTEBOOK_CHARS - 10) / unit.length)));
    const t0 = performance.now();
    const nb = roundTrip(text);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(nb.tooLarge).toBe(false);
    expect(usableParams(nb).length).toBe(1); // the rest are duplicates
    const over = parseNotebook(text + unit);
    expect(over.tooLarge).toBe(true);
    expect(over.errors[0].message).toMatch(/too many param, view and code cells to open \(more than 1,000\)\. Nothing was run; the file is kept unchanged\./);
    expect(serializeNotebook(over)).toBe(text + unit);
  });

  it('deeply nested YAML bodies are refused before the YAML parser sees them', () => {
    for (const body of ['['.repeat(10000), '['.repeat(10000) + ']'.repeat(10000), '- '.repeat(10000) + 'x', '{a: '.repeat(5000), 'a:\n' + Array.from({ length: 300 }, (_, i) => ' '.repeat(i + 1) + `k${i}:`).join('\n')]) {
      const text = '```view table\n' + body + '\n```\n\n```param ok\nkind: toggle\n```\n';
      const t0 = performance.now();
      const nb = roundTrip(text);
      expect(performance.now() - t0).toBeLessThan(2000);
      expect(view(nb).broken).toBe(true);
      expect(nb.errors.some((e) => /nested too deeply/.test(e.message))).toBe(true);
      expect(usableParams(nb).map((p) => p.name)).toEqual(['ok']);
    }
  });

  it('10k nested lists and quotes in prose', () => {
    for (const text of ['> '.repeat(10000) + 'x\n', '- '.repeat(10000) + 'x\n', Array.from({ length: 10000 }, (_, i) => '>'.repeat(i % 50) + ' - x').join('\n')]) {
      roundTrip(text);
    }
  });

  it('alias bombs, custom tags and __proto__ keys are harmless', () => {
    const bomb = 'a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n';
    const nb = roundTrip('```view table\n' + bomb + '```\n\n```view table\nx: !!js/function "alert(1)"\n__proto__: {polluted: 1}\n```\n');
    expect(view(nb, 0).broken).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(view(nb, 1).config)).toBe(Object.prototype);
  });

  it('script tags and HTML in cells stay data', () => {
    const nb = roundTrip('```view table\ntitle: "<script>alert(1)</script>"\n```\n<img src=x onerror=alert(1)>\n');
    expect(view(nb).config.title).toBe('<script>alert(1)</script>');
  });

  it('seeded fuzz: random documents from nasty fragments round-trip and never throw', () => {
    const frags = [
      '---', '...', '```', '````', '~~~', '```param a', '```param b', '```view attention', '```view', '```view zz x y', '  ```param c',
      'kind: slider', 'min: 0', 'max: $b', 'max: $a', 'value: 9', 'op: $a', '- [', '{', '"', "'", '# h', '> q', '- l', '', '   ', '\t',
      '$x$', '<script>', '$$', 'a: &x [*x]', '\uFEFF', 'é', '\u2028',
    ];
    const ends = ['\n', '\r\n', '\r', ''];
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    for (let k = 0; k < 400; k++) {
      let t = '';
      const n = rnd(30);
      for (let i = 0; i < n; i++) t += frags[rnd(frags.length)] + ends[rnd(ends.length)];
      const nb = roundTrip(t);
      checkStructure(t, nb);
    }
  });

  it('seeded fuzz: random characters round-trip', () => {
    const chars = '`~-:\n\r \t$#>[]{}"\'a1pv';
    const words = ['param', 'view', 'attention', '---', '...', 'kind: slider', 'min: 0', 'max: 1', '$a'];
    let seed = 4242;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    for (let k = 0; k < 300; k++) {
      let t = '';
      const n = rnd(200);
      for (let i = 0; i < n; i++) t += rnd(4) === 0 ? words[rnd(words.length)] : chars[rnd(chars.length)];
      checkStructure(t, roundTrip(t));
    }
  });

  it('non-string input does not throw', () => {
    expect(() => parseNotebook(undefined as unknown as string)).not.toThrow();
    expect(() => parseNotebook(42 as unknown as string)).not.toThrow();
  });
});
