/**
 * Names a compiled kernel for the profile without help from the GPU context: the expanded WGSL a
 * pipeline was made from is matched against the kernels/*.wgsl templates (includes resolved,
 * `{{NAME}}` placeholders as gaps), and its @workgroup_size is read from the source.
 */
import { INCLUDE_LINE, includeWgsl, kernelSources } from '../gpu/wgsl';

/** A template as the literal pieces between its placeholders, includes already inlined. */
interface Template {
  name: string;
  pieces: string[];
  chars: number;
}

/** Piece boundary around inlined text: whitespace at an include's edges is not compared. */
const CUT = '\u0000';

function inlineIncludes(src: string, byFile: Record<string, string>, seen = new Set<string>()): string {
  return src.replace(INCLUDE_LINE, (_, file: string) => {
    if (seen.has(file)) return CUT;
    seen.add(file);
    return CUT + inlineIncludes(byFile[file] ?? '', byFile, seen) + CUT;
  });
}

/** Templates of every file with a compute entry, own or included (pure helper files are never a pipeline). */
export function kernelTemplates(sources: Record<string, string> = kernelSources): Template[] {
  const byFile: Record<string, string> = {};
  // keyed as include lines name them: the path under kernels/ ('linear.wgsl', 'lib/gemm.wgsl')
  for (const [path, text] of Object.entries(sources)) byFile[path.includes('kernels/') ? path.slice(path.lastIndexOf('kernels/') + 8) : path.split('/').pop()!] = text;
  const out: Template[] = [];
  for (const [file, text] of Object.entries(byFile)) {
    const full = inlineIncludes(text, byFile);
    if (!full.includes('@compute')) continue;
    const pieces = full.split(/\{\{\w+\}\}|\u0000/).map((p) => p.trim()).filter((p) => p !== '');
    out.push({ name: file.replace(/\.wgsl$/, ''), pieces, chars: pieces.reduce((a, p) => a + p.length, 0) });
  }
  return out;
}

/** Whether `pieces` occur in `source` in order (the template with its gaps filled somehow). */
function matches(source: string, pieces: string[]): boolean {
  let pos = 0;
  for (const p of pieces) {
    const i = source.indexOf(p, pos);
    if (i < 0) return false;
    pos = i + p.length;
  }
  return true;
}

/** Short stable tag for a source no template explains (inline WGSL). */
function hash(s: string): string {
  let h = 5381;
  for (let i = 0; i < s.length; i++) h = ((h * 33) ^ s.charCodeAt(i)) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/**
 * The kernel file `source` was expanded from ('linear', 'hilo_window'); the entry point is added
 * when it is not `main` ('fat_gn:gn_pool'). The template explaining most of the text wins, so an
 * including kernel beats the file it includes. Unknown sources get 'wgsl#<hash>'.
 */
export function kernelName(source: string, entry = 'main', templates: Template[] = defaultTemplates()): string {
  // raw kernels reach ctx.pipeline with their //#include lines unresolved (it resolves them)
  source = includeWgsl(source);
  let best: Template | null = null;
  for (const t of templates) if ((!best || t.chars > best.chars) && matches(source, t.pieces)) best = t;
  const base = best ? best.name : `wgsl#${hash(source)}`;
  return entry === 'main' ? base : `${base}:${entry}`;
}

let cached: Template[] | null = null;
const defaultTemplates = () => (cached ??= kernelTemplates());

/**
 * Value of a constant expression of integer literals, `const` names of `source`, + - * / and
 * parentheses (what workgroup sizes are written with); null when anything else appears.
 */
export function constExpr(expr: string, source: string, depth = 0): number | null {
  if (depth > 8) return null;
  const tokens = expr.match(/\d+[ui]?|[A-Za-z_]\w*|[-+*/()]|\S/g) ?? [];
  let i = 0;
  const atom = (): number | null => {
    const t = tokens[i++];
    if (t === undefined) return null;
    if (t === '(') {
      const v = sum();
      return tokens[i++] === ')' ? v : null;
    }
    if (/^\d/.test(t)) return parseInt(t, 10);
    if (/^[A-Za-z_]/.test(t)) {
      const def = new RegExp(`\\bconst\\s+${t}\\s*(?::\\s*\\w+)?\\s*=\\s*([^;]+);`).exec(source);
      return def ? constExpr(def[1], source, depth + 1) : null;
    }
    return null;
  };
  const product = (): number | null => {
    let v = atom();
    while (v !== null && (tokens[i] === '*' || tokens[i] === '/')) {
      const op = tokens[i++];
      const r = atom();
      v = r === null ? null : op === '*' ? v * r : Math.floor(v / r);
    }
    return v;
  };
  const sum = (): number | null => {
    let v = product();
    while (v !== null && (tokens[i] === '+' || tokens[i] === '-')) {
      const op = tokens[i++];
      const r = product();
      v = r === null ? null : op === '+' ? v + r : v - r;
    }
    return v;
  };
  const v = sum();
  return i === tokens.length ? v : null;
}

/** @workgroup_size of compute entry `entry` as [x, y, z]; null when it cannot be read. */
export function workgroupSize(source: string, entry = 'main'): [number, number, number] | null {
  const re = /@workgroup_size\s*\(([^)]*)\)[^;{}]*?\bfn\s+(\w+)/g;
  for (let m = re.exec(source); m; m = re.exec(source)) {
    if (m[2] !== entry) continue;
    const dims = m[1].split(',').map((a) => a.trim()).filter(Boolean).map((a) => constExpr(a, source));
    if (dims.length === 0 || dims.some((d) => d === null)) return null;
    const [x, y = 1, z = 1] = dims as number[];
    return [x, y, z];
  }
  return null;
}
