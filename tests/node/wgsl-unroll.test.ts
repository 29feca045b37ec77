/**
 * `//#unroll` (src/gpu/wgsl.ts unrollWgsl): a marked constant-count loop becomes its body repeated
 * with the index a constant, nested markers unroll inside each copy, bounds resolve through the
 * module's u32 constants, and everything a marker can't unroll faithfully throws.
 */
import { describe, expect, it } from 'vitest';
import { expandWgsl, includeWgsl, kernelSources, unrollWgsl } from '../../src/gpu/wgsl';

describe('//#unroll', () => {
  it('repeats the body with the index as a constant, leaving fields and longer names alone', () => {
    const src = 'fn f() {\n  //#unroll\n  for (var i = 0u; i < 3u; i++) { a[i] = v.i + ii; }\n}';
    expect(unrollWgsl(src)).toBe('fn f() {\n  { a[0u] = v.i + ii; }\n{ a[1u] = v.i + ii; }\n{ a[2u] = v.i + ii; }\n}');
  });

  it('resolves bounds through u32 constants (+ − * / and parentheses) and unrolls nested loops', () => {
    const src = [
      'const RN: u32 = 8u;',
      'const VN: u32 = RN / 4u;',
      'const T: u32 = (VN + 1u) * 2u - 3u;',
      'fn f() {',
      '  //#unroll',
      '  for (var i = 0u; i < T; i++) {',
      '    //#unroll',
      '    for (var j = 0u; j < VN; j++) { s += a[i * VN + j]; }',
      '  }',
      '}',
    ].join('\n');
    const out = unrollWgsl(src);
    expect(out).not.toContain('for (');
    expect([...out.matchAll(/s \+= a\[(\d)u \* VN \+ (\d)u\]/g)].map((m) => `${m[1]}${m[2]}`)).toEqual(['00', '01', '10', '11', '20', '21']);
  });

  it('leaves unmarked loops rolled', () => {
    const src = 'fn f() {\n  for (var i = 0u; i < 4u; i++) { a[i] = 0.0; }\n}';
    expect(unrollWgsl(src)).toBe(src);
  });

  it('throws on a bound it cannot evaluate, a body that breaks or continues, and unbalanced braces', () => {
    expect(() => unrollWgsl('fn f() {\n//#unroll\nfor (var i = 0u; i < P.n; i++) { }\n}')).toThrow(/not a constant/);
    expect(() => unrollWgsl('fn f() {\n//#unroll\nfor (var i = 0u; i < 2u; i++) { if (x) { continue; } }\n}')).toThrow(/breaks or continues/);
    expect(() => unrollWgsl('fn f() {\n//#unroll\nfor (var i = 0u; i < 2u; i++) { a[i] = 0.0;\n')).toThrow(/unbalanced/);
  });

  it('every kernel that marks loops unrolls them all once its template constants are set', () => {
    const marked = Object.entries(kernelSources).filter(([, t]) => t.includes('@compute') && /^\s*\/\/#unroll$/m.test(includeWgsl(t)));
    expect(marked.length).toBeGreaterThan(0);
    for (const [path, text] of marked) {
      const defines = Object.fromEntries([...includeWgsl(text).matchAll(/\{\{(\w+)\}\}/g)].map((m) => [m[1], 4]));
      expect(unrollWgsl(expandWgsl(text, defines)), path).not.toMatch(/^\s*\/\/#unroll$/m);
    }
  });
});
