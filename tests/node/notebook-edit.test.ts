/**
 * Document edits: only edited blocks change bytes, ids survive, the document always equals the
 * parse of its own text, and undo/redo restore exact text. Plus a seeded random edit sequence.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNotebook, serializeNotebook, usableParams, type Notebook, type ParamCell } from '../../src/notebook/format';
import {
  applyEdit,
  canRedo,
  canUndo,
  cellSource,
  createEditState,
  deleteCell,
  insertCell,
  MAX_UNDO,
  moveCell,
  redo,
  setCellRaw,
  setCellSource,
  setMeta,
  setParamDefault,
  undo,
  type EditOp,
} from '../../src/notebook/edit';

const SOFTMAX = readFileSync(resolve(__dirname, '../../notebooks/softmax-attention.md'), 'utf8');

/** The invariant every edit keeps: the document is exactly what its text parses to, ids unique. */
function consistent(doc: Notebook): void {
  const text = serializeNotebook(doc);
  const re = parseNotebook(text);
  expect(re.cells.map((c) => c.raw)).toEqual(doc.cells.map((c) => c.raw));
  expect(re.head).toBe(doc.head);
  expect(re.cells.map((c) => c.type)).toEqual(doc.cells.map((c) => c.type));
  const ids = doc.cells.map((c) => c.id);
  expect(new Set(ids).size).toBe(ids.length);
}

const ids = (d: Notebook) => d.cells.map((c) => c.id);
const byId = (d: Notebook, id: string) => d.cells.find((c) => c.id === id)!;

