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

/** The kernel files the builders `names` of src/gpu/gemm.ts make pipelines from. */
function gemmKernels(src: string, names: string[]): string[] {
  const files = new Map([...src.matchAll(/import (\w+) from '[./]*kernels\/([A-Za-z0-9_]+\.wgsl)\?raw'/g)].map((m) => [m[1], m[2]]));
  const out: string[] = [];
  for (const name of names) {
    const start = src.indexOf(`export function ${name}(`);
    if (start < 0) continue;
    const end = src.indexOf('\nexport ', start + 1);
    for (const m of src.slice(start, end < 0 ? undefined : end).matchAll(/pipeline\((?:expandWgsl\()?(\w+)/g)) {
      const f = files.get(m[1]);
      if (f) out.push(f);
    }
  }
  return out;
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
