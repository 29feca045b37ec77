/**
 * `npm run parity`: every file under $ATTN_FIXTURES (default ../shared/fixtures) is checked on
 * the CPU reference here in Node and, where it has a GPU half, on WebGPU in headless Chromium.
 * One line per file: `PASS|FAIL|SKIP <relative path> <worst relative error>`, then a summary.
 * Exit code 1 when anything failed.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { createServer } from 'vite';
import { FIXTURES_DIR } from '../vite.config';
import { checkFileCpu, needsGpu, type CheckResult } from '../src/parity/check-file';
import { launchChromium } from './browser';

const root = resolve(process.env.ATTN_FIXTURES ?? FIXTURES_DIR);
const verbose = process.argv.includes('--verbose') || process.env.PARITY_VERBOSE === '1';
const cpuOnly = process.argv.includes('--cpu-only');
const filter = process.argv.find((a) => a.startsWith('--filter='))?.slice(9);

/** Fixture files: everything except the folder's own documentation. */
function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (!/\.md$/i.test(name)) out.push(relative(root, p).split('\\').join('/'));
  }
  return out;
}

/** Lets a checker read other fixture files (e.g. checkpoints/INDEX.json); paths stay inside the root. */
async function readSibling(rel: string): Promise<Uint8Array> {
  const p = resolve(root, rel);
  if (relative(root, p).startsWith('..')) throw new Error(`${rel}: outside the fixture folder`);
  return new Uint8Array(readFileSync(p));
}

function fmt(r: CheckResult): string {
  return Number.isFinite(r.worst) ? r.worst.toExponential(2) : 'inf';
}

async function main() {
  const files = walk(root).filter((f) => !filter || f.includes(filter));
  if (!files.length) {
    console.error(`parity: no fixture files under ${root}`);
    process.exit(1);
  }
  const results = new Map<string, CheckResult>();
  const gpuFiles: string[] = [];
  for (const rel of files) {
    const bytes = new Uint8Array(readFileSync(join(root, rel)));
    const r = await checkFileCpu(rel, bytes, readSibling);
    results.set(rel, { ...r, notes: r.notes.map((n) => `cpu: ${n}`) });
    if (r.status !== 'SKIP' && !cpuOnly && needsGpu(rel, bytes)) gpuFiles.push(rel);
  }
  if (gpuFiles.length) {
    const server = await createServer({ configFile: resolve(import.meta.dirname, '../vite.config.ts'), server: { port: 0, host: '127.0.0.1', hmr: false, watch: { ignored: ['**/*'] } }, logLevel: 'error', optimizeDeps: { noDiscovery: true, include: [] } });
    process.env.ATTN_FIXTURES = root;
    await server.listen();
    const addr = server.httpServer!.address() as { port: number };
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
      await page.goto(`http://127.0.0.1:${addr.port}/tests/parity/gpu.html`);
      await page.waitForFunction(() => Boolean(window.__parity), null, { timeout: 60_000 });
      const report = await page.evaluate(() => window.__parity.ready);
      const rep = JSON.parse(report) as { vendor: string; architecture: string };
      console.log(`parity: WebGPU adapter ${rep.vendor}/${rep.architecture} in Chromium`);
      for (const rel of gpuFiles) {
        const g = await page.evaluate((p) => window.__parity.check(p), rel);
        const cpu = results.get(rel)!;
        const worst = Math.max(cpu.worst, Number(g.worst));
        const status = cpu.status === 'FAIL' || g.status === 'FAIL' ? 'FAIL' : 'PASS';
        results.set(rel, { status, worst, notes: [...cpu.notes, ...g.notes.map((n) => `gpu: ${n}`)] });
      }
    } catch (e) {
      console.error(`parity: the browser half could not run: ${(e as Error).message}`);
      for (const rel of gpuFiles) {
        const r = results.get(rel)!;
        results.set(rel, { ...r, status: 'FAIL', notes: [...r.notes, 'gpu: browser half did not run'] });
      }
    } finally {
      await browser.close();
      await server.close();
    }
  }
  let pass = 0;
  let fail = 0;
  let skip = 0;
  for (const rel of files) {
    const r = results.get(rel)!;
    if (r.status === 'PASS') pass++;
    else if (r.status === 'FAIL') fail++;
    else skip++;
    console.log(`${r.status} ${rel} ${r.status === 'SKIP' ? '-' : fmt(r)}`);
    if ((verbose || r.status === 'FAIL') && r.notes.length && r.status !== 'SKIP') for (const n of r.notes) console.log(`    ${n}`);
    else if (verbose) for (const n of r.notes) console.log(`    ${n}`);
  }
  console.log(`parity: ${pass} passed, ${fail} failed, ${skip} skipped`);
  process.exit(fail ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
