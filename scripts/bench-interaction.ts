/**
 * Slider → map latency in the browser (issue 8): the built app in headless Chromium. For each op ×
 * grid a one-view notebook (the op's attention view and the param of one knob it really has, see
 * INTERACTION_KNOBS) is opened through the toolbar's file input; the knob is moved by keyboard
 * (arrow keys on the slider, Space on GMA's segment toggle), alternating between two values, and
 * after each press the script waits for the app's own `performance.measure('slider→map')`
 * (src/ui/interaction-timing.ts: from the input event to the frame that shows the new map).
 * The page's WebGPU calls (submit, onSubmittedWorkDone, mapAsync) are wrapped by an init script so
 * each change splits into phases: prep → GPU wait → read-back → render → draw → present.
 *
 *   npx vite-node scripts/bench-interaction.ts [--no-build] [--reps=10] [--warmup=2]
 *       [--ops=mhsa,hilo,gla,vicinity,fasa,gma] [--grids=14,56] [--json]
 *
 * Prints Markdown (op × grid: p50, p95, n, target, met?; the phase breakdown; why each missed
 * target was missed), or with --json one JSON object. On a CPU machine WebGPU is SwiftShader:
 * the path works end to end but the times are not GPU times (use small --reps).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { build, preview } from 'vite';
import type { Page } from 'playwright-core';
import { launchChromium } from './browser';
import { root } from './e2e-harness';
import {
  INTERACTION_KNOBS,
  INTERACTION_OPS,
  INTERACTION_TARGETS_MS,
  browserPhases,
  explainMiss,
  interactionNotebook,
  percentile,
  type BrowserPhases,
  type GpuTraceEvent,
} from '../src/bench/interaction';
import { SLIDER_TO_MAP, type MapTimingDetail } from '../src/ui/interaction-timing';

const argv = process.argv.slice(2);
const arg = (n: string, d: string) => argv.find((a) => a.startsWith(`--${n}=`))?.slice(n.length + 3) ?? d;
const opts = {
  ops: arg('ops', INTERACTION_OPS.join(',')).split(',').filter(Boolean),
  grids: arg('grids', '14,56').split(',').map(Number),
  reps: Math.max(1, Number(arg('reps', '10'))),
  warmup: Math.max(0, Number(arg('warmup', '2'))),
  json: argv.includes('--json'),
};
// its own build folder, so a parallel e2e run's dist/ is not disturbed
const outDir = resolve(root, 'node_modules/.bench-interaction-dist');
const ATTN = '[data-testid=nb-attention]';
const log = (l: string) => console.error(l);

/** Runs in the page before the app: records the WebGPU calls a change waits on. */
function gpuTraceHook() {
  const w = window as unknown as { __gpuTrace: GpuTraceEvent[] };
  w.__gpuTrace = [];
  if (typeof GPUQueue === 'undefined' || typeof GPUBuffer === 'undefined') return;
  const q = GPUQueue.prototype;
  const submit = q.submit;
  q.submit = function (this: GPUQueue, ...a: Parameters<GPUQueue['submit']>) {
    w.__gpuTrace.push({ k: 'submit', t0: performance.now() });
    return submit.apply(this, a);
  };
  const done = q.onSubmittedWorkDone;
  q.onSubmittedWorkDone = function (this: GPUQueue) {
    const t0 = performance.now();
    return done.call(this).then((v) => {
      w.__gpuTrace.push({ k: 'done', t0, t1: performance.now() });
      return v;
    });
  };
  const map = GPUBuffer.prototype.mapAsync;
  GPUBuffer.prototype.mapAsync = function (this: GPUBuffer, ...a: Parameters<GPUBuffer['mapAsync']>) {
    const t0 = performance.now();
    const size = this.size;
    return map.apply(this, a).then((v) => {
      w.__gpuTrace.push({ k: 'map', t0, t1: performance.now(), size });
      return v;
    });
  };
}

/** "1.23 ms", "456 µs", "1234 ms" → ms. */
function parseMs(s: string): number {
  const m = /([\d.]+)\s*(µs|ms|s)\b/.exec(s);
  if (!m) return NaN;
  return Number(m[1]) * (m[2] === 'µs' ? 1e-3 : m[2] === 's' ? 1e3 : 1);
}

interface Sample {
  detail: MapTimingDetail;
  phases: BrowserPhases;
  /** the view's own reported op time after this change */
  opMs: number;
}

interface Row {
  op: string;
  grid: number;
  knob: string;
  n: number;
  p50Ms: number;
  p95Ms: number;
  targetMs: number | null;
  met: boolean | null;
  /** medians of the phases */
  phases: BrowserPhases;
  opMs: number;
  /** median of (total − GPU wait − read-back): the part a faster GPU does not shorten */
  restMs: number;
  /** measures whose detail named another op or grid (should be 0) */
  mismatched: number;
  error?: string;
}

