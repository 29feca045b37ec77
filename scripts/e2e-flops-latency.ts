/**
 * End-to-end test of the FLOPs-vs-latency notebook (#nb=flops-vs-latency) in the built app: it is
 * on the index; the MACs table has all six ops at 14…56; the latency view waits for Run, then
 * measures one positive time per op × grid with its GFLOP/s, the crossover list against softmax
 * and the GFLOP/s chart and readings. On SwiftShader (a CPU) timing all six ops up to 56×56 takes
 * many minutes, so the link caps the timed grids (`largest=28` by default, ~1 minute of timing
 * there; `--largest=56` on a real GPU). `--no-build` reuses the build. Prints `e2e-flops-latency: N passed, N failed`;
 * screenshots in artifacts/.
 */
import { resolve } from 'node:path';
import { art, createReport, root, openPage, startBuiltApp } from './e2e-harness';
import { MECHANISMS } from '../src/ops/registry';

const report = createReport('e2e-flops-latency');
const check = report.check;
const argv = process.argv.slice(2);
const largest = Number(argv.find((a) => a.startsWith('--largest='))?.slice(10) ?? '28');
const outDir = resolve(root, 'dist');
const LAT = '[data-testid=nb-latency]';
const OPS = MECHANISMS;
const GRIDS = [14, 28, 42, 56].filter((g) => g <= largest);

async function main() {
  const app = await startBuiltApp({ outDir });
  const { url } = app;
  try {
    const { page, errors } = await openPage(app.browser, { viewport: { width: 1280, height: 1000 } });

    // --- on the index
    await page.goto(url);
    const link = await page.waitForSelector('[data-notebook="flops-vs-latency"]', { timeout: 60_000 });
    check('the index lists the notebook', ((await link.textContent()) ?? '').includes('FLOPs versus measured latency'));

    // --- MACs at once; the latency view waits for Run
    await page.goto(`${url}#nb=flops-vs-latency&largest=${largest}`);
    await page.waitForSelector('[data-testid=nb-flops] tbody tr', { timeout: 60_000 });
    const heads = await page.$$eval('[data-testid=nb-flops] thead th', (ths) => ths.map((t) => t.textContent ?? ''));
    check('the MACs table has the six ops', OPS.every((o) => heads.includes(`${o} MACs`)), heads.join(' | '));
    const flopsRows = await page.$$eval('[data-testid=nb-flops] tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    check('… at 14, 28, 42 and 56', flopsRows.map((r) => r[0]).join(',') === '14×14,28×28,42×42,56×56');
    check('… every count a positive number', flopsRows.every((r) => r.slice(2).every((c) => Number(c.replace(/,/g, '')) > 0)));
    check('the latency view waits for Run', ((await page.textContent(LAT)) ?? '').includes('Not measured yet'));
    const plan = (await page.textContent(`${LAT} .row .muted`)) ?? '';
    check(`the link caps the timed grids at ${largest}×${largest}`, plan.includes(GRIDS.map((g) => `${g}×${g}`).join(', ')) && (largest >= 56 || plan.includes('above upTo')), plan);

    // --- Run: one positive time per op × grid
    const t0 = Date.now();
    await page.click(`${LAT} [data-testid=latency-run]`);
    const total = OPS.length * GRIDS.length;
    await page.waitForSelector(`${LAT}[data-points="${total}"]`, { timeout: 590_000 });
    await page.waitForSelector(`${LAT} [role=status]`, { state: 'detached', timeout: 60_000 });
    const secs = ((Date.now() - t0) / 1000).toFixed(0);
    const rows = await page.$$eval(`${LAT} tbody tr`, (trs) =>
      trs.map((tr) => {
        const td = [...tr.querySelectorAll('td')];
        return { op: td[0]?.textContent ?? '', grid: td[1]?.textContent ?? '', time: td[4]?.textContent ?? '', gflops: Number(td[5]?.getAttribute('data-gflops')) };
      }),
    );
    const key = (r: { op: string; grid: string }) => `${r.op}@${r.grid}`;
    const want = OPS.flatMap((o) => GRIDS.map((g) => `${o}@${g}×${g}`));
    check(`one row per op × grid (${total})`, rows.length === total && want.every((k) => rows.filter((r) => key(r) === k).length === 1), `${rows.length} rows in ${secs} s`);
    const ms = (s: string) => {
      const m = /([\d.]+)\s*(µs|ms)/.exec(s);
      return m ? Number(m[1]) * (m[2] === 'µs' ? 1e-3 : 1) : NaN;
    };
    const bad = rows.filter((r) => !(ms(r.time) > 0));
    check('every time is a positive number', bad.length === 0, bad.length ? bad.map((r) => `${key(r)}: ${r.time}`).join('; ') : rows.map((r) => `${r.op} ${r.time}`).join(', '));
    check('every row has its achieved GFLOP/s', rows.every((r) => r.gflops > 0));
    const cross = await page.$$eval(`${LAT} [data-testid=latency-crossovers] li`, (lis) => lis.map((l) => [l.getAttribute('data-op') ?? '', l.textContent ?? '']));
    check('the crossover list names the five other ops against mhsa', cross.length === 5 && cross.every(([, t]) => /mhsa/.test(t)) && cross.map(([o]) => o).join(',') === OPS.slice(1).join(','), cross.map(([, t]) => t).join(' | '));
    const readings = await page.$$eval(`${LAT} [data-testid=latency-throughput] li`, (lis) => lis.map((l) => l.textContent ?? ''));
    check('a GFLOP/s reading per op', readings.length === 6 && readings.every((t) => /GFLOP\/s at 14×14/.test(t)), readings[0]);
    check('two charts: time and GFLOP/s, a line per op', (await page.locator(`${LAT} svg.chart`).count()) === 2 && (await page.locator(`${LAT} svg.chart circle`).count()) === 2 * total);
    check('the view says how it timed', /median of 5 runs after a warm-up/.test((await page.textContent(LAT)) ?? ''));

    await page.locator(LAT).scrollIntoViewIfNeeded();
    await page.locator(LAT).screenshot({ path: resolve(art, 'e2e-flops-latency.png') });
    await page.screenshot({ path: resolve(art, 'e2e-flops-latency-page.png'), fullPage: true });
    check('no uncaught page errors', errors.length === 0, errors.join(' | '));
  } finally {
    await app.close();
  }
  report.finish();
}

main().catch((e) => report.crash(e));
