/**
 * End-to-end test of the notebook UI on the BUILT app (vite build + vite preview, headless
 * Chromium with WebGPU): the index lists the shipped notebooks; the softmax notebook opens, its
 * heads slider moved with the keyboard changes the map; clicking a map sets the token; a prose
 * edit survives a reload (autosave) and "revert" removes it; figures export as SVG and PNG;
 * keyboard shortcuts edit/run/insert/delete/undo; share link and .md download; a hostile notebook
 * opened through the file input runs nothing and says why; a binary file is refused; every param
 * kind, the table, kernel and compare views; only dependent views re-run; a dropped .md opens; a
 * link with out-of-range or malformed values opens with notes; theme; the explorer page.
 * Screenshots go to artifacts/. Prints `e2e-notebook: N passed, N failed`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Download, Page } from 'playwright-core';
import { MECHANISMS } from '../src/ops/registry';
import { art, createReport, root, openPage, startBuiltApp } from './e2e-harness';

// its own build folder, so a parallel `npm run test:e2e` (dist/) is not disturbed
const outDir = resolve(root, 'node_modules/.e2e-notebook-dist');
const report = createReport('e2e-notebook');
const check = report.check;

const ATTN = '[data-testid=nb-attention]';
const HEADS_SLIDER = '[data-param-cell=heads] [role=slider]';
const MARKER = 'E2E-EDIT-MARKER-7f3a';

const HOSTILE = `---
title: "<script>window.__e2eFlag='title'</script>Hostile"
description: <img src=x onerror="window.__e2eFlag='desc'">
---

# Hostile notebook

<script>window.__e2eFlag = 'script';</script>

<img src="x" onerror="window.__e2eFlag = 'onerror'">

<div onclick="window.__e2eFlag='div'">click me</div>

[a javascript link](javascript:window.__e2eFlag='link')

<a href="javascript:window.__e2eFlag='anchor'">raw anchor</a>

$\\href{javascript:window.__e2eFlag='katex'}{math link}$

\`\`\`view attention
op: mhsa
heads: 3
title: "<img src=x onerror=window.__e2eFlag='view'>"
\`\`\`

\`\`\`param evil
kind: select
options: ["<script>window.__e2eFlag='opt'</script>", b]
\`\`\`

\`\`\`view table
rows: [["<img src=x onerror=window.__e2eFlag='cell'>", $evil]]
\`\`\`

\`\`\`view nonsense
whatever: 1
\`\`\`
`;

const WIDGETS = `---
title: Widgets
image: chelsea
---

# Every kind of param

\`\`\`param photo
kind: image
value: chelsea
\`\`\`

\`\`\`param show
kind: toggle
value: true
\`\`\`

\`\`\`param mode
kind: select
options: [a, b]
\`\`\`

\`\`\`param n
kind: number
min: 1
max: 10
value: 3
\`\`\`

\`\`\`view attention
op: mhsa
grid: 7
image: $photo
\`\`\`

\`\`\`view table
columns: [name, value]
rows: [[show, $show], [mode, $mode], [n, $n]]
\`\`\`

\`\`\`view kernel
op: mhsa
\`\`\`
`;

async function readDownload(d: Download): Promise<Buffer> {
  const p = await d.path();
  return readFileSync(p);
}

async function exportFigure(page: Page, figure: string, kind: 'svg' | 'png'): Promise<{ name: string; data: Buffer }> {
  const menu = page.locator(figure).first().locator('.export-menu');
  await menu.scrollIntoViewIfNeeded();
  if (!(await menu.getAttribute('open').then((v) => v !== null))) await menu.locator('summary').click();
  const [d] = await Promise.all([
    page.waitForEvent('download', { timeout: 30_000 }).catch(async (e: Error) => {
      // say why: the menu shows an error when it could not make the file
      const why = await page.locator(figure).first().locator('.export-wrap [role=alert]').textContent({ timeout: 1_000 }).catch(() => null);
      throw new Error(`no ${kind} download from ${figure}${why ? `: ${why}` : ''} (${e.message})`);
    }),
    menu.locator(`[data-export=${kind}]`).click(),
  ]);
  return { name: d.suggestedFilename(), data: await readDownload(d) };
}

async function panels(page: Page): Promise<number> {
  return Number(await page.getAttribute(ATTN, 'data-panels'));
}

async function main() {
  const app = await startBuiltApp({ outDir });
  const { url } = app;
  try {
    const { page, errors } = await openPage(app.browser, { viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const csp: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/.test(m.text())) csp.push(m.text().slice(0, 120));
    });
    page.on('dialog', (d) => {
      errors.push(`unexpected dialog: ${d.message()}`);
      void d.dismiss();
    });

    // --- the index
    await page.goto(url);
    const link = await page.waitForSelector('[data-notebook="softmax-attention"]', { timeout: 60_000 });
    check('the index lists the softmax notebook', (await link.textContent())!.includes('Softmax attention'));
    check('the index shows its description', ((await page.textContent('[data-testid=notebook-index]')) ?? '').includes('one map per head'));
    await page.screenshot({ path: resolve(art, 'e2e-notebook-index.png'), fullPage: true });

    // --- open the notebook: prose with math, the attention view with 4 heads + mean
    await link.click();
    await page.waitForSelector(`${ATTN}[data-panels="5"]`, { timeout: 120_000 });
    check('the attention view shows 4 heads and their mean', (await panels(page)) === 5);
    check('prose is rendered with KaTeX math', (await page.locator('.prose .katex').count()) > 3);
    check('the FLOPs view has a table and a chart', (await page.locator('[data-testid=nb-flops] table tbody tr').count()) === 4 && (await page.locator('[data-testid=nb-flops] svg.chart circle').count()) === 4);
    const flopsText = (await page.textContent('[data-testid=nb-flops] table')) ?? '';
    check('the FLOPs table has the notebook\'s MAC counts', flopsText.includes('43,653,120') && flopsText.includes('4,238,868,480'));
    check('the latency view waits for Run', ((await page.textContent('[data-testid=nb-latency]')) ?? '').includes('Not measured yet'));
    await page.screenshot({ path: resolve(art, 'e2e-notebook-open.png'), fullPage: true });

    // --- the heads slider, with the keyboard
    const slider = page.locator(HEADS_SLIDER);
    await slider.focus();
    await page.keyboard.press('ArrowLeft');
    await page.waitForSelector(`${ATTN}[data-panels="4"]`, { timeout: 120_000 });
    check('ArrowLeft on the heads slider: 3 heads + mean', (await panels(page)) === 4 && (await slider.getAttribute('aria-valuenow')) === '3');
    await page.waitForFunction(() => location.hash.includes('heads=3'), undefined, { timeout: 5_000 }).catch(() => undefined);
    check('the URL carries the value', page.url().includes('heads=3'), page.url().replace(url, ''));
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    const refused = await page.waitForSelector(`${ATTN} [role=alert]`, { timeout: 60_000 });
    check('5 heads are refused with a message', /divisible/.test((await refused.textContent()) ?? ''), (await refused.textContent())?.slice(0, 80));
    await page.keyboard.press('ArrowLeft');
    await page.waitForSelector(`${ATTN}[data-panels="5"]`, { timeout: 120_000 });
    check('back to 4 heads', (await panels(page)) === 5);
    // releasing the slider also re-ran the expensive latency view: its first row arrives
    await page.waitForSelector('[data-testid=nb-latency] tbody tr', { timeout: 180_000 });
    const latRow = (await page.textContent('[data-testid=nb-latency] tbody tr')) ?? '';
    check('releasing the slider measures the latency view', /14×14/.test(latRow) && /(ms|µs)/.test(latRow), latRow.replace(/\s+/g, ' '));

    // --- clicking a map sets the token param
    const before = await page.getAttribute(ATTN, 'data-token');
    const canvas = page.locator(`${ATTN} canvas`).first();
    await canvas.scrollIntoViewIfNeeded();
    const box = (await canvas.boundingBox())!;
    await page.mouse.click(box.x + (2.5 / 14) * box.width, box.y + (3.5 / 14) * box.height);
    await page.waitForSelector(`${ATTN}[data-token="${3 * 14 + 2}"]`, { timeout: 60_000 }).catch(() => undefined);
    const after = await page.getAttribute(ATTN, 'data-token');
    check('clicking the map sets the token param', after === String(3 * 14 + 2) && after !== before, `${before} → ${after}`);
    check('the token param shows the new value', (await page.inputValue('[data-param=token]')) === String(3 * 14 + 2));
    await page.screenshot({ path: resolve(art, 'e2e-notebook-token.png'), fullPage: true });

    // --- share: the link carries the values that differ from the defaults
    await page.click('[data-testid=share]');
    const shared = await page.inputValue('[data-testid=share-url]');
    check('the share link carries the param values', shared.startsWith(url) && shared.endsWith('#nb=softmax-attention&token=44'), shared.replace(url, ''));

    // --- figure export
    const mapSvg = await exportFigure(page, `${ATTN} .map-figure`, 'svg');
    const svgText = mapSvg.data.toString('utf8');
    check('a map exports as SVG', svgText.startsWith('<svg') && svgText.includes('data:image/png;base64,') && svgText.includes('linearGradient'), `${mapSvg.name}, ${svgText.length} bytes`);
    const mapPng = await exportFigure(page, `${ATTN} .map-figure`, 'png');
    check('a map exports as PNG', mapPng.data.subarray(1, 4).toString() === 'PNG', `${mapPng.name}, ${mapPng.data.length} bytes`);
    const chartSvg = await exportFigure(page, '[data-testid=nb-flops] .chart-figure', 'svg');
    const chartText = chartSvg.data.toString('utf8');
    check('a chart exports as SVG', chartText.startsWith('<svg') && chartText.includes('<path') && /fill:\s*rgb/.test(chartText), `${chartSvg.name}, ${chartText.length} bytes`);
    const chartPng = await exportFigure(page, '[data-testid=nb-flops] .chart-figure', 'png');
    for (const f of [mapSvg, mapPng, chartSvg, chartPng]) writeFileSync(resolve(art, `e2e-notebook-export-${f.name}`), f.data);
    check('a chart exports as PNG', chartPng.data.subarray(1, 4).toString() === 'PNG', `${chartPng.name}, ${chartPng.data.length} bytes`);

    // --- edit a prose cell, autosave, reload, revert
    const prose = page.locator('[data-cell-type=prose]').nth(1);
    // selected (focus), not hovered: the click scrolls the page, and a hover may not survive it
    await prose.focus();
    await prose.locator('[data-action=edit]').click();
    const editor = page.locator('[data-testid=cell-editor]');
    await editor.waitFor();
    const original = await editor.inputValue();
    await editor.fill(`${original}\n\n${MARKER} with $a^2$ math.`);
    await page.keyboard.press('Escape');
    await page.waitForFunction((m) => [...document.querySelectorAll('.prose')].some((p) => p.textContent!.includes(m)), MARKER, { timeout: 10_000 });
    check('the edited prose is rendered, math included', (await page.locator('.prose', { hasText: MARKER }).locator('.katex').count()) > 0);
    await page.waitForTimeout(800); // autosave is debounced
    await page.reload();
    await page.waitForSelector('[data-testid=notebook]', { timeout: 60_000 });
    const restored = await page.locator('.prose', { hasText: MARKER }).count();
    check('the edit survives a reload (autosave)', restored === 1);
    check('a notice says the edits were restored', ((await page.textContent('[data-testid=notices]')) ?? '').includes('Restored your edits'));
    check('the link values survive the reload', page.url().includes('token=44') && (await page.inputValue('[data-param=token]')) === '44', page.url().replace(url, ''));
    await page.screenshot({ path: resolve(art, 'e2e-notebook-restored.png'), fullPage: true });
    await page.click('[data-testid=revert]');
    await page.waitForFunction((m) => ![...document.querySelectorAll('.prose')].some((p) => p.textContent!.includes(m)), MARKER, { timeout: 10_000 });
    check('revert to shipped removes the edit', (await page.locator('.prose', { hasText: MARKER }).count()) === 0);
    await page.click('[data-testid=undo]');
    check('undo brings the edit back', (await page.locator('.prose', { hasText: MARKER }).count()) === 1);
    await page.click('[data-testid=revert]');
    const [md] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.click('[data-testid=download-md]')]);
    const shippedText = readFileSync(resolve(root, 'notebooks/softmax-attention.md'), 'utf8');
    check('Download .md gives the notebook byte for byte', md.suggestedFilename() === 'softmax-attention.md' && (await readDownload(md)).toString('utf8') === shippedText);

    // --- Jupyter keys: Enter edits, Shift+Enter runs and selects the next cell
    await page.locator('[data-cell-id=prose-2]').click();
    await page.keyboard.press('Enter');
    const ed2 = page.locator('[data-cell-id=prose-2] [data-testid=cell-editor]');
    check('Enter opens the selected cell in edit mode', (await ed2.count()) === 1);
    await ed2.press('End');
    await ed2.type(' Keyboard-edit.');
    await page.keyboard.press('Shift+Enter');
    const selectedAfter = await page.getAttribute('[data-cell-id].selected', 'data-cell-id');
    check('Shift+Enter runs the cell and selects the next', (await page.locator('[data-cell-id=prose-2] .prose', { hasText: 'Keyboard-edit.' }).count()) === 1 && selectedAfter === 'param-token', `selected ${selectedAfter}`);
    await page.keyboard.press('z');
    check('Z undoes the edit', (await page.locator('.prose', { hasText: 'Keyboard-edit.' }).count()) === 0);

    // --- Jupyter keys in command mode: B inserts below, Z undoes, D D deletes
    const cells = page.locator('[data-cell-id]');
    const n0 = await cells.count();
    // below the token param comes a view, so the new text stays its own cell (text next to text
    // would be one Markdown block)
    await page.locator('[data-cell-id=param-token]').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('b');
    const n1 = await cells.count();
    await page.keyboard.press('z');
    const n2 = await cells.count();
    check('B inserts a cell, Z undoes it', n1 === n0 + 1 && n2 === n0, `${n0} → ${n1} → ${n2}`);
    await page.locator('[data-cell-type=view]').last().click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Escape');
    const latencyId = await page.locator('[data-cell-type=view]').last().getAttribute('data-cell-id');
    await page.keyboard.press('d');
    await page.keyboard.press('d');
    // the text around it joins into one block, so the count drops by two
    check('D D deletes the selected cell', (await page.locator(`[data-cell-id="${latencyId}"]`).count()) === 0 && (await cells.count()) === n0 - 2, `${await cells.count()} cells`);
    await page.keyboard.press('z');
    check('Z brings it back', (await cells.count()) === n0);

    // --- a hostile notebook through the file input
    await page.evaluate(() => ((window as unknown as { __e2eFlag: string }).__e2eFlag = 'untouched'));
    await page.setInputFiles('[data-testid=notebook-file-input]', { name: 'hostile.md', mimeType: 'text/markdown', buffer: Buffer.from(HOSTILE) });
    await page.waitForFunction(() => location.hash.includes('nb=hostile'), undefined, { timeout: 10_000 });
    const warning = await page.waitForSelector('[data-source=suspicious]', { timeout: 10_000 });
    check('the hostile notebook opens with a message', /script/.test((await warning.textContent()) ?? ''), (await warning.textContent())?.slice(0, 100));
    await page.locator('.prose a', { hasText: 'raw anchor' }).count();
    // click everything clickable in the prose: nothing may run
    for (const a of await page.locator('.prose a, .prose div').all()) await a.click({ timeout: 2_000 }).catch(() => undefined);
    await page.waitForTimeout(500);
    const flag = await page.evaluate(() => (window as unknown as { __e2eFlag: string }).__e2eFlag);
    check('no script from the notebook ran', flag === 'untouched', flag);
    const dangerous = await page.evaluate(() => {
      const nb = document.querySelector('[data-testid=notebook]')!;
      const bad: string[] = [];
      for (const el of nb.querySelectorAll('*')) {
        if (el.tagName === 'SCRIPT' || el.tagName === 'IFRAME') bad.push(el.tagName);
        for (const at of el.attributes) {
          if (/^on/i.test(at.name)) bad.push(`${el.tagName}[${at.name}]`);
          if (/^(href|src)$/i.test(at.name) && /^\s*javascript:/i.test(at.value)) bad.push(`${el.tagName}[${at.name}=${at.value}]`);
        }
      }
      return bad;
    });
    check('no script, event handler or javascript: URL reached the page', dangerous.length === 0, dangerous.join(', '));
    const hostileText = (await page.textContent('[data-testid=notebook]')) ?? '';
    check('raw HTML is shown as text', hostileText.includes("<script>window.__e2eFlag = 'script';</script>"));
    check('an unknown view kind shows a message', /not know|Unknown view kind/.test(hostileText));
    await page.screenshot({ path: resolve(art, 'e2e-notebook-hostile.png'), fullPage: true });

    // --- a binary file is refused with a message and the notebook stays
    await page.setInputFiles('[data-testid=notebook-file-input]', { name: 'photo.md', mimeType: 'text/markdown', buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0, 1, 2, 3]) });
    const refusedFile = await page.waitForSelector('[data-source=open].notice-error', { timeout: 10_000 });
    check('a binary file is refused with a message', /not a text file/.test((await refusedFile.textContent()) ?? ''));
    check('the open notebook stays', page.url().includes('nb=hostile'));

    // --- every param kind, the table and kernel views
    await page.setInputFiles('[data-testid=notebook-file-input]', { name: 'widgets.md', mimeType: 'text/markdown', buffer: Buffer.from(WIDGETS) });
    await page.waitForSelector(`${ATTN}[data-photo=chelsea][data-panels="5"]`, { timeout: 120_000 });
    const table = page.locator('[data-testid=nb-table]');
    check('the table view shows param values', ((await table.textContent()) ?? '').replace(/\s+/g, '') === 'namevalueshowtruemodean3', (await table.textContent()) ?? '');
    const runs0 = await page.getAttribute(ATTN, 'data-runs');
    await page.click('[data-param=show]');
    await page.selectOption('[data-param=mode]', 'b');
    await page.fill('[data-param=n]', '7');
    await page.waitForFunction(() => /showfalsemodebn7/.test((document.querySelector('[data-testid=nb-table]')?.textContent ?? '').replace(/\s+/g, '')), undefined, { timeout: 10_000 }).catch(() => undefined);
    check('toggle, select and number params update the table', /showfalsemodebn7/.test(((await table.textContent()) ?? '').replace(/\s+/g, '')), (await table.textContent()) ?? '');
    await page.waitForTimeout(600);
    const runs1 = await page.getAttribute(ATTN, 'data-runs');
    check('a view that does not depend on a param does not re-run', runs0 === runs1, `${runs0} → ${runs1}`);
    await page.click('[data-param-cell=photo] [role=radio][title^="Coffee"]');
    await page.waitForSelector(`${ATTN}[data-photo=coffee]`, { timeout: 60_000 }).catch(() => undefined);
    check('the image param switches the photo (and re-runs its view)', (await page.getAttribute(ATTN, 'data-photo')) === 'coffee' && Number(await page.getAttribute(ATTN, 'data-runs')) > Number(runs1));
    const kernel = (await page.textContent('[data-testid=nb-kernel]')) ?? '';
    check('the kernel view shows the op\'s WGSL', kernel.includes('lib/flash_attn.wgsl') && /@compute/.test(kernel), kernel.slice(0, 80));
    await page.screenshot({ path: resolve(art, 'e2e-notebook-widgets.png'), fullPage: true });

    // --- drop a .md file onto the notebook
    await page.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['# Dropped\n\nA notebook that was dropped.\n'], 'dropped.md', { type: 'text/markdown' }));
      const target = document.querySelector('[data-testid=notebook]')!;
      target.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      target.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await page.waitForFunction(() => location.hash.startsWith('#nb=dropped'), undefined, { timeout: 10_000 }).catch(() => undefined);
    check('dropping a .md file opens it', page.url().includes('#nb=dropped') && (await page.locator('.prose', { hasText: 'was dropped' }).count()) === 1);

    // --- the side-by-side view of all six ops
    await page.goto(`${url}#nb=compare-all`);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=nb-compare] .compare-item canvas').length === document.querySelectorAll('[data-testid=nb-compare] .compare-item').length, undefined, { timeout: 240_000 }).catch(() => undefined);
    const items = await page.locator('[data-testid=nb-compare] .compare-item').count();
    const maps = await page.locator('[data-testid=nb-compare] .compare-item canvas').count();
    check('the compare view draws a map for every op', items >= 6 && maps === items, `${maps}/${items}`);
    await page.screenshot({ path: resolve(art, 'e2e-notebook-compare.png'), fullPage: false });
    const stats = await page.locator('[data-testid=nb-compare] .compare-stats').allTextContents();
    check('every compare item shows its MACs and measured time', stats.length === items && stats.every((t) => /MACs/.test(t) && /(ms|µs)/.test(t)), stats.join(' | ').slice(0, 200));
    const ops = await page.locator('[data-testid=nb-compare] .compare-item').evaluateAll((els) => els.map((e) => e.getAttribute('data-op')));
    check('the six mechanisms are all there', MECHANISMS.every((o) => ops.includes(o)), ops.join(','));

    // --- the Vicinity notebook: θ moves the locality kernel and the maps
    await page.goto(`${url}#nb=vicinity-decay`);
    const vic = page.locator(ATTN).first();
    await page.waitForFunction((sel) => Number(document.querySelector(sel)?.getAttribute('data-panels') ?? 0) > 0, ATTN, { timeout: 120_000 });
    const mapPixels = () => page.locator(`${ATTN} canvas`).last().evaluate((c) => (c as HTMLCanvasElement).toDataURL());
    const vicRuns0 = Number(await vic.getAttribute('data-runs'));
    const vicBefore = await mapPixels();
    const theta = page.locator('[data-param-cell=theta] [role=slider]');
    await theta.focus();
    await theta.press('End');
    await page.waitForFunction(([sel, r]) => Number(document.querySelector(sel as string)?.getAttribute('data-runs') ?? 0) > (r as number), [ATTN, vicRuns0] as const, { timeout: 120_000 });
    // the run count rises when a run starts: give the new maps time to arrive
    let vicAfter = await mapPixels();
    for (let i = 0; i < 120 && vicAfter === vicBefore; i++) {
      await page.waitForTimeout(500);
      vicAfter = await mapPixels();
    }
    check('the θ slider re-draws the Vicinity locality map', vicAfter !== vicBefore && page.url().includes('theta='), page.url().replace(url, ''));
    await page.screenshot({ path: resolve(art, 'e2e-notebook-vicinity.png'), fullPage: false });

    // --- a shared link with bad values
    await page.goto(`${url}#nb=softmax-attention&heads=99&token=abc&bogus=1`);
    await page.reload();
    const note = await page.waitForSelector('[data-source=link]', { timeout: 60_000 });
    const noteText = (await note.textContent()) ?? '';
    check('an out-of-range value in a link is clamped with a note', /heads.*99 is above the maximum 8/.test(noteText), noteText.slice(0, 160));
    check('malformed and unknown link values are noted', /token/.test(noteText) && /bogus/.test(noteText));
    await page.waitForSelector(`${ATTN}[data-panels="9"]`, { timeout: 120_000 });
    check('the notebook runs with the clamped value (8 heads)', (await page.getAttribute(HEADS_SLIDER, 'aria-valuenow')) === '8');
    await page.screenshot({ path: resolve(art, 'e2e-notebook-link.png'), fullPage: true });

    // --- theme toggle and the explorer page
    const t0 = await page.evaluate(() => document.documentElement.dataset.theme);
    await page.click('[data-testid=theme-toggle]');
    await page.click('[data-testid=theme-toggle]');
    const t1 = await page.evaluate(() => document.documentElement.dataset.theme);
    check('the theme toggle switches light/dark', t0 !== undefined && t1 !== undefined && (t1 === 'dark' || t1 === 'light'), `${t0} → ${t1}`);
    await page.screenshot({ path: resolve(art, 'e2e-notebook-dark.png'), fullPage: true });
    await page.click('[data-testid=theme-toggle]');
    await page.click('[data-testid=nav-explore]');
    await page.waitForSelector('[data-testid=op-select]', { timeout: 10_000 });
    check('the explorer is reachable', (await page.locator('[data-testid=op-select]').count()) === 1 && page.url().endsWith('#explore'), page.url().replace(url, ''));
    check('no uncaught page errors', errors.length === 0, errors.join(' | '));
    check('nothing was blocked by the Content-Security-Policy (fonts, images)', csp.length === 0, csp.slice(0, 2).join(' | '));
  } finally {
    await app.close();
  }
  report.finish();
}

main().catch((e) => report.crash(e));