describe('edits', () => {
  const doc = parseNotebook(SOFTMAX);

  it('editing a cell body changes only that block', () => {
    const v = doc.cells.find((c) => c.id === 'view-attention')!;
    expect(cellSource(v)).toBe('op: mhsa\ngrid: 14\ndim: 192\nheads: $heads\ntoken: $token\n');
    const next = setCellSource(doc, 'view-attention', 'op: hilo\nalpha: $heads\n');
    consistent(next);
    expect(ids(next)).toEqual(ids(doc));
    next.cells.forEach((c, i) => {
      if (c.id === 'view-attention') {
        expect(c.raw).toBe('```view attention\nop: hilo\nalpha: $heads\n```\n\n');
        expect(c.type === 'view' && c.op).toBe('hilo');
      } else expect(c.raw).toBe(doc.cells[i].raw);
    });
    const before = serializeNotebook(doc);
    const after = serializeNotebook(next);
    const start = before.indexOf('```view attention');
    expect(after.slice(0, start)).toBe(before.slice(0, start));
    const endBefore = before.indexOf('The weights here');
    const endAfter = after.indexOf('The weights here');
    expect(after.slice(endAfter)).toBe(before.slice(endBefore));
  });

  it('editing prose keeps the blank lines after it', () => {
    const p = doc.cells.find((c) => c.id === 'prose-2')!;
    expect(cellSource(p)).toBe('Click a patch on the map to choose the query token; its row of every head is shown, with the mean\nover heads first.');
    const next = setCellSource(doc, 'prose-2', 'Short.');
    consistent(next);
    expect(byId(next, 'prose-2').raw).toBe('Short.\n\n');
    expect(ids(next)).toEqual(ids(doc));
  });

  it('a body line that would close the fence makes the fence longer', () => {
    const next = setCellSource(doc, 'view-flops', 'note: |\n  ```\n  x\n  ```\nops: [mhsa]\n');
    consistent(next);
    const v = byId(next, 'view-flops');
    expect(v.raw.startsWith('````view flops\n')).toBe(true);
    expect(v.type === 'view' && v.config.ops).toEqual(['mhsa']);
    expect(ids(next)).toEqual(ids(doc));
  });

  it('insert, move, delete keep ids and separate blocks', () => {
    const a = insertCell(doc, 0, { type: 'param', name: 'alpha', body: 'kind: slider\nmin: 0\nmax: 1\nvalue: 0.5\n' });
    consistent(a.doc);
    expect(a.id).toBe('param-alpha');
    expect(ids(a.doc)).toEqual(['param-alpha', ...ids(doc)]);
    const b = insertCell(a.doc, 3, { type: 'view', kind: 'table', body: 'x: $alpha' });
    consistent(b.doc);
    expect(b.id).toBe('view-table');
    // prose after prose joins it (one Markdown block); the id says where the text went
    const c = insertCell(b.doc, 999, { type: 'prose', text: '' });
    consistent(c.doc);
    expect(c.doc.cells.length).toBe(b.doc.cells.length);
    expect(c.id).toBe(b.doc.cells.at(-1)!.id);
    expect(c.doc.cells.at(-1)!.raw).toBe('Next: HiLo splits the heads into a local high-frequency group and a pooled low-frequency group,\nand pays for the $N^2$ terms only on a fraction of them.\n\nNew text.\n\n');
    const d = moveCell(c.doc, 'param-alpha', 5);
    consistent(d);
    expect(ids(d).indexOf('param-alpha')).toBe(5);
    const e = deleteCell(d, 'param-token');
    consistent(e);
    expect(ids(e)).not.toContain('param-token');
    expect(ids(e).length).toBe(ids(d).length - 1);
    // untouched cells keep their ids throughout
    for (const id of ids(doc).filter((x) => x !== 'param-token')) expect(ids(e)).toContain(id);
  });

  it('deleting the only cell between two prose blocks joins them (one Markdown block)', () => {
    const e = deleteCell(doc, 'view-flops');
    consistent(e);
    expect(ids(e)).toEqual(ids(doc).filter((x) => x !== 'view-flops' && x !== 'prose-4'));
    expect(byId(e, 'prose-3').raw).toBe(byId(doc, 'prose-3').raw + byId(doc, 'prose-4').raw);
  });

  it('a file without a trailing newline and CRLF files stay well formed', () => {
    const crlf = parseNotebook('Intro\r\n\r\n```param a\r\nkind: toggle\r\n```');
    const x = insertCell(crlf, 2, { type: 'view', kind: 'table', body: 'x: $a\ny: 1' });
    consistent(x.doc);
    expect(serializeNotebook(x.doc)).toBe('Intro\r\n\r\n```param a\r\nkind: toggle\r\n```\r\n\r\n```view table\r\nx: $a\r\ny: 1\r\n```\r\n\r\n');
    const m = moveCell(x.doc, 'param-a', 0);
    consistent(m);
    expect(m.cells.map((c) => c.type)).toEqual(['param', 'prose', 'view']);
    const fm = parseNotebook('---\ntitle: x\n---');
    const y = insertCell(fm, 0, { type: 'prose', text: 'Hello' });
    consistent(y.doc);
    expect(serializeNotebook(y.doc)).toBe('---\ntitle: x\n---\nHello\n\n');
  });

  it('setRaw may rename or split a block', () => {
    const next = setCellRaw(doc, 'param-heads', '```param h\nkind: slider\nmin: 1\nmax: 4\n```\n\nA note.\n\n```view table\nx: $h\n```\n');
    consistent(next);
    expect(byId(next, 'param-heads').type === 'param' && (byId(next, 'param-heads') as ParamCell).name).toBe('h');
    expect(next.cells.length).toBe(doc.cells.length + 2);
  });

  it('setParamDefault keeps comments; setMeta edits or creates front matter', () => {
    const base = parseNotebook('---\n# about\ntitle: Old\nimage: cat\n---\n\n```param a\n# the knob\nkind: slider   # range\nmin: 0\nmax: 1\nvalue: 0.5\n```\n');
    const p = setParamDefault(base, 'a', 0.75);
    consistent(p);
    expect(cellSource(p.cells[0])).toBe('# the knob\nkind: slider # range\nmin: 0\nmax: 1\nvalue: 0.75\n');
    expect(usableParams(p)[0].spec!.value).toBe(0.75);
    const m = setMeta(p, { title: 'New', image: undefined, model: 'vig-t' });
    consistent(m);
    expect(m.head).toBe('---\n# about\ntitle: New\nmodel: vig-t\n---\n\n');
    expect(m.meta).toMatchObject({ title: 'New', model: 'vig-t' });
    expect(m.cells[0].raw).toBe(p.cells[0].raw);
    expect(m.cells[0].id).toBe(p.cells[0].id);
    const bare = setMeta(parseNotebook('\uFEFFText\n'), { title: 'T' });
    consistent(bare);
    expect(serializeNotebook(bare)).toBe('\uFEFF---\ntitle: T\n---\n\nText\n');
  });

  it('unknown ids and no-op edits return the same document', () => {
    expect(setCellSource(doc, 'nope', 'x')).toBe(doc);
    expect(moveCell(doc, 'param-heads', ids(doc).indexOf('param-heads'))).toBe(doc);
    expect(deleteCell(doc, 'nope')).toBe(doc);
    expect(setCellSource(doc, 'view-flops', cellSource(byId(doc, 'view-flops')))).toBe(doc);
  });

  it('an edit that would make the notebook too large is refused', () => {
    const next = setCellSource(doc, 'prose-1', 'x'.repeat(3 * 1024 * 1024));
    expect(next).toBe(doc);
  });
});

