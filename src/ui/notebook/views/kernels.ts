/**
 * Which WGSL files an op runs, for the kernel view. Its own files are named `<folder>_*.wgsl`
 * (gla2d lives in gla's folder). The shared ones it also uses (the tiled Linear, attn_rows, …) are
 * found by reading the op's gpu.ts for `kernels/<file>.wgsl` imports, directly, through
 * src/ops/common/*.ts or through the GEMM builders it imports from src/gpu/gemm.ts, with the
 * kernels/lib/ files those include; those sources are loaded only when a kernel view asks (a lazy
 * chunk).
 */
import { INCLUDE_LINE, kernelSources } from '../../../gpu/wgsl';

export interface KernelFile {
  file: string;
  source: string;
}

const all: KernelFile[] = Object.entries(kernelSources)
  .map(([path, source]) => ({ file: path.replace(/^.*?kernels\//, ''), source }))
  .sort((a, b) => a.file.localeCompare(b.file));

const opSources = import.meta.glob('/src/ops/*/gpu.ts', { query: '?raw', import: 'default' }) as Record<string, () => Promise<string>>;
const commonSources = import.meta.glob('/src/ops/common/*.ts', { query: '?raw', import: 'default' }) as Record<string, () => Promise<string>>;
const gemmSource = import.meta.glob('/src/gpu/gemm.ts', { query: '?raw', import: 'default' }) as Record<string, () => Promise<string>>;

/** The op's folder under src/ops (gla2d → gla). */
function folderOf(opName: string): string {
  if (opSources[`/src/ops/${opName}/gpu.ts`]) return opName;
  return opName.replace(/\d*d$/, '');
}

export function kernelsOfOp(opName: string): KernelFile[] {
  const p = `${folderOf(opName)}_`;
  return all.filter((k) => k.file.startsWith(p));
}

const KERNEL_IMPORT = /kernels\/([A-Za-z0-9_]+\.wgsl)\?raw/g;
const COMMON_IMPORT = /from '\.\.\/common\/([A-Za-z0-9_-]+)'/g;
const GEMM_IMPORT = /import \{([^}]*)\} from '\.\.\/\.\.\/gpu\/gemm'/;

/**
 * The kernel files the builders `names` of src/gpu/gemm.ts make pipelines from: every imported
 * kernel a builder's body names, following the other functions of gemm.ts it calls (linearDispatch
 * hands off to the 64×64 or the 128-row kernel).
 */
function gemmKernels(src: string, names: string[]): string[] {
  const files = new Map([...src.matchAll(/import (\w+) from '[./]*kernels\/([A-Za-z0-9_]+\.wgsl)\?raw'/g)].map((m) => [m[1], m[2]]));
  // each function's text up to the next one, comments left out (they name other builders)
  const code = src.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
  const starts = [...code.matchAll(/^(?:export )?function (\w+)\(/gm)];
  const bodies = new Map(starts.map((m, i) => [m[1], code.slice(m.index, starts[i + 1]?.index)]));
  const out = new Set<string>();
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const [id] of (bodies.get(name) ?? '').matchAll(/\b\w+\b/g)) {
      const f = files.get(id);
      if (f) out.add(f);
      else if (bodies.has(id)) visit(id);
    }
  };
  names.forEach(visit);
  return [...out];
}

/** Kernels without the op's prefix that its gpu.ts imports (directly or via ops/common). */
export async function sharedKernelsOfOp(opName: string): Promise<KernelFile[]> {
  const load = opSources[`/src/ops/${folderOf(opName)}/gpu.ts`];
  if (!load) return [];
  const names = new Set<string>();
  const scan = (src: string) => {
    for (const m of src.matchAll(KERNEL_IMPORT)) names.add(m[1]);
  };
  const src = await load();
  scan(src);
  for (const m of src.matchAll(COMMON_IMPORT)) {
    const c = commonSources[`/src/ops/common/${m[1]}.ts`];
    if (c) scan(await c());
  }
  const gemm = GEMM_IMPORT.exec(src);
  const loadGemm = gemmSource['/src/gpu/gemm.ts'];
  if (gemm && loadGemm) for (const f of gemmKernels(await loadGemm(), gemm[1].split(',').map((n) => n.trim()))) names.add(f);
  const own = `${folderOf(opName)}_`;
  // and the kernels/lib/ files its kernels include (the tiled GEMM, softmax rows, …)
  for (const k of all) {
    if (names.has(k.file) || k.file.startsWith(own)) for (const m of k.source.matchAll(INCLUDE_LINE)) names.add(m[1]);
  }
  return all.filter((k) => names.has(k.file) && !k.file.startsWith(own));
}

export function kernelByFile(file: string): KernelFile | undefined {
  const f = file.endsWith('.wgsl') ? file : `${file}.wgsl`;
  return all.find((k) => k.file === f);
}

export const kernelFileNames = () => all.map((k) => k.file);
