/**
 * End-to-end test of weight downloads in the BUILT app (vite preview, headless Chromium; downloads
 * served by Playwright routes, so no network is needed): a login page sent with status 200 is
 * refused and nothing is cached; a complete file that is not a checkpoint is cached, fails to load,
 * and the page offers to remove it — which empties the cache; a server that never answers is
 * cancelled with the page's Cancel button and the download settles at once. Pass --no-build to
 * reuse dist/. Prints `e2e-downloads: N passed, N failed`.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { art, createReport, openPage, startBuiltApp } from './e2e-harness';
import { FIXTURES_DIR } from '../vite.config';

const report = createReport('e2e-downloads');
const check = report.check;

const cachedText = async (page: Page) => (await page.textContent('[data-testid=cached-list]')) ?? '';

async function loadUrl(page: Page, url: string): Promise<void> {
  await page.fill('[data-testid=weights-url]', url);
  await page.click('[data-testid=weights-url-load]');
}

async function main() {
  const app = await startBuiltApp();
  const { url: base } = app;
  try {
    const { context, page, errors } = await openPage(app.browser, { viewport: { width: 1280, height: 1000 } });
    const cors = { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'etag, content-range' };

    await context.route('https://weights.example/login.pth', (route) =>
      route.fulfill({ status: 200, body: '<!DOCTYPE html><html><body>Sign in to download</body></html>', headers: { ...cors, 'content-type': 'text/html; charset=utf-8' } }),
    );
    const png = readFileSync(resolve(FIXTURES_DIR, 'checkpoints/not-a-checkpoint.pth'));
    await context.route('https://weights.example/not-a-checkpoint.pth', (route) =>
      route.fulfill({ status: 200, body: png, headers: { ...cors, 'content-type': 'application/octet-stream', 'content-length': String(png.length), etag: '"png"' } }),
    );
    await context.route('https://weights.example/never.pth', () => undefined); // never answered

    await page.goto(`${base}#classify`);
    await page.waitForSelector('[data-testid=cached-list]', { timeout: 120_000 });
    await page.waitForFunction(() => /Nothing cached yet/.test(document.querySelector('[data-testid=cached-list]')?.textContent ?? ''), undefined, { timeout: 30_000 });

    // a login page sent as the file
    await loadUrl(page, 'https://weights.example/login.pth');
    const pageErr = await page.waitForSelector('[data-testid=classify-error]', { timeout: 30_000 }).then((e) => e.textContent());
    check('an HTML page sent with status 200 is refused as not the file', /text\/html .*not the checkpoint file, so nothing was kept/.test(pageErr ?? ''), (pageErr ?? '').slice(0, 140));
    check('… and nothing is cached', /Nothing cached yet/.test(await cachedText(page)));
    check('… and no eviction is offered (nothing was kept)', (await page.$('[data-testid=evict-offer]')) === null);

    // a complete file that is not a checkpoint: cached, refused by the loader, evictable
    await loadUrl(page, 'https://weights.example/not-a-checkpoint.pth');
    const offer = await page.waitForSelector('[data-testid=evict-offer]', { timeout: 60_000 }).then(() => true, () => false);
    const loadErr = (await page.textContent('[data-testid=classify-error]').catch(() => '')) ?? '';
    check('a cached file that fails to load shows the refusal and offers to remove it', offer && loadErr.length > 0, loadErr.slice(0, 120));
    await page.waitForFunction(() => /not-a-checkpoint\.pth/.test(document.querySelector('[data-testid=cached-list]')?.textContent ?? ''), undefined, { timeout: 30_000 }).catch(() => undefined);
    check('… it is listed in the cache before removal', /not-a-checkpoint\.pth/.test(await cachedText(page)));
    await page.screenshot({ path: resolve(art, 'downloads-evict-offer.png'), fullPage: true });
    await page.click('[data-testid=evict-cached]');
    const emptied = await page
      .waitForFunction(() => /Nothing cached yet/.test(document.querySelector('[data-testid=cached-list]')?.textContent ?? ''), undefined, { timeout: 30_000 })
      .then(() => true, () => false);
    check('… removing it empties the cache and the offer goes', emptied && (await page.$('[data-testid=evict-offer]')) === null);

    // a server that never answers: Cancel settles the download at once
    await loadUrl(page, 'https://weights.example/never.pth');
    await page.waitForSelector('[data-testid=weights-progress] button', { timeout: 30_000 });
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    await page.click('[data-testid=weights-progress] button');
    const cancelled = await page.waitForSelector('[data-testid=classify-error]', { timeout: 10_000 }).then((e) => e.textContent(), () => '');
    const ms = Date.now() - t0;
    check('Cancel on a server that never answers settles at once with a plain message', /cancelled/.test(cancelled ?? '') && ms < 2000, `${ms} ms: ${(cancelled ?? '').slice(0, 80)}`);
    check('no uncaught page errors', errors.length === 0, errors.join(' | ').slice(0, 200));
  } finally {
    await app.close();
  }
  report.finish();
}

main().catch((e) => report.crash(e));