async function measureOne(page: Page, op: string, grid: number): Promise<Row> {
  const knob = INTERACTION_KNOBS[op as keyof typeof INTERACTION_KNOBS];
  const row: Row = { op, grid, knob: knob.label, n: 0, p50Ms: NaN, p95Ms: NaN, targetMs: INTERACTION_TARGETS_MS[grid] ?? null, met: null, phases: {} as BrowserPhases, opMs: NaN, restMs: NaN, mismatched: 0 };
  await page.setInputFiles('[data-testid=notebook-file-input]', { name: `bench-${op}-${grid}.md`, mimeType: 'text/markdown', buffer: Buffer.from(interactionNotebook(op, grid)) });
  await page.waitForFunction((n) => location.hash.startsWith(`#nb=${n}`), `bench-${op}-${grid}`, { timeout: 30_000 });
  // the first map (pipelines compiled, seeded weights made) before any change
  await page.waitForSelector(`${ATTN}:not([data-panels="0"])`, { timeout: 600_000 });
  const control = knob.input === 'slider' ? page.locator(`[data-param-cell=${knob.key}] [role=slider]`) : page.locator(`[data-param-cell=${knob.key}] input[type=checkbox]`);
  await control.focus();
  const keys = knob.input === 'toggle' ? ['Space', 'Space'] : (knob.values[1] as number) > (knob.values[0] as number) ? ['ArrowRight', 'ArrowLeft'] : ['ArrowLeft', 'ArrowRight'];
  const state = () => (knob.input === 'slider' ? control.getAttribute('aria-valuenow') : control.isChecked().then(String));
  const samples: Sample[] = [];
  for (let i = 0; i < opts.warmup + opts.reps; i++) {
    const count = await page.evaluate((name) => {
      (window as unknown as { __gpuTrace: unknown[] }).__gpuTrace = [];
      return performance.getEntriesByName(name, 'measure').length;
    }, SLIDER_TO_MAP);
    const before = await state();
    await control.press(keys[i % 2]);
    const after = await state();
    if (after === before) throw new Error(`${keys[i % 2]} did not change ${knob.key} (still ${before})`);
    await page.waitForFunction(([name, n]) => performance.getEntriesByName(name as string, 'measure').length > (n as number), [SLIDER_TO_MAP, count] as const, { timeout: 600_000 });
    const got = await page.evaluate((name) => {
      const all = performance.getEntriesByName(name, 'measure') as PerformanceMeasure[];
      const m = all[all.length - 1];
      return { startTime: m.startTime, duration: m.duration, detail: m.detail as MapTimingDetail, trace: (window as unknown as { __gpuTrace: GpuTraceEvent[] }).__gpuTrace };
    }, SLIDER_TO_MAP);
    // the view's stats line updates in the same commit as the map
    const opMs = parseMs((await page.locator(`${ATTN} .stats strong`).nth(2).textContent()) ?? '');
    if (i < opts.warmup) continue;
    if (got.detail.op !== op || got.detail.grid !== grid) row.mismatched++;
    samples.push({ detail: got.detail, phases: browserPhases({ startTime: got.startTime, duration: got.duration, commitMs: got.detail.commitMs, drawnMs: got.detail.drawnMs }, got.trace), opMs });
    log(`  ${op} ${grid}×${grid} #${samples.length}: ${got.duration.toFixed(1)} ms (${knob.key} ${before} → ${after})`);
  }
  const totals = samples.map((s) => s.detail.shownMs);
  row.n = samples.length;
  row.p50Ms = percentile(totals, 0.5);
  row.p95Ms = percentile(totals, 0.95);
  row.met = row.targetMs === null ? null : row.p95Ms <= row.targetMs;
  const keysOf = Object.keys(samples[0].phases) as Array<keyof BrowserPhases>;
  for (const k of keysOf) row.phases[k] = percentile(samples.map((s) => s.phases[k]), 0.5);
  row.opMs = percentile(samples.map((s) => s.opMs), 0.5);
  row.restMs = percentile(samples.map((s) => s.phases.total - (s.phases.gpu || 0) - (s.phases.readback || 0)), 0.5);
  return row;
}

const f = (x: number) => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x.toFixed(2)) : '–');

