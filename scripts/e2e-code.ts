/**
 * End-to-end test of code cells on the BUILT app (vite build + vite preview, headless Chromium with
 * WebGPU): the code worker is served with its own CSP (eval allowed there, no network) while the
 * page's policy has no 'unsafe-eval'; the shipped attention-distance notebook runs its code cells
 * and draws a bar chart per mechanism; editing a code cell changes its chart and re-runs only that
 * cell; a param change re-runs exactly its dependents; a hostile notebook reached through a link
 * runs nothing until the user agrees, then its runaway loop is stopped with a message while the
 * page stays responsive, its thrown error shows its line; trust is remembered by content hash.
 * Screenshots in artifacts/. Prints `e2e-code: N passed, N failed`.
 */
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { art, createReport, root, openPage, startBuiltApp } from './e2e-harness';

// --no-build: test the dist/ that an earlier suite built (npm test); else a build of its own
const reuse = process.argv.includes('--no-build');
const outDir = resolve(root, reuse ? 'dist' : 'node_modules/.e2e-code-dist');
const report = createReport('e2e-code');
const check = report.check;

const code = (name: string) => `[data-testid=code-cell][data-name=${name}]`;
const runsOf = async (page: Page, name: string) => Number(await page.getAttribute(code(name), 'data-runs'));
const waitRuns = (page: Page, name: string, atLeast: number, timeout = 300_000) =>
  page.waitForFunction(
    ([sel, n]) => {
      const el = document.querySelector(sel as string);
      return !!el && Number(el.getAttribute('data-runs')) >= (n as number) && el.getAttribute('data-state') !== 'running';
    },
    [code(name), atLeast],
    { timeout },
  );

const HOSTILE = `---
title: Hostile code
---

# A notebook with code

\`\`\`js pwn
text('PWNED-' + typeof document)
\`\`\`

\`\`\`js loop
let i = 0
while (true) { i++ }
\`\`\`

\`\`\`js boom
const a = 1

throw new Error('boom ' + a)
\`\`\`
`;

