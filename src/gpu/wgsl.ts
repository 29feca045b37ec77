/**
 * WGSL kernels live in `kernels/*.wgsl` as templates: `{{NAME}}` placeholders are replaced by
 * compile-time constants (head size, tile sizes) because WGSL cannot size function-scope arrays
 * with override constants, and `//#include lib/file.wgsl` lines by that file of `kernels/` (WGSL has
 * no includes; code shared by several kernels — the tiled GEMM, reductions, GELU, softmax rows —
 * lives once, in `kernels/lib/`). Each distinct expansion is one cached pipeline.
 */
export function expandWgsl(template: string, defines: Record<string, number | string> = {}): string {
  return includeWgsl(template).replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    if (!(name in defines)) throw new Error(`WGSL template: no value for {{${name}}}`);
    return String(defines[name]);
  });
}

/** An include line; the path is relative to `kernels/` (e.g. `lib/gemm.wgsl`). */
export const INCLUDE_LINE = /^\/\/#include ([A-Za-z0-9_/]+\.wgsl)[ \t]*$/gm;

/**
 * A/B of shared WGSL on a GPU (bench `--wgsl-swap=lib/gemm.wgsl:lib/gemm_x.wgsl`): an include
 * resolved to another file of `kernels/`, or a whole kernel that reads its source through
 * kernelText (the GEMMs, hilo_window, gma_mix, dwconv_gelu_v4, gla_maps). Empty in the app and the tests.
 */
export const includeSwap: Record<string, string> = {};

/** A kernel's own source, or the file `includeSwap` puts in its place (the bench's A/B of whole kernels). */
export function kernelText(file: string, text: string): string {
  const to = includeSwap[file];
  if (!to) return text;
  const swapped = kernelSources[`../../kernels/${to}`];
  if (swapped === undefined) throw new Error(`WGSL swap: no kernels/${to}`);
  return swapped;
}

/** Replace `//#include lib/name.wgsl` lines by kernels/lib/name.wgsl (once each; nested includes resolved). */
export function includeWgsl(src: string, seen = new Set<string>()): string {
  return src.replace(INCLUDE_LINE, (_, file: string) => {
    if (seen.has(file)) return '';
    seen.add(file);
    const text = kernelSources[`../../kernels/${file}`];
    if (text === undefined) throw new Error(`WGSL include: no kernels/${file}`);
    return includeWgsl(kernelText(file, text), seen);
  });
}

/**
 * A kernel with the `//sg ` lines of lib/wg_reduce.wgsl turned on, for a device with the
 * `subgroups` feature: `enable subgroups;` first, and every entry point takes its
 * @builtin(subgroup_size) as sg_size and stores @builtin(subgroup_invocation_id) in the private
 * sg_lane that those lines declare. Other sources come back unchanged. GpuContext.pipeline applies it
 * while report.subgroups is on, after toHalfStorage (its prelude starts with `enable f16;`, a directive too).
 */
export function withSubgroups(src: string): string {
  if (!/^\/\/sg /m.test(src)) return src;
  const body = src
    .replace(/^\/\/sg /gm, '')
    .replace(/(@compute[^{;]*?\bfn\s+\w+\s*\()([^{]*\{)/g, '$1@builtin(subgroup_size) sg_size: u32, @builtin(subgroup_invocation_id) sg_lane_in: u32, $2\n  sg_lane = sg_lane_in;');
  return `enable subgroups;\n${body}`;
}

/** Every kernel's source (and the shared `lib/` files) by path, for the "kernel source" view. */
export const kernelSources: Record<string, string> = import.meta.glob('../../kernels/**/*.wgsl', {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

/**
 * `//#unroll` on the line before `for (var i = 0u; i < N; i++) {` repeats the loop's body N times,
 * each copy in its own block with `i` replaced by the constant (`2u`). N is an expression of numbers
 * and the module's `const X: u32 = …;` values (+ − * / and parentheses), after template expansion;
 * the body may not `break` or `continue`. The driver's compiler may leave a constant-count loop
 * rolled; a private array indexed inside it is then dynamically indexed and lives in local memory.
 * Unrolled here, every index is a constant and the arrays stay in registers (the Lo-Fi attention at
 * head size 32: 3.1× faster on an H100). The same operations run in the same order, so outputs are
 * unchanged to the bit.
 */
export function unrollWgsl(src: string): string {
  const head = /\/\/#unroll[ \t]*\n[ \t]*for \(var (\w+) = 0u; \1 < ([^;]+); \1\+\+\) \{/;
  const consts = new Map<string, string>();
  for (const [, name, expr] of src.matchAll(/\bconst (\w+): u32 = ([^;]+);/g)) consts.set(name, expr);
  for (let m = head.exec(src); m; m = head.exec(src)) {
    const open = m.index + m[0].length;
    let end = open;
    for (let depth = 1; depth > 0; end++) {
      if (end >= src.length) throw new Error('WGSL //#unroll: unbalanced braces');
      if (src[end] === '{') depth++;
      else if (src[end] === '}') depth--;
    }
    const body = src.slice(open, end - 1);
    if (/\b(break|continue)\b/.test(body)) throw new Error(`WGSL //#unroll: the loop over ${m[1]} breaks or continues`);
    const index = new RegExp(`(?<![.\\w])${m[1]}\\b`, 'g');
    const copies = Array.from({ length: constValue(m[2], consts) }, (_, k) => `{${body.replace(index, `${k}u`)}}`);
    src = src.slice(0, m.index) + copies.join('\n') + src.slice(end);
  }
  return src;
}

/** The value of a u32 constant expression (numbers, names of `consts`, + − * /, parentheses). */
function constValue(expr: string, consts: Map<string, string>): number {
  const tokens = expr.match(/\d+u?|\w+|[-+*/()]/g) ?? [];
  let at = 0;
  const fail = () => new Error(`WGSL //#unroll: '${expr}' is not a constant expression`);
  const atom = (): number => {
    const t = tokens[at++];
    if (t === '(') {
      const v = sum();
      if (tokens[at++] !== ')') throw fail();
      return v;
    }
    if (t !== undefined && /^\d/.test(t)) return parseInt(t, 10);
    if (t !== undefined && consts.has(t)) return constValue(consts.get(t)!, consts);
    throw fail();
  };
  const product = (): number => {
    let v = atom();
    while (tokens[at] === '*' || tokens[at] === '/') v = tokens[at++] === '*' ? v * atom() : Math.floor(v / atom());
    return v;
  };
  const sum = (): number => {
    let v = product();
    while (tokens[at] === '+' || tokens[at] === '-') v = tokens[at++] === '+' ? v + product() : v - product();
    return v;
  };
  const v = sum();
  if (at !== tokens.length) throw fail();
  return v;
}
