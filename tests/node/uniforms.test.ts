/**
 * Named uniforms (src/gpu/uniforms.ts): every kernel's `struct Params` parses, and every dispatch
 * literal in src/ that names its kernel gives exactly that kernel's fields — checked statically
 * here, so a misspelt or forgotten field fails without a GPU (the context checks the same at run
 * time for every dispatch, including those whose kernel is only known then).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeUniform, requiredFields, uniformLayout } from '../../src/gpu/uniforms';
import { expandWgsl, includeWgsl, kernelSources } from '../../src/gpu/wgsl';

const ROOT = resolve(import.meta.dirname, '../..');

/** A kernel expanded with every `{{NAME}}` placeholder set to 8 (enough to parse its struct). */
function expanded(text: string): string {
  const defines = Object.fromEntries([...includeWgsl(text).matchAll(/\{\{(\w+)\}\}/g)].map((m) => [m[1], 8]));
  return expandWgsl(text, defines);
}

const kernels = Object.entries(kernelSources).filter(([, t]) => t.includes('@compute'));

describe('kernel uniform layouts', () => {
  it('every kernel has one uniform of scalar fields, bound after its storage buffers', () => {
    expect(kernels.length).toBeGreaterThan(40);
    for (const [path, text] of kernels) {
      const src = expanded(text);
      const l = uniformLayout(src);
      expect(l, path).not.toBeNull();
      const bindings = [...src.matchAll(/@binding\((\d+)\)/g)].map((m) => Number(m[1]));
      expect(l!.binding, path).toBe(Math.max(...bindings));
    }
  });

  it('encodes by name with the struct types, pads with zeros, and names every mismatch', () => {
    const l = uniformLayout('struct Params { n: u32, scale: f32, off: i32, _pad: u32 }\n@group(0) @binding(1) var<uniform> P: Params;')!;
    expect(requiredFields(l)).toEqual(['n', 'scale', 'off']);
    const dv = new DataView(encodeUniform(l, { off: -3, n: 7, scale: 0.5 }, 'k'));
    expect([dv.getUint32(0, true), dv.getFloat32(4, true), dv.getInt32(8, true), dv.getUint32(12, true)]).toEqual([7, 0.5, -3, 0]);
    expect(dv.byteLength).toBe(16);
    expect(() => encodeUniform(l, { n: 1, scale: 1 }, 'k')).toThrow(/k: .*missing off/);
    expect(() => encodeUniform(l, { n: 1, scale: 1, off: 0, of: 2 }, 'k')).toThrow(/unknown of/);
    expect(() => encodeUniform(l, { n: 1.5, scale: 1, off: 0 }, 'k')).toThrow(/n is u32/);
    expect(() => uniformLayout('struct Params { v: vec4<f32> }\n@binding(0) var<uniform> P: Params;')).toThrow(/scalars/);
  });
});

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (/\.tsx?$/.test(name)) out.push(p);
  }
  return out;
}

/** Index of the bracket closing the one at `open`. */
function closing(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if ('([{'.includes(s[i])) depth++;
    else if (')]}'.includes(s[i]) && --depth === 0) return i;
  }
  throw new Error('unbalanced');
}

/** Top-level keys of an object literal's body; null when it spreads something (checked at run time only). */
function keysOf(body: string): string[] | null {
  const keys: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of `${body},`) {
    if ('([{'.includes(ch)) depth++;
    if (')]}'.includes(ch)) depth--;
    if (ch === ',' && depth === 0) {
      const t = cur.trim();
      cur = '';
      if (!t) continue;
      if (t.startsWith('...')) return null;
      keys.push(/^(\w+)/.exec(t)![1]);
    } else cur += ch;
  }
  return keys;
}

describe('host code gives every kernel its own fields', () => {
  const fieldsByFile = new Map(kernels.map(([p, t]) => [p.replace(/^.*?kernels\//, ''), requiredFields(uniformLayout(expanded(t))!)]));
  const sites: Array<{ where: string; kernel: string; keys: string[] | null }> = [];
  for (const file of tsFiles(join(ROOT, 'src'))) {
    const s = readFileSync(file, 'utf8');
    const imports = new Map([...s.matchAll(/import (\w+) from '([./]+kernels\/[\w/]+\.wgsl)\?raw'/g)].map((m) => [m[1], resolve(dirname(file), m[2]).replace(/^.*?kernels\//, '')]));
    for (const m of s.matchAll(/params: \{/g)) {
      const open = m.index! + m[0].length - 1;
      const keys = keysOf(s.slice(open + 1, closing(s, open)));
      const pipe = s.lastIndexOf('pipeline:', m.index);
      // the same object literal: from `pipeline:` to `params:` no brace closes one opened before
      let depth = 0;
      for (const ch of s.slice(Math.max(pipe, 0), m.index)) if ((depth += ch === '{' ? 1 : ch === '}' ? -1 : 0) < 0) break;
      const ident = pipe >= 0 && depth >= 0 ? /pipeline\((?:expandWgsl\()?(\w+)/.exec(s.slice(pipe, m.index))?.[1] : undefined;
      const kernel = ident ? imports.get(ident) : undefined;
      const where = `${file.slice(ROOT.length + 1)}:${s.slice(0, m.index).split('\n').length}`;
      if (kernel) sites.push({ where, kernel, keys });
    }
  }

  it('finds the dispatch sites', () => {
    // a floor that catches a parser that finds nothing (fusing kernels lowers the count: 50 after
    // Vicinity and GMA went to three launches each)
    expect(sites.length).toBeGreaterThan(40);
  });

  it('no site gives a field its kernel lacks or leaves one out', () => {
    const bad: string[] = [];
    for (const site of sites) {
      const want = fieldsByFile.get(site.kernel);
      if (!want) {
        bad.push(`${site.where}: no kernel ${site.kernel}`);
        continue;
      }
      if (!site.keys) continue;
      const missing = want.filter((f) => !site.keys!.includes(f));
      const unknown = site.keys.filter((k) => !want.includes(k));
      if (missing.length || unknown.length) bad.push(`${site.where} (${site.kernel}): missing [${missing}] unknown [${unknown}]`);
    }
    expect(bad).toEqual([]);
  });
});