async function main() {
  const app = await startBuiltApp({ build: !reuse, outDir });
  const { url } = app;
  try {
    const { context, watch, page, errors } = await openPage(app.browser, { viewport: { width: 1280, height: 1000 } });
    const workerUrls: string[] = [];
    page.on('worker', (w) => workerUrls.push(w.url()));

    // --- the policies: page without eval, the code worker with eval and no network
    await page.goto(url);
    const meta = (await page.getAttribute('meta[http-equiv=Content-Security-Policy]', 'content')) ?? '';
    check("the page's CSP allows no eval", meta.includes("script-src 'self' 'wasm-unsafe-eval'") && !meta.includes("'unsafe-eval'"), meta.slice(0, 60));

    // --- the shipped notebook runs its code cells
    const t0 = Date.now();
    // a link with a param value: the 7×7 grid keeps SwiftShader quick (14×14 is the notebook's default)
    await page.goto(`${url}#nb=attention-distance&grid=7`);
    await page.waitForSelector(code('distances'), { timeout: 60_000 });
    check('a shipped notebook runs without asking', (await page.locator('[data-testid=code-consent]').count()) === 0);
    await waitRuns(page, 'charts', 1);
    const bars = page.locator(`${code('charts')} svg[data-figure=bar]`);
    check('a bar chart per mechanism', (await bars.count()) === 6, String(await bars.count()));
    const distErr = await page.locator(`${code('distances')} [data-testid=code-error]`).textContent().catch(() => null);
    check('the distances cell ran without error', (await page.getAttribute(code('distances'), 'data-state')) === 'done', distErr ?? '');
    const logs = (await page.textContent(`${code('distances')} [data-testid=code-logs]`)) ?? '';
    check('its console lines name all six mechanisms', ['mhsa', 'hilo', 'gla', 'vicinity', 'fasa', 'gma'].every((o) => logs.includes(`${o}:`)), logs.replace(/\n/g, ' | '));
    await waitRuns(page, 'summary', 1);
    check('the summary table has six rows', (await page.locator(`${code('summary')} table tbody tr`).count()) === 6);
    const backboneText = (await page.textContent(code('backbone'))) ?? '';
    check('without a backbone the last cell says how to load one', backboneText.includes('No backbone is loaded'));
    console.log(`  (notebook ran in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    const worker = workerUrls.find((u) => /code-worker-[\w-]+\.js$/.test(u));
    check('the code runs in a worker of its own', !!worker, workerUrls.join(', '));
    if (worker) {
      const res = await fetch(worker);
      const csp = res.headers.get('content-security-policy') ?? '';
      check("the worker's own CSP allows eval and no connections", csp === "default-src 'none'; script-src 'self' 'unsafe-eval'", csp);
    }
    await page.locator(code('charts')).scrollIntoViewIfNeeded();
    await page.screenshot({ path: resolve(art, 'e2e-code-attention-distance.png'), fullPage: true });

    // --- edit the charts cell: its charts change, only it re-runs
    const before = { distances: await runsOf(page, 'distances'), charts: await runsOf(page, 'charts'), summary: await runsOf(page, 'summary') };
    // the first bar's value, from its tooltip ("mhsa · head 1: 116.6")
    const firstBar = async () => Number(((await bars.first().locator('rect title').first().textContent()) ?? '').split(': ').pop());
    const h0 = await firstBar();
    const cell = page.locator('[data-cell-id=code-charts]');
    // selected (focus), not hovered: the click scrolls the page, and a hover may not survive it
    await cell.focus();
    await cell.locator('[data-action=edit]').click();
    const editor = cell.locator('[data-testid=cell-editor]');
    const src = await editor.inputValue();
    await editor.fill(src.replace('mean attention distance per head', 'distance in patches').replace("'pixels (224-px input)'", "'patches'").replace('values: d.distance,', 'values: d.distance.map((x) => x / (224 / $grid)),'));
    await cell.locator('[data-action=done]').click();
    await waitRuns(page, 'charts', before.charts + 1, 60_000);
    const title = (await bars.first().getAttribute('aria-label')) ?? '';
    check('editing a code cell changes its chart', title === 'mhsa: distance in patches', title);
    const h1 = await firstBar();
    const yLabel = await bars.first().locator('.axis-label').last().textContent();
    check('the chart is redrawn with the new values', (await bars.count()) === 6 && Math.abs(h1 - h0 / 32) < 0.01 && yLabel === 'patches', `${h0} px → ${h1} ${yLabel}`);
    check('only the edited cell re-ran', (await runsOf(page, 'distances')) === before.distances && (await runsOf(page, 'summary')) === before.summary);
    check('the edited cell now reads $grid as well', (await page.locator('[data-cell-id=code-charts] .code-source').textContent())!.includes('$grid'));
    await cell.scrollIntoViewIfNeeded();
    await cell.screenshot({ path: resolve(art, 'e2e-code-edited-chart.png') });

    // --- a param change re-runs exactly its dependents
    const r1 = { distances: await runsOf(page, 'distances'), charts: await runsOf(page, 'charts'), summary: await runsOf(page, 'summary'), backbone: await runsOf(page, 'backbone') };
    const hiloLine = async () => ((await page.textContent(`${code('distances')} [data-testid=code-logs]`)) ?? '').split('\n').find((l) => l.startsWith('hilo')) ?? '';
    const hilo0 = await hiloLine();
    const alpha = page.locator('[data-param-cell=alpha] [role=slider]');
    await alpha.focus();
    await page.keyboard.press('ArrowLeft');
    await waitRuns(page, 'summary', r1.summary + 1);
    await waitRuns(page, 'charts', r1.charts + 1);
    check('a param change re-runs its dependents', (await runsOf(page, 'distances')) === r1.distances + 1 && (await alpha.getAttribute('aria-valuenow')) === '0.8');
    check('and nothing else', (await runsOf(page, 'backbone')) === r1.backbone);
    check('the summary follows the link\'s grid', ((await page.textContent(`${code('summary')} caption`)) ?? '').includes('7×7'));
    const hilo1 = await hiloLine();
    check("HiLo's distance follows alpha", hilo0 !== '' && hilo1 !== '' && hilo0 !== hilo1, `${hilo0} → ${hilo1}`);

    // --- a hostile notebook reached through a link: nothing runs until consent
    await page.evaluate((text) => localStorage.setItem('attnbook:nb:hostile-code', JSON.stringify({ text, savedAt: Date.now(), origin: 'file', fileName: 'hostile-code.md' })), HOSTILE);
    const workersBefore = workerUrls.length;
    const page2 = watch(await context.newPage());
    const workers2: string[] = [];
    page2.on('worker', (w) => workers2.push(w.url()));
    await page2.goto(`${url}#nb=hostile-code`);
    const consent = await page2.waitForSelector('[data-testid=code-consent][data-state=pending]', { timeout: 30_000 });
    const consentText = (await consent.textContent()) ?? '';
    check('a linked notebook with code asks first', consentText.includes('This notebook contains code — run it?'));
    check('the question shows the code', consentText.includes('while (true)') && consentText.includes("throw new Error('boom '"));
    await page2.waitForTimeout(1500);
    // (the consent banner itself shows the code, so look for the cell's result, not its text)
    const ran = { result: await page2.locator('text=PWNED-undefined').count(), runs: await runsOf(page2, 'pwn'), worker: workers2.some((u) => u.includes('code-worker')) };
    check('nothing ran before consent', ran.result === 0 && ran.runs === 0 && !ran.worker, JSON.stringify(ran));
    await page2.screenshot({ path: resolve(art, 'e2e-code-consent.png'), fullPage: true });
    void workersBefore;

    await page2.click('[data-action=allow-code]');
    await waitRuns(page2, 'pwn', 1, 60_000);
    check('after consent the code runs, in a worker without a DOM', ((await page2.textContent(code('pwn'))) ?? '').includes('PWNED-undefined'));
    // the runaway loop: the page answers while it runs
    await page2.waitForSelector(`${code('loop')}[data-state=running]`, { timeout: 30_000 });
    const t1 = Date.now();
    await page2.evaluate(() => document.title);
    check('the page stays responsive during an endless loop', Date.now() - t1 < 1000, `${Date.now() - t1} ms`);
    await waitRuns(page2, 'loop', 1, 60_000);
    const loopErr = (await page2.textContent(`${code('loop')} [data-testid=code-error]`)) ?? '';
    check('the endless loop is stopped with a message', /Stopped after 10 s/.test(loopErr), loopErr.slice(0, 90));
    await waitRuns(page2, 'boom', 1, 60_000);
    const boom = page2.locator(`${code('boom')} [data-testid=code-error]`);
    check('a thrown error shows under its cell with the line', (await boom.getAttribute('data-line')) === '19' && ((await boom.textContent()) ?? '').includes('line 19: Error: boom 1'), (await boom.textContent()) ?? '');
    await page2.screenshot({ path: resolve(art, 'e2e-code-hostile-after-consent.png'), fullPage: true });

    // trust is remembered for this exact text, not for the name
    await page2.reload();
    await waitRuns(page2, 'pwn', 1, 60_000);
    check('the agreed notebook runs on reopening', (await page2.locator('[data-testid=code-consent]').count()) === 0);
    await page2.evaluate((text) => localStorage.setItem('attnbook:nb:hostile-code', JSON.stringify({ text, savedAt: Date.now(), origin: 'file' })), HOSTILE.replace("'PWNED-'", "'PWNED2-'"));
    await page2.reload();
    await page2.waitForSelector('[data-testid=code-consent][data-state=pending]', { timeout: 30_000 });
    check('the same name with other code asks again', (await runsOf(page2, 'pwn')) === 0);
    check('no page errors', errors.length === 0, errors.slice(0, 3).join(' | '));
  } finally {
    await app.close();
  }
  report.finish();
}

main().catch((e) => report.crash(e));