function markdown(rows: Row[], device: string, software: boolean, cmd: string): string {
  const date = new Date().toISOString().slice(0, 10);
  const out = [
    `### ${date} — slider → map in the browser (headless Chromium)`,
    '',
    `- command: \`${cmd}\``,
    `- device: ${device}${software ? ' — a software adapter: the path is exercised end to end, but GPU phases are CPU emulation, not GPU times' : ''}`,
    `- ${opts.warmup} warm-up changes, then ${opts.reps} measured per row; each from the key press (input event) to the frame that presents the new map`,
    '',
    '| op | grid | knob | n | p50 ms | p95 ms | target p95 | met? |',
    '|---|---|---|---:|---:|---:|---:|---|',
    ...rows.map((r) => `| ${r.op} | ${r.grid}×${r.grid} | ${r.knob} | ${r.n} | ${f(r.p50Ms)} | ${f(r.p95Ms)} | ${r.targetMs === null ? '–' : `${r.targetMs} ms`} | ${r.error ? `failed: ${r.error}` : r.met === null ? '–' : r.met ? 'yes' : `no (+${f(r.p95Ms - r.targetMs!)} ms)`} |`),
    '',
    'Where the median change goes, ms: prep = key press → first GPU submit (React re-render, the view\'s effect, uploads, encoding); GPU wait = waiting on the op\'s passes, all runs; read-back = waiting on buffer maps; other JS = between runs; render = last GPU wait → the new map committed; draw = canvases; present = until the frame is shown.',
    '',
    '| op | grid | op runs | prep | GPU wait | read-back | other JS | render | draw | present | all but GPU + read-back | op time (view) |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.filter((r) => !r.error).map((r) => {
      const p = r.phases;
      return `| ${r.op} | ${r.grid}×${r.grid} | ${p.runs} | ${f(p.prep)} | ${f(p.gpu)} | ${f(p.readback)} | ${f(p.js)} | ${f(p.render)} | ${f(p.draw)} | ${f(p.present)} | ${f(r.restMs)} | ${f(r.opMs)} |`;
    }),
  ];
  const missed = rows.filter((r) => r.met === false);
  if (missed.length) {
    out.push('', 'Missed targets:', '');
    for (const r of missed) {
      const p = r.phases;
      const why = explainMiss({
        targetMs: r.targetMs!, p50Ms: r.p50Ms, p95Ms: r.p95Ms, runs: p.runs, restMs: r.restMs,
        phases: [['GPU wait', p.gpu], ['read-back', p.readback], ['prep', p.prep], ['other JS', p.js], ['render', p.render], ['draw', p.draw], ['present', p.present]],
      });
      out.push(`- ${r.op} ${r.grid}×${r.grid}: ${why}`);
    }
  }
  const mism = rows.reduce((a, r) => a + r.mismatched, 0);
  if (mism) out.push('', `Warning: ${mism} measures named another op or grid than the view moved.`);
  return out.join('\n');
}

async function main() {
  if (!argv.includes('--no-build') || !existsSync(resolve(outDir, 'index.html'))) await build({ root, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  const server = await preview({ root, build: { outDir }, preview: { port: 0, host: '127.0.0.1' }, logLevel: 'warn' });
  const url = server.resolvedUrls!.local[0];
  const browser = await launchChromium();
  const rows: Row[] = [];
  let device = 'unknown';
  let software = false;
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.addInitScript(gpuTraceHook);
    // a light shipped notebook, for its toolbar's file input
    await page.goto(`${url}#nb=flops-vs-latency`);
    await page.waitForSelector('[data-testid=gpu-status]', { timeout: 60_000 });
    const badge = page.locator('[data-testid=gpu-status]');
    const flags = (await badge.locator('.flag').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
    device = `${(await badge.locator('[data-testid=gpu-name]').textContent()) ?? 'no WebGPU'} (${flags.join(', ')}); Chromium ${browser.version()}`;
    software = (await badge.locator('.warn').count()) > 0;
    await page.waitForSelector('[data-testid=notebook-file-input]', { state: 'attached', timeout: 60_000 });
    for (const op of opts.ops) {
      if (!(op in INTERACTION_KNOBS)) throw new Error(`unknown op ${op} (ops: ${INTERACTION_OPS.join(', ')})`);
      for (const g of opts.grids) {
        log(`${op} ${g}×${g}…`);
        try {
          rows.push(await measureOne(page, op, g));
        } catch (e) {
          const k = INTERACTION_KNOBS[op as keyof typeof INTERACTION_KNOBS];
          rows.push({ op, grid: g, knob: k.label, n: 0, p50Ms: NaN, p95Ms: NaN, targetMs: INTERACTION_TARGETS_MS[g] ?? null, met: null, phases: {} as BrowserPhases, opMs: NaN, restMs: NaN, mismatched: 0, error: (e as Error).message.split('\n')[0] });
        }
      }
    }
    if (errors.length) log(`page errors: ${errors.join(' | ')}`);
  } finally {
    await browser.close();
    await new Promise<void>((r) => server.httpServer.close(() => r()));
  }
  const cmd = `npx vite-node scripts/bench-interaction.ts ${argv.join(' ')}`.trim();
  if (opts.json) console.log(JSON.stringify({ device, software, warmup: opts.warmup, reps: opts.reps, rows }));
  else console.log(markdown(rows, device, software, cmd));
  process.exit(rows.some((r) => r.error) ? 1 : 0);
}

main().catch((e) => {
  console.error(`bench-interaction: ${(e as Error).message}`);
  process.exit(1);
});
