/**
 * Half-precision storage for any of our kernels, by rewriting its WGSL: every float storage array
 * (`array<f32>`, `array<vec4<f32>>`) is stored in 16 bits, each read is widened to f32 and each
 * write narrowed, so all arithmetic, accumulators and workgroup memory stay f32. Memory traffic
 * halves; the error is f16 rounding of every stored activation and weight.
 *
 * Written as a rewrite rather than as f16 copies of 50 kernels so there is one source of truth. A
 * binding whose declaration line carries `// keep-f32` stays f32: split-K and reduction partials
 * (sums over thousands of values, or of squares, that f16's 65504 range and 11-bit mantissa would
 * spoil), and whatever reads them.
 *
 * Two encodings of the 16-bit value: `f16` (WGSL `enable f16`, 2 bytes per element; needs the
 * `shader-f16` feature) and `emulated`, which keeps the f16 bit pattern in the low half of a u32
 * (pack2x16float). Emulation rounds exactly like f16 but runs on any adapter, so the rewrite,
 * the keep-f32 pairs and the accuracy are tested on machines without `shader-f16`.
 */

export type HalfEncoding = 'f16' | 'emulated';

const PRELUDE: Record<HalfEncoding, string> = {
  f16: `enable f16;
fn hl1(v: f16) -> f32 { return f32(v); }
fn hs1(v: f32) -> f16 { return f16(v); }
fn hl4(v: vec4<f16>) -> vec4<f32> { return vec4<f32>(v); }
fn hs4(v: vec4<f32>) -> vec4<f16> { return vec4<f16>(v); }
`,
  emulated: `fn hl1(v: u32) -> f32 { return unpack2x16float(v).x; }
fn hs1(v: f32) -> u32 { return pack2x16float(vec2<f32>(v, 0.0)); }
fn hl4(v: vec4<u32>) -> vec4<f32> { return vec4<f32>(hl1(v.x), hl1(v.y), hl1(v.z), hl1(v.w)); }
fn hs4(v: vec4<f32>) -> vec4<u32> { return vec4<u32>(hs1(v.x), hs1(v.y), hs1(v.z), hs1(v.w)); }
`,
};

const ELEM: Record<HalfEncoding, { scalar: string; vec4: string }> = {
  f16: { scalar: 'f16', vec4: 'vec4<f16>' },
  emulated: { scalar: 'u32', vec4: 'vec4<u32>' },
};

const DECL = /^(\s*@group\(\d+\)\s*@binding\(\d+\)\s*var<storage,\s*(?:read|read_write)>\s*(\w+)\s*:\s*array<)(f32|vec4<f32>)(>\s*;.*)$/gm;

/** Rewrite one expanded kernel for 16-bit float storage (see the module comment). */
export function toHalfStorage(src: string, enc: HalfEncoding): string {
  const kinds = new Map<string, 1 | 4>();
  const declared = src.replace(DECL, (line, head: string, name: string, elem: string, tail: string) => {
    if (/\/\/\s*keep-f32/.test(tail)) return line;
    const vec = elem === 'vec4<f32>';
    kinds.set(name, vec ? 4 : 1);
    return `${head}${vec ? ELEM[enc].vec4 : ELEM[enc].scalar}${tail}`;
  });
  if (kinds.size === 0) return src;
  return PRELUDE[enc] + rewriteAccesses(declared, kinds);
}

const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;

/**
 * Wrap every `name[...]` of a rewritten buffer: a read becomes `hl(name[...])`; `name[i] = e;`
 * becomes `name[i] = hs(e);` and `name[i] op= e;` becomes `name[i] = hs(hl(name[i]) op (e));`.
 * Index and right-hand expressions are rewritten recursively (they may read other buffers).
 * Declarations are skipped: they are the only place a name is followed by ':' before any '['.
 */
function rewriteAccesses(src: string, kinds: Map<string, 1 | 4>): string {
  let out = '';
  let i = 0;
  while (i < src.length) {
    const ch = src[i];
    // Skip comments whole: they may mention buffers ("x[i]") that must stay as written.
    if (ch === '/' && src[i + 1] === '/') {
      const end = src.indexOf('\n', i);
      const stop = end < 0 ? src.length : end;
      out += src.slice(i, stop);
      i = stop;
      continue;
    }
    if (/[A-Za-z_]/.test(ch) && (i === 0 || !/[A-Za-z0-9_.]/.test(src[i - 1]))) {
      IDENT.lastIndex = i;
      const name = IDENT.exec(src)![0];
      const kind = kinds.get(name);
      const j = skipSpace(src, i + name.length);
      if (kind === undefined || src[j] !== '[') {
        out += name;
        i += name.length;
        continue;
      }
      const close = matchBracket(src, j);
      const index = rewriteAccesses(src.slice(j + 1, close), kinds);
      const access = `${name}[${index}]`;
      const k = skipSpace(src, close + 1);
      const op = assignmentAt(src, k);
      const [ld, st] = kind === 4 ? ['hl4', 'hs4'] : ['hl1', 'hs1'];
      if (op === null) {
        out += `${ld}(${access})`;
        i = close + 1;
        continue;
      }
      const rhsStart = k + op.length;
      const semi = statementEnd(src, rhsStart);
      const rhs = rewriteAccesses(src.slice(rhsStart, semi), kinds).trim();
      out += op === '='
        ? `${access} = ${st}(${rhs})`
        : `${access} = ${st}(${ld}(${access}) ${op[0]} (${rhs}))`;
      i = semi;
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}

function skipSpace(s: string, i: number): number {
  while (i < s.length && /\s/.test(s[i])) i++;
  return i;
}

/** index of the ']' matching the '[' at `open` */
function matchBracket(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '[') depth++;
    else if (s[i] === ']' && --depth === 0) return i;
  }
  throw new Error(`toHalfStorage: unbalanced '[' at ${open}`);
}

/** '=' / '+=' … when an assignment starts at i (not '==' or a comparison) */
function assignmentAt(s: string, i: number): string | null {
  if (s[i] === '=' && s[i + 1] !== '=') return '=';
  if ('+-*/'.includes(s[i]) && s[i + 1] === '=') return `${s[i]}=`;
  return null;
}

/** index of the ';' ending the statement whose right-hand side starts at i */
function statementEnd(s: string, i: number): number {
  let depth = 0;
  for (; i < s.length; i++) {
    const c = s[i];
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === ';' && depth === 0) return i;
  }
  throw new Error('toHalfStorage: assignment without ;');
}
