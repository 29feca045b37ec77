/**
 * End-to-end test of `sweep: alpha` in the built app: the HiLo notebook (#nb=hilo-alpha) shows the
 * MACs-versus-alpha table (7 settings; Lo-Fi MACs grow and Hi-Fi MACs shrink with alpha) with its
 * chart, a row of 7 head-mean maps along alpha, and a latency sweep that waits for Run, measures
 * per setting and can be cancelled (only its first setting is timed here: at 56×56 one setting
 * takes ~25 s on SwiftShader). `--no-build` reuses dist/ when it exists. Prints
 * `e2e-sweep: N passed, N failed`; screenshots in artifacts/.
 */
import { resolve } from 'node:path';
import { art, createReport, openPage, startBuiltApp } from './e2e-harness';

const report = createReport('e2e-sweep');
const check = report.check;
const MACS = '[data-testid=nb-sweep-flops]';
const MAPS = '[data-testid=nb-sweep-maps]';
const TIME = '[data-testid=nb-sweep-latency]';

const increasing = (xs: number[]) => xs.every((x, i) => i === 0 || x > xs[i - 1]);
const decreasing = (xs: number[]) => xs.every((x, i) => i === 0 || x < xs[i - 1]);

async function main() {
  const app = await startBuiltApp();
  const { url } = app;
  try {
    const { page, errors } = await openPage(app.browser, { viewport: { width: 1280, height: 1000 } });
    await page.goto(`${url}#nb=hilo-alpha`);

    // --- MACs per branch versus alpha
    await page.waitForSelector(`${MACS} tbody tr`, { timeout: 60_000 });
    const rows = await page.$$eval(`${MACS} tbody tr`, (trs) =>
      trs.map((tr) => {
        const m = (b: string) => Number(tr.querySelector(`[data-branch="${b}"]`)?.getAttribute('data-macs'));
        return { alpha: Number(tr.getAttribute('data-value')), hifi: m('Hi-Fi'), lofi: m('Lo-Fi'), total: m('total') };
      }),
    );
    check('the MACs-versus-alpha table has 7 rows', rows.length === 7, rows.map((r) => r.alpha).join(', '));
    check('alpha runs 0 … 1 down the table', rows.map((r) => r.alpha).join(',') === '0,0.2,0.4,0.5,0.7,0.9,1');
    check('Lo-Fi MACs grow with alpha', increasing(rows.map((r) => r.lofi)), rows.map((r) => r.lofi).join(' < '));
    check('Hi-Fi MACs shrink with alpha', decreasing(rows.map((r) => r.hifi)), rows.map((r) => r.hifi).join(' > '));
    check('Hi-Fi + Lo-Fi = total in every row', rows.every((r) => r.hifi + r.lofi === r.total));
    check('alpha 0.5 gives the README\'s 83,467,776', rows.find((r) => r.alpha === 0.5)?.total === 83_467_776);
    check('the chart draws 3 lines of 7 points', (await page.locator(`${MACS} svg.chart circle`).count()) === 21 && (await page.locator(`${MACS} svg.chart path[stroke-width="2"]`).count()) === 3);
    check('the chart has an export menu', (await page.locator(`${MACS} .export-menu`).count()) === 1);

    // --- the maps along alpha
    await page.waitForSelector(`${MAPS}[data-maps="7"]`, { timeout: 180_000 }).catch(() => undefined);
    const nMaps = Number(await page.getAttribute(MAPS, 'data-maps'));
    check('the maps row has 7 maps', nMaps === 7 && (await page.locator(`${MAPS} canvas`).count()) === 7, `${nMaps} maps`);
    const titles = await page.$$eval(`${MAPS} .map-figure`, (fs) => fs.map((f) => f.textContent ?? ''));
    check('each map names its alpha and head split', /alpha = 0\b.*12 Hi-Fi, 0 Lo-Fi/.test(titles[0] ?? '') && /alpha = 1\b.*0 Hi-Fi, 12 Lo-Fi/.test(titles[6] ?? ''), `${titles[0]?.slice(0, 40)} … ${titles[6]?.slice(0, 40)}`);
    await page.locator(MAPS).scrollIntoViewIfNeeded();
    await page.locator(MAPS).screenshot({ path: resolve(art, 'e2e-sweep-maps.png') });
    await page.locator(MACS).screenshot({ path: resolve(art, 'e2e-sweep-macs.png') });

    // --- time per alpha: waits for Run, measures, can be cancelled
    check('the time sweep waits for Run', ((await page.textContent(TIME)) ?? '').includes('Not measured yet'));
    const t0 = Date.now();
    await page.click(`${TIME} [data-testid=sweep-run]`);
    await page.waitForSelector(`${TIME} tbody tr`, { timeout: 240_000 });
    const perSetting = Date.now() - t0;
    const first = (await page.textContent(`${TIME} tbody tr`)) ?? '';
    check('Run measures the first setting', /^0/.test(first.trim()) && /\d\s?(ms|µs|s)/.test(first), first.replace(/\s+/g, ' '));
    const cancel = page.locator(`${TIME} [data-testid=sweep-cancel]`);
    if ((await cancel.count()) === 1) {
      await cancel.click();
      const n = Number(await page.getAttribute(TIME, 'data-points'));
      // long enough for another setting to have arrived had the sweep gone on
      await page.waitForTimeout(Math.min(60_000, 1.3 * perSetting + 500));
      const n2 = Number(await page.getAttribute(TIME, 'data-points'));
      check('Cancel stops the sweep', n2 === n && n < 7 && (await page.locator(`${TIME} [role=status]`).count()) === 0, `${n} → ${n2} settings`);
      check('the view says it was cancelled', /Cancelled after \d of 7/.test((await page.textContent(TIME)) ?? ''));
    } else check('Cancel stops the sweep (the sweep finished first)', Number(await page.getAttribute(TIME, 'data-points')) === 7);
    check('the measured row has a chart against alpha', (await page.locator(`${TIME} svg.chart`).count()) === 1);
    await page.locator(TIME).screenshot({ path: resolve(art, 'e2e-sweep-time.png') });
    await page.screenshot({ path: resolve(art, 'e2e-sweep.png'), fullPage: true });
    check('no uncaught page errors', errors.length === 0, errors.join(' | '));
  } finally {
    await app.close();
  }
  report.finish();
}

main().catch((e) => report.crash(e));
