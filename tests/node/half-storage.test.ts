import { describe, expect, it } from 'vitest';
import { toHalfStorage } from '../../src/gpu/half-storage';
import { fromF16Bits, toF16Bits } from '../../src/gpu/f16-bits';
import { expandWgsl, includeWgsl, kernelSources, withSubgroups } from '../../src/gpu/wgsl';

const SRC = `struct Params { n: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> v: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> idx: array<u32>;
@group(0) @binding(3) var<storage, read_write> part: array<f32>; // keep-f32: sums
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<uniform> P: Params;
var<workgroup> t: array<f32, 64>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  // y[i] = x[i] stays a comment
  let a = x[idx[g.x]] * 2.0;
  let b = v[g.x].y;
  t[g.x] = x[g.x + 1u];
  y[g.x] = a + x[y[0] == 0.0];
  y[g.x] += b;
  if (y[1] == 2.0) { part[0] = x[3]; }
}`;

describe('toHalfStorage', () => {
  const out = toHalfStorage(SRC, 'f16');

  it('stores float arrays in 16 bits and leaves u32, keep-f32, uniforms and workgroup memory alone', () => {
    expect(out.startsWith('enable f16;')).toBe(true);
    expect(out).toContain('var<storage, read> x: array<f16>;');
    expect(out).toContain('var<storage, read> v: array<vec4<f16>>;');
    expect(out).toContain('var<storage, read> idx: array<u32>;');
    expect(out).toContain('part: array<f32>; // keep-f32');
    expect(out).toContain('var<workgroup> t: array<f32, 64>;');
  });

  it('widens every read and narrows every write, recursively', () => {
    expect(out).toContain('let a = hl1(x[idx[g.x]]) * 2.0;');
    expect(out).toContain('let b = hl4(v[g.x]).y;');
    expect(out).toContain('t[g.x] = hl1(x[g.x + 1u]);');
    expect(out).toContain('y[g.x] = hs1(a + hl1(x[hl1(y[0]) == 0.0]));');
    expect(out).toContain('y[g.x] = hs1(hl1(y[g.x]) + (b));');
    expect(out).toContain('if (hl1(y[1]) == 2.0) { part[0] = hl1(x[3]); }');
    expect(out).toContain('// y[i] = x[i] stays a comment');
  });

  it('emulates with u32 storage and pack2x16float', () => {
    const e = toHalfStorage(SRC, 'emulated');
    expect(e).not.toContain('enable f16');
    expect(e).toContain('x: array<u32>;');
    expect(e).toContain('v: array<vec4<u32>>;');
    expect(e).toContain('pack2x16float');
  });

  it('leaves a kernel without float storage unchanged', () => {
    const s = '@group(0) @binding(0) var<storage, read_write> a: array<u32>;\nfn main() { a[0] = 1u; }';
    expect(toHalfStorage(s, 'f16')).toBe(s);
  });

  it('rewrites every kernel of the project without leaving an unwrapped access', () => {
    for (const [path, src] of Object.entries(kernelSources)) {
      const defined = expandWgsl(includeWgsl(src).replace(/\{\{(\w+)\}\}/g, '4'));
      const halfNames = [...defined.matchAll(/var<storage,[^>]*>\s*(\w+)\s*:\s*array<(?:f32|vec4<f32>)>\s*;(?!.*keep-f32)/g)].map((m) => m[1]);
      const out = toHalfStorage(defined, 'f16');
      const code = out.replace(/\/\/.*$/gm, '');
      for (const n of halfNames) {
        // every access is the argument of hl or the target of `= hs…(`
        for (const m of code.matchAll(new RegExp(`(.{0,4})\\b${n}\\[`, 'g'))) {
          const i = m.index! + m[1].length;
          const before = code.slice(Math.max(0, i - 4), i);
          const after = code.slice(i).match(new RegExp(`^${n}\\[[^;]*?\\]\\s*(=|\\)|\\.|,|\\s)`));
          const wrapped = /hl[14]\($/.test(before) || (after !== null && /= hs[14]\(/.test(code.slice(i, code.indexOf(';', i))));
          expect(wrapped, `${path}: ${code.slice(i - 10, i + 40)}`).toBe(true);
        }
      }
    }
  });
});

describe('withSubgroups', () => {
  it('turns on the //sg lines of the reduction kernels and gives every entry point the builtins', () => {
    const users = Object.entries(kernelSources).filter(([p, t]) => !p.includes('/lib/') && includeWgsl(t).includes('//sg '));
    expect(users.map(([p]) => p.replace(/^.*kernels\//, '')).sort()).toEqual(['add_norm.wgsl', 'fat_gn.wgsl', 'fat_gn_stats.wgsl', 'gmf_cpe_norm.wgsl', 'litv2_row_norm.wgsl']);
    for (const [path, t] of users) {
      const out = withSubgroups(toHalfStorage(includeWgsl(t).replace(/\{\{(\w+)\}\}/g, '8'), 'f16'));
      expect(out.startsWith('enable subgroups;\nenable f16;'), path).toBe(true);
      expect(out, path).not.toMatch(/^\/\/sg /m);
      const entries = out.match(/@compute[^{]*\{/g)!;
      expect(entries.length, path).toBe(path.includes('fat_gn.') ? 2 : 1);
      for (const e of entries) expect(e, path).toMatch(/\(@builtin\(subgroup_size\) sg_size: u32, @builtin\(subgroup_invocation_id\) sg_lane_in: u32, /);
    }
    const plain = '@compute @workgroup_size(1) fn main() {}';
    expect(withSubgroups(plain)).toBe(plain);
  });
});

describe('f16 bit patterns', () => {
  it('round to nearest and come back', () => {
    const x = Float32Array.from([0, 1, -2.5, 65504, 1e-8, 0.1, 3.14159]);
    const back = fromF16Bits(toF16Bits(x));
    expect(Array.from(back.slice(0, 4))).toEqual([0, 1, -2.5, 65504]);
    expect(back[5]).toBeCloseTo(0.1, 3);
    expect(back[6]).toBeCloseTo(3.140625, 6);
    expect(toF16Bits(Float32Array.from([1]))[0]).toBe(0x3c00);
    expect(fromF16Bits(Uint32Array.from([0xabcd3c00]))[0]).toBe(1);
  });
});