describe('undo / redo', () => {
  it('restores exact text and ids; redo is cleared by a new edit', () => {
    const doc = parseNotebook(SOFTMAX);
    let s = createEditState(doc);
    expect(canUndo(s)).toBe(false);
    s = applyEdit(s, { type: 'setSource', id: 'view-attention', source: 'op: hilo\n' });
    s = applyEdit(s, { type: 'insert', index: 1, cell: { type: 'view', kind: 'kernel', body: 'op: mhsa' } });
    expect(s.lastInsertedId).toBe(s.doc.cells[1].id);
    s = applyEdit(s, { type: 'delete', id: 'view-latency' });
    s = applyEdit(s, { type: 'move', id: 'param-token', to: 0 });
    const final = serializeNotebook(s.doc);
    expect(s.past.length).toBe(4);
    while (canUndo(s)) s = undo(s);
    expect(serializeNotebook(s.doc)).toBe(SOFTMAX);
    expect(s.doc).toBe(doc);
    while (canRedo(s)) s = redo(s);
    expect(serializeNotebook(s.doc)).toBe(final);
    s = undo(s);
    expect(canRedo(s)).toBe(true);
    s = applyEdit(s, { type: 'setSource', id: 'prose-1', source: '# New' });
    expect(canRedo(s)).toBe(false);
  });

  it('typing coalesces into one undo step; a failed edit sets error and changes nothing', () => {
    let s = createEditState(parseNotebook(SOFTMAX));
    const body = cellSource(byId(s.doc, 'view-flops'));
    for (let i = 1; i <= 10; i++) s = applyEdit(s, { type: 'setSource', id: 'view-flops', source: body + '#'.repeat(i) + '\n' }, { coalesce: 'type:view-flops' });
    expect(s.past.length).toBe(1);
    s = applyEdit(s, { type: 'setSource', id: 'prose-1', source: '# T' }, { coalesce: 'type:prose-1' });
    expect(s.past.length).toBe(2);
    const before = s;
    s = applyEdit(s, { type: 'delete', id: 'ghost' });
    expect(s.doc).toBe(before.doc);
    expect(s.past).toBe(before.past);
    expect(s.error).toMatch(/no longer exists/);
    s = undo(undo(s));
    expect(serializeNotebook(s.doc)).toBe(SOFTMAX);
  });

  it(`keeps at most ${MAX_UNDO} steps`, () => {
    let s = createEditState(parseNotebook('```param a\nkind: slider\nmin: 0\nmax: 1000\n```\n'));
    for (let i = 0; i < MAX_UNDO + 20; i++) s = applyEdit(s, { type: 'setParamDefault', name: 'a', value: i + 1 });
    expect(s.past.length).toBe(MAX_UNDO);
  });
});

describe('seeded random edit sequences', () => {
  it('keep the document consistent and undo back to the original bytes', () => {
    let seed = 99;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    const sources = ['kind: toggle\n', 'op: mhsa\nheads: $heads\n', 'Text with ```view inside\n', '```view table\nx: 1\n```', '', '---\n', '```', '- [\n', '# T\r\nline\r\n'];
    for (const start of [SOFTMAX, SOFTMAX.replace(/\n/g, '\r\n'), 'no newline', '']) {
      const original = parseNotebook(start);
      let s = createEditState(original);
      for (let k = 0; k < 60; k++) {
        const cells = s.doc.cells;
        const pick = () => cells[rnd(Math.max(1, cells.length))]?.id ?? 'none';
        const ops: EditOp[] = [
          { type: 'setSource', id: pick(), source: sources[rnd(sources.length)] },
          { type: 'setRaw', id: pick(), raw: sources[rnd(sources.length)] },
          { type: 'insert', index: rnd(cells.length + 1), cell: [{ type: 'prose', text: 'P' } as const, { type: 'param', name: 'z' + k, body: 'kind: toggle' } as const, { type: 'view', kind: 'flops', body: 'ops: [mhsa]' } as const][rnd(3)] },
          { type: 'move', id: pick(), to: rnd(cells.length + 1) },
          { type: 'delete', id: pick() },
        ];
        s = applyEdit(s, ops[rnd(ops.length)]);
        consistent(s.doc);
      }
      while (canUndo(s)) s = undo(s);
      expect(serializeNotebook(s.doc)).toBe(start);
    }
  });
});
