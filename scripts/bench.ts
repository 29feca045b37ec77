/**
 * `npm run bench`: the benchmark suite in headless Chromium (this machine's WebGPU) and in Node
 * (Dawn, when it finds an adapter), plus the single-file Node bundle for real GPUs.
 *   npm run bench                         # browser + node here, print tables
 *   npm run bench -- --build              # also (re)build dist-bench/bench-node.mjs
 *   npm run bench -- --append             # append the results to BENCHMARKS.md
 *   npm run bench -- --bundle-only        # only build the Node bundle
 *   options: --ops=mhsa,hilo --grids=14,28,56 --reps=20 --warmup=3 --matmul=1024
 *            --roofline=0 (skip the copy bandwidth) --copy-mb=64 --tfjs (stock-tfjs compositions)
 *            --growth=14,21,28 --growth-ops=mhsa,gla --chart=growth.svg (from the Node run when it
 *            ran, else from the browser run)
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { build, createServer } from 'vite';
import { launchChromium } from './browser';
import { reportMarkdown, type BenchReport } from '../src/bench/suite';
import { growthChartSvg } from '../src/bench/chart';

const root = resolve(import.meta.dirname, '..');
const argv = process.argv.slice(2);
const arg = (n: string, d: string) => argv.find((a) => a.startsWith(`--${n}=`))?.slice(n.length + 3) ?? d;
const flag = (n: string, d: boolean) => (argv.includes(`--${n}`) ? true : arg(n, '') === '' ? d : !/^(0|false|no|off)$/i.test(arg(n, '')));
const list = (v: string) => v.split(',').filter(Boolean);
const opts = {
  ops: list(arg('ops', 'mhsa')),
  grids: list(arg('grids', '14,28,56')).map(Number),
  reps: Number(arg('reps', '10')),
  warmup: Number(arg('warmup', '2')),
  matmulN: Number(arg('matmul', '1024')) || undefined,
  roofline: flag('roofline', true),
  // SwiftShader copies slowly: a smaller default buffer than the Node bench's 256 MiB
  copyMB: Number(arg('copy-mb', '64')),
  tfjs: flag('tfjs', false),
  growth: list(arg('growth', '')).map(Number),
  growthOps: list(arg('growth-ops', '')),
};

export async function buildNodeBundle(entry = 'bench-node'): Promise<string> {
  await build({
    root,
    configFile: false,
    publicDir: false,
    logLevel: 'warn',
    build: {
      ssr: resolve(root, `scripts/${entry}.ts`),
      outDir: resolve(root, 'dist-bench'),
      emptyOutDir: false,
      target: 'node20',
      rollupOptions: { external: ['webgpu'], output: { entryFileNames: `${entry}.mjs`, codeSplitting: false } },
    },
    ssr: { noExternal: true, external: ['webgpu'] },
  });
  return resolve(root, `dist-bench/${entry}.mjs`);
}

async function browserRun(): Promise<BenchReport> {
  const server = await createServer({ root, configFile: resolve(root, 'vite.config.ts'), server: { port: 0, host: '127.0.0.1', hmr: false, watch: { ignored: ['**/*'] } }, logLevel: 'error', optimizeDeps: { noDiscovery: true, include: [] } });
  await server.listen();
  const port = (server.httpServer!.address() as { port: number }).port;
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/tests/bench/bench.html`);
    await page.waitForFunction(() => typeof window.__bench === 'function', null, { timeout: 60_000 });
    return await page.evaluate((o) => window.__bench(o), opts);
  } finally {
    await browser.close();
    await server.close();
  }
}

async function main() {
  if (argv.includes('--bundle-only')) {
    // the bench, and the steadiness probe (scripts/steady-probe.ts)
    console.log(`built ${await buildNodeBundle()} ${await buildNodeBundle('steady-probe')}`);
    return;
  }
  const date = new Date().toISOString().slice(0, 10);
  const sections: string[] = [];
  const cmd = `npm run bench -- ${argv.join(' ')}`.trim();
  const b = await browserRun();
  sections.push(`### ${date} — browser (headless Chromium)\n\n- command: \`${cmd}\`\n${reportMarkdown(b, 'headless Chromium')}`);
  console.log(sections[0]);
  const bundle = argv.includes('--build') || !existsSync(resolve(root, 'dist-bench/bench-node.mjs')) ? await buildNodeBundle() : resolve(root, 'dist-bench/bench-node.mjs');
  const args = [
    bundle, `--ops=${opts.ops.join(',')}`, `--grids=${opts.grids.join(',')}`, `--reps=${opts.reps}`, `--warmup=${opts.warmup}`, `--matmul=${opts.matmulN ?? 0}`,
    `--roofline=${opts.roofline ? 1 : 0}`, `--copy-mb=${opts.copyMB}`, `--tfjs=${opts.tfjs ? 1 : 0}`,
    ...(opts.growth.length ? [`--growth=${opts.growth.join(',')}`] : []), ...(opts.growthOps.length ? [`--growth-ops=${opts.growthOps.join(',')}`] : []),
  ];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const json = /^BENCH_JSON (.*)$/m.exec(r.stdout ?? '');
  let chartFrom: BenchReport = b;
  if (r.status === 0 && json) {
    const n = JSON.parse(json[1]) as BenchReport;
    if (n.growth) chartFrom = n;
    sections.push(`### ${date} — Node + Dawn\n\n- command: \`${cmd}\`\n${reportMarkdown(n, 'Node + Dawn (webgpu npm)')}`);
    console.log(`\n${sections[1]}`);
  } else {
    console.log(`\nNode + Dawn: no run here (${(r.stderr ?? '').trim().split('\n').pop()}). On a GPU machine: bash .gpu-runtime/run.sh node dist-bench/bench-node.mjs`);
  }
  const chart = arg('chart', '');
  if (chart && chartFrom.growth) {
    writeFileSync(chart, growthChartSvg(chartFrom.growth, { title: `Median time against token count — ${chartFrom.adapter}` }));
    console.log(`\nwrote ${chart}`);
  }
  if (argv.includes('--append')) appendFileSync(resolve(root, 'BENCHMARKS.md'), `\n${sections.join('\n\n')}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
