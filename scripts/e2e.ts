/**
 * End-to-end test of the BUILT app (vite build + vite preview) in headless Chromium: pick a sample
 * photo, click a token, check that the map changed and equals the same view recomputed here in
 * Node from the photo's pixels (the fixture's decoded chelsea.png) with the float64 reference.
 * Screenshots go to artifacts/. Prints `e2e: N passed, N failed`.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { art, createReport, openPage, startBuiltApp } from './e2e-harness';
import { FIXTURES_DIR } from '../vite.config';
import { openFixture, fixtureTensor } from '../src/parity/fixture-file';
import { patchEmbed } from '../src/image/pixels';
import { opByName } from '../src/ops/registry';
import { computeOpView } from '../src/ops/view';
import { relL2 } from '../src/tensor/tensor';
import { pngDeclaring } from '../tests/node/hostile-inputs';

const report = createReport('e2e');
const check = report.check;

interface LastView {
  op: string;
  cfg: Record<string, number>;
  token: number;
  grid: number;
  backend: string;
  macs: number;
  tokens: number[];
  panels: Array<{ title: string; values: number[] }>;
}

async function main() {
  const app = await startBuiltApp();
  const { url } = app;
  try {
    const { page, errors } = await openPage(app.browser, { viewport: { width: 1280, height: 900 } });
    await page.goto(`${url}#explore`); // the start page is the notebook index; the explorer is its own page
    const gpu = await page.waitForSelector('[data-testid=gpu-status]', { timeout: 60_000 });
    check('GPU status is shown', (await gpu.textContent())!.includes('WebGPU'), (await gpu.textContent())!.slice(0, 80));

    await page.click('[data-sample="chelsea.png"]');
    await page.waitForSelector('[data-testid=maps] canvas', { timeout: 120_000 });
    await page.waitForFunction(() => (window as unknown as { __attnLastView?: { token: number } }).__attnLastView !== undefined);
    const first = (await page.evaluate(() => (window as unknown as { __attnLastView: unknown }).__attnLastView)) as LastView;
    check('first map is drawn on WebGPU', first.backend === 'webgpu' && first.panels.length === first.cfg.heads + 1, `${first.backend}, ${first.panels.length} panels`);
    await page.screenshot({ path: resolve(art, 'e2e-first.png'), fullPage: true });

    // Click the cell at row 3, column 10 of the head-mean map.
    const canvas = await page.$('[data-testid=maps] canvas');
    const box = (await canvas!.boundingBox())!;
    const g = first.grid;
    await page.mouse.click(box.x + ((10 + 0.5) / g) * box.width, box.y + ((3 + 0.5) / g) * box.height);
    await page.waitForFunction((t) => (window as unknown as { __attnLastView: { token: number } }).__attnLastView.token === t, 3 * g + 10, { timeout: 60_000 });
    const second = (await page.evaluate(() => (window as unknown as { __attnLastView: unknown }).__attnLastView)) as LastView;
    check('click selects token (3, 10)', second.token === 3 * g + 10, `token ${second.token}`);
    check('the map changed', relL2(second.panels[0].values, first.panels[0].values) > 1e-3);
    const stats = await page.textContent('[data-testid=op-stats]');
    check('MACs and GPU time are shown', /MACs/.test(stats ?? '') && /GPU time/.test(stats ?? ''), stats?.slice(0, 90));
    await page.screenshot({ path: resolve(art, 'e2e-clicked.png'), fullPage: true });

    // Recompute the same view in Node from the decoded pixels of chelsea.png (fixture `rgb`).
    const pre = openFixture('preprocess/chelsea.safetensors', new Uint8Array(readFileSync(resolve(FIXTURES_DIR, 'preprocess/chelsea.safetensors'))));
    const rgbT = fixtureTensor(pre, 'rgb');
    const rgb = { width: rgbT.shape[1], height: rgbT.shape[0], data: Uint8Array.from(rgbT.data) };
    const op = opByName(second.op)!;
    const tokens = patchEmbed(rgb, g, second.cfg.dim);
    const tokErr = relL2(second.tokens, tokens.data);
    check('page tokens equal the Node patch embedding of the same pixels', tokErr < 1e-2, `rel L2 ${tokErr.toExponential(2)}`);
    const ref = await computeOpView(op, second.cfg, tokens, second.token, null);
    let worst = 0;
    ref.panels.forEach((p, i) => (worst = Math.max(worst, relL2(second.panels[i].values, p.values))));
    check('map equals the float64 reference', worst < 1e-3, `worst rel L2 ${worst.toExponential(2)}`);
    check('MACs equal the reference count', second.macs === ref.macs, `${second.macs}`);

    // Bad input: a text file as a photo gives a message and keeps the current photo.
    await page.setInputFiles('[data-testid=photo-input]', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image') });
    const alert = await page.waitForSelector('.photo-picker [role=alert]', { timeout: 30_000 });
    check('a non-image is refused with a message', /not an image/.test((await alert.textContent()) ?? ''));
    check('the maps are still there', (await page.$$('[data-testid=maps] canvas')).length > 0);
    await page.screenshot({ path: resolve(art, 'e2e-bad-input.png'), fullPage: true });

    // A hostile PNG: a few dozen bytes declaring 100000×100000 are refused from the header, before
    // any decode (no freeze, no gigabytes), and the current photo stays.
    const t0 = Date.now();
    await page.setInputFiles('[data-testid=photo-input]', { name: 'huge.png', mimeType: 'image/png', buffer: Buffer.from(pngDeclaring(100000, 100000)) });
    const huge = await page.waitForFunction(() => /huge\.png is 100,000×100,000 pixels/.test(document.querySelector('.photo-picker [role=alert]')?.textContent ?? ''), null, { timeout: 30_000 });
    const hugeText = ((await page.textContent('.photo-picker [role=alert]')) ?? '').trim();
    await huge.dispose();
    check('a PNG declaring 100000×100000 is refused with a message', /megapixels are decoded\. Downscale it first\./.test(hugeText), `${hugeText} (${Date.now() - t0} ms)`);
    const meta = (await page.textContent('.photo-meta')) ?? '';
    check('the current photo is kept', meta.startsWith('chelsea.png'), meta);
    check('the maps are still there after the hostile PNG', (await page.$$('[data-testid=maps] canvas')).length > 0);
    await page.screenshot({ path: resolve(art, 'e2e-hostile-png.png'), fullPage: true });
    check('no uncaught page errors', errors.length === 0, errors.join(' | '));
  } finally {
    await app.close();
  }
  report.finish();
}

main().catch((e) => report.crash(e));
