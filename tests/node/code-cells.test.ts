/**
 * Code cells (issue 16): the format (js fences round-trip byte for byte, refs, syntax errors with
 * their line), the reactive graph (exact dependents, cycles, unknown names), the worker protocol
 * on the real worker bundle in a thread (results, thrown errors and syntax errors with file lines,
 * a runaway loop stopped and the worker replaced, size and clone limits, engine time not counted,
 * network globals gone), and the API: run(op, …) from a cell equals the op view's own output.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { parseNotebook, serializeNotebook, type CodeCell } from '../../src/notebook/format';
import { buildGraph } from '../../src/notebook/runtime';
import { analyzeCode } from '../../src/notebook/code/cell';
import { buildCodeGraph, codeToRun, cellArgs } from '../../src/notebook/code/graph';
import { CodeHost, DEFAULT_LIMITS, type EngineHandler } from '../../src/notebook/code/host';
import { asFigures, figureHelpers } from '../../src/notebook/code/figures';
import { createEngine } from '../../src/ui/notebook/code/engine';
import { computeOpView } from '../../src/ops/view';
import { OPS, opByName } from '../../src/ops/registry';
import { patchEmbed, type RgbImage } from '../../src/image/pixels';
import { buildOpConfig } from '../../src/ui/notebook/views/op-config';
import { nodeWorkerFactory } from './code-worker-harness';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const js = (name: string, body: string) => '```js ' + name + '\n' + body + '\n```\n\n';
const param = (name: string, body: string) => '```param ' + name + '\n' + body + '\n```\n\n';

describe('js cells in the notebook format', () => {
  it('parses js fences as code cells and round-trips byte for byte', () => {
    const text = '---\ntitle: t\n---\n\n# T\r\n\r\n' + param('a', 'kind: slider\nmin: 0\nmax: 1\nvalue: 0.5') + js('x', 'const y = $a * 2\ny + 1') + '```js\n// unnamed\n1\n```\n' + '~~~js broken name\nfoo(\n~~~\n';
    const nb = parseNotebook(text);
    expect(serializeNotebook(nb)).toBe(text);
    const code = nb.cells.filter((c): c is CodeCell => c.type === 'code');
    expect(code.map((c) => c.id)).toEqual(['code-x', 'code-js', 'code-broken']);
    expect(code[0].refs).toEqual(['a']);
    expect(code[0].compiled).toBe('const y = $a * 2\nreturn (y + 1);\n');
    // the syntax error points at its file line
    const bad = code[2];
    expect(bad.compiled).toBeNull();
    const lines = text.split(/\r\n|\n/);
    const err = bad.errors.find((e) => e.message.startsWith('Syntax error'))!;
    expect(err).toBeTruthy();
    expect(lines[err.line - 1]).toBe('~~~');
    expect(bad.errors.some((e) => e.message.includes('Extra words'))).toBe(true);
  });

  it('finds $names the code reads, not property keys, labels or its own declarations', () => {
    const a = analyzeCode('const $own = 1;\nconst o = { $key: $val, $short };\no.$prop; $fn(`${$tpl}`);\nfunction f($p) { return $p + $own }\n"$notRef"');
    expect(a.refs).toEqual(['val', 'short', 'fn', 'tpl']);
    expect(a.syntax).toBeNull();
    expect(analyzeCode('await x; return 3').compiled).toBe('await x; return 3');
    const s = analyzeCode('let a = 1\nlet b = (\n');
    expect(s.syntax?.line).toBe(3);
  });
});

describe('the code graph', () => {
  const text =
    param('a', 'kind: slider\nmin: 0\nmax: 1\nvalue: 0.5') +
    param('b', 'kind: slider\nmin: 0\nmax: 1\nvalue: 0.25') +
    js('x', '$a * 2') +
    js('y', '$x + $b') +
    js('z', '$a + 1') +
    js('w', '$y + $z') +
    js('c1', '$c2') +
    js('c2', '$c1') +
    js('u', '$nope') +
    js('v', '$u');
  const nb = parseNotebook(text);
  const g = buildCodeGraph(nb, buildGraph(nb).params);
  const id = (n: string) => `code-${n}`;

  it('orders cells after what they read and re-runs exactly the dependents', () => {
    expect(g.order).toEqual([id('x'), id('y'), id('z'), id('w')]);
    expect(codeToRun(g, { params: ['b'] })).toEqual([id('y'), id('w')]);
    expect(codeToRun(g, { params: ['a'] })).toEqual([id('x'), id('y'), id('z'), id('w')]);
    expect(codeToRun(g, { cells: [id('z')] })).toEqual([id('z'), id('w')]);
  });

  it('reports cycles and unknown names, and blocks what depends on them', () => {
    expect(g.issues.filter((i) => i.kind === 'cycle').map((i) => i.cellId).sort()).toEqual([id('c1'), id('c2')]);
    expect(g.blocked.get(id('u'))).toMatch(/\$nope/);
    expect(g.blocked.get(id('v'))).toMatch(/\$u/);
    const unknown = g.issues.find((i) => i.cellId === id('u'))!;
    expect(text.split('\n')[unknown.line - 1]).toBe('$nope');
  });

  it('passes param values and upstream results as $name arguments', () => {
    expect(cellArgs(g, id('y'), { a: 0.5, b: 0.25 }, new Map())).toEqual({ missing: ['x'] });
    expect(cellArgs(g, id('y'), { a: 0.5, b: 0.25 }, new Map([[id('x'), 1]]))).toEqual({ names: ['$b', '$x'], values: [0.25, 1] });
  });
});

describe('figure helpers', () => {
  it('make specs that the page accepts, and refuse malformed ones', () => {
    const specs = [
      figureHelpers.plot.bar({ title: 't', labels: ['a', 'b'], values: [1, 2] }),
      figureHelpers.plot.line({ title: 'l', ys: [1, 2, 3] }),
      figureHelpers.table([{ k: 1 }, { k: 2, j: 'x' }]),
      figureHelpers.map(new Float32Array(4)),
      figureHelpers.text('hi'),
    ];
    const f = asFigures(specs)!;
    expect(f.map((x) => x.figure)).toEqual(['bar', 'line', 'table', 'map', 'text']);
    expect(f[2]).toMatchObject({ columns: ['k', 'j'], rows: [[1, null], [2, 'x']] });
    expect(asFigures({ figure: 'map', values: [1, 2, 3], H: 2, W: 2 })).toBeNull();
    expect(asFigures({ a: 1 })).toBeNull();
  });
});

// a small synthetic photo (deterministic gradient) for the engine
const PHOTO: RgbImage = (() => {
  const w = 64;
  const data = new Uint8Array(w * w * 3);
  for (let i = 0; i < w * w; i++) {
    data[3 * i] = (i % w) * 4;
    data[3 * i + 1] = Math.floor(i / w) * 4;
    data[3 * i + 2] = (i * 7) % 256;
  }
  return { width: w, height: w, data };
})();

describe('the worker protocol (real worker bundle in a thread)', () => {
  let factory: Awaited<ReturnType<typeof nodeWorkerFactory>>;
  let host: CodeHost;
  let slowHost: CodeHost;
  const engine = createEngine({ ctx: () => null, photo: async () => ({ name: 'test', rgb: PHOTO }), model: () => null });
  const slowEngine: EngineHandler = (m, a) => (m === 'ops' ? new Promise((r) => setTimeout(() => r('slow'), 900)) : engine(m, a));

  beforeAll(async () => {
    factory = await nodeWorkerFactory();
    host = new CodeHost(factory.make, engine, { ...DEFAULT_LIMITS, timeMs: 1500, maxResultBytes: 1_000_000 });
    slowHost = new CodeHost(factory.make, slowEngine, { ...DEFAULT_LIMITS, timeMs: 400 });
  }, 60_000);
  afterAll(() => {
    host?.dispose();
    slowHost?.dispose();
  });

  const cell = (body: string) => {
    const c = parseNotebook('# n\n\n' + js('c', body)).cells[1] as CodeCell;
    expect(c.compiled).not.toBeNull();
    return { source: c.compiled!, line0: c.line + 1 };
  };

  it('returns the last expression, with $name arguments and console lines', async () => {
    const r = await host.run({ ...cell('console.log("hi", { a: 1 })\n$a * 2 + $b.k'), argNames: ['$a', '$b'], args: [3, { k: 1 }] });
    expect(r).toMatchObject({ ok: true, value: 7, logs: ['hi {"a":1}'] });
  });

  it('reports a thrown error with its file line, and keeps working', async () => {
    const c = cell('const a = 1\n\nthrow new RangeError("boom " + a)');
    const r = await host.run({ ...c, argNames: [], args: [] });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({ kind: 'runtime', message: 'RangeError: boom 1', line: c.line0 + 2 });
    // an error inside a nested function, after an await, still maps to its line
    const d = cell('await null\nconst f = () => {\n  return null.x\n}\nf()');
    const r2 = await host.run({ ...d, argNames: [], args: [] });
    expect(!r2.ok && r2.error.line).toBe(d.line0 + 2);
    expect((await host.run({ ...cell('1 + 1'), argNames: [], args: [] })).ok).toBe(true);
  });

  it('reports a syntax error that reaches the worker', async () => {
    const r = await host.run({ source: 'let = ;', line0: 5, argNames: [], args: [] });
    expect(r).toMatchObject({ ok: false, error: { kind: 'syntax' } });
  });

  it('stops a runaway loop after the time limit, replaces the worker and runs the next cell', async () => {
    const before = host.restarts;
    const t0 = performance.now();
    const r = await host.run({ ...cell('let i = 0\nwhile (true) { i++ }'), argNames: [], args: [] });
    const ms = performance.now() - t0;
    expect(r).toMatchObject({ ok: false, error: { kind: 'timeout' } });
    expect(ms).toBeGreaterThanOrEqual(1400);
    expect(ms).toBeLessThan(5000);
    expect(host.restarts).toBe(before + 1);
    const next = await host.run({ ...cell('$x + 1'), argNames: ['$x'], args: [41] });
    expect(next).toMatchObject({ ok: true, value: 42 });
  });

  it('does not count the time the page spends on engine calls', async () => {
    const r = await slowHost.run({ ...cell('const a = await ops()\nconst b = await ops()\na + b'), argNames: [], args: [] });
    expect(r).toMatchObject({ ok: true, value: 'slowslow' });
  });

  it('refuses results over the size limit and values that cannot leave the worker', async () => {
    const big = await host.run({ ...cell('new Float64Array(200000)'), argNames: [], args: [] });
    expect(big).toMatchObject({ ok: false, error: { kind: 'size' } });
    const fn = await host.run({ ...cell('() => 1'), argNames: [], args: [] });
    expect(fn).toMatchObject({ ok: false, error: { kind: 'clone' } });
  });

  it('takes the network and shared storage away from cell code', async () => {
    const r = await host.run({ ...cell('[typeof fetch, typeof XMLHttpRequest, typeof indexedDB, typeof caches, typeof importScripts]'), argNames: [], args: [] });
    expect(r).toMatchObject({ ok: true, value: ['undefined', 'undefined', 'undefined', 'undefined', 'undefined'] });
  });

  it('run(op, …) from a cell equals the op view for the same settings (CPU reference)', async () => {
    for (const [name, settings] of [
      ['hilo', { grid: 14, alpha: 0.5, token: 37 }],
      ['gla', { grid: 14, token: 100 }],
    ] as const) {
      const r = await host.run({ ...cell(`await run('${name}', ${JSON.stringify(settings)}, { tokens: [5, ${settings.token}] })`), argNames: [], args: [] });
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      const v = r.value as { panels: Array<{ title: string; values: Float32Array }>; perToken: Array<Array<{ values: Float32Array }>>; macs: number; token: number };
      const op = opByName(name)!;
      const { cfg } = buildOpConfig(op, 14, settings);
      const shape = op.inputShape(cfg);
      const view = await computeOpView(op, cfg, patchEmbed(PHOTO, 14, shape.length === 3 ? shape[2] : shape[1]), settings.token, null);
      expect(v.token).toBe(settings.token);
      expect(v.macs).toBe(view.macs);
      expect(v.panels.map((p) => p.title)).toEqual(view.panels.map((p) => p.title));
      v.panels.forEach((p, i) => expect(Array.from(p.values)).toEqual(Array.from(view.panels[i].values)));
      // the all-rows run gives the same panels for the view's token
      v.perToken[1].forEach((p, i) => expect(Array.from(p.values)).toEqual(Array.from(view.panels[i].values)));
    }
  });

  it('answers the API: ops, macs, photo; model calls without a backbone say so', async () => {
    const r = await host.run({ ...cell("const o = await ops()\nconst p = await photo({ grid: 7, dim: 8 })\nreturn [o.map((x) => x.name), await macs('mhsa', { grid: 14 }), p.tokens.length, p.rgb.length, await model.info()]"), argNames: [], args: [] });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const [names, m, nt, nrgb, info] = r.value as [string[], number, number, number, unknown];
    expect(names).toEqual(OPS.map((o) => o.name));
    expect(m).toBe(opByName('mhsa')!.macs(buildOpConfig(opByName('mhsa')!, 14, {}).cfg));
    expect(nt).toBe(49 * 8);
    expect(nrgb).toBe(224 * 224 * 3);
    expect(info).toBeNull();
    const bad = await host.run({ ...cell("await model.layer(0)"), argNames: [], args: [] });
    expect(!bad.ok && bad.error.message).toMatch(/No backbone is loaded/);
    const badOp = await host.run({ ...cell("await run('nope')"), argNames: [], args: [] });
    expect(!badOp.ok && badOp.error.message).toMatch(/Unknown op `nope`/);
  });
});

describe('the shipped attention-distance notebook', () => {
  it('parses without problems and its code graph runs every cell', () => {
    const text = readFileSync(resolve(import.meta.dirname, '../../notebooks/attention-distance.md'), 'utf8');
    const nb = parseNotebook(text);
    expect(serializeNotebook(nb)).toBe(text);
    expect(nb.errors).toEqual([]);
    const g = buildCodeGraph(nb, buildGraph(nb).params);
    expect(g.issues).toEqual([]);
    expect(g.order.length).toBe(g.cells.length);
    expect(g.cells.length).toBeGreaterThanOrEqual(3);
  });
});

describe('trust by content hash', () => {
  it('remembers agreed notebooks by SHA-256 of their exact text, not by name', async () => {
    const store = new Map<string, string>();
    const g = globalThis as unknown as { localStorage?: unknown };
    const prev = g.localStorage;
    g.localStorage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    try {
      const { contentHash, isTrustedHash, rememberTrusted } = await import('../../src/ui/notebook/code/trust');
      const a = await contentHash('```js x\n1\n```\n');
      const { createHash } = await import('node:crypto');
      expect(a).toBe(createHash('sha256').update('```js x\n1\n```\n').digest('hex'));
      expect(a).toMatch(/^[0-9a-f]{64}$/);
      expect(isTrustedHash(a)).toBe(false);
      rememberTrusted(a);
      expect(isTrustedHash(a)).toBe(true);
      const b = await contentHash('```js x\n2\n```\n');
      expect(b).not.toBe(a);
      expect(isTrustedHash(b)).toBe(false);
      store.set('attnbook:trusted-code', 'not json');
      expect(isTrustedHash(a)).toBe(false);
    } finally {
      g.localStorage = prev;
    }
  });
});
