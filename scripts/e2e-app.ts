/**
 * End-to-end test of the BUILT app as deployed (issue 15, "the built app"): `dist/` served by a
 * plain static server under a sub-path (/some/sub/path/), in headless Chromium.
 *
 * With WebGPU: every request stays under the sub-path and none fails; a notebook view computes;
 * the service worker caches the shell and the page says the app works offline; a device loss
 * (device.destroy()) is announced, a new device acquired and the view re-runs, with the notebook's
 * param value and the photo kept; allocations over the device's limits are refused with a plain
 * message and the device keeps working; offline (context.setOffline, and the server dropping every
 * connection, since a service worker's own fetches ignore setOffline), a reload still brings up the
 * app, says it runs from the cache, and the notebook (its param kept) and a sample photo work.
 * Without WebGPU (a second browser without --enable-unsafe-webgpu and with WebGPU disabled): the
 * page says so, the tfjs wasm backend loads from the build's own wasm files, a notebook view and a
 * classification (fixture checkpoint vig-mini, chelsea: the fixture's top-5) run on the CPU.
 * `--no-build` reuses dist/; `--part=webgpu|no-webgpu` runs one half. Prints `e2e-app: N passed, N failed`.
 */
import { resolve } from 'node:path';
import { build } from 'vite';
import { chromium, type Browser, type Page } from 'playwright-core';
import { launchChromium } from './browser';
import { art, createReport, openPage, root } from './e2e-harness';
import { serveStatic, type StaticServer } from './static-server';
import { CHROMIUM_ARGS, FIXTURES_DIR } from '../vite.config';

const report = createReport('e2e-app');
const check = report.check;
const PREFIX = '/some/sub/path/';
const ATTN = '[data-testid=nb-attention]';
const HEADS_SLIDER = '[data-param-cell=heads] [role=slider]';
const VIG_MINI_TOP5 = [206, 953, 669, 92, 16];

const text = async (page: Page, sel: string) => (await page.textContent(sel).catch(() => null)) ?? '';
const attr = async (page: Page, sel: string, a: string) => (await page.getAttribute(sel, a).catch(() => null)) ?? '';

/** Waits until the attention view shows `panels` panels and has computed more than `runsAbove` times. */
async function waitView(page: Page, panels: number, runsAbove = 0, timeout = 120_000): Promise<boolean> {
  return page
    .waitForFunction(
      ([sel, n, r]) => {
        const el = document.querySelector(sel as string);
        return Boolean(el && el.getAttribute('data-panels') === String(n) && Number(el.getAttribute('data-runs')) > (r as number));
      },
      [ATTN, panels, runsAbove] as const,
      { timeout },
    )
    .then(() => true, () => false);
}

async function withWebGpu(browser: Browser, server: StaticServer): Promise<void> {
  const { url, requests } = server;
  const { context, page, errors } = await openPage(browser, { viewport: { width: 1280, height: 900 } });
  const failed: string[] = [];
  page.on('response', (r) => r.status() >= 400 && failed.push(`${r.status()} ${r.url()}`));

  await page.goto(`${url}#nb=softmax-attention`);
  const badge = await page.waitForSelector('[data-testid=gpu-status]', { timeout: 60_000 }).then((e) => e.textContent());
  check('under a sub-path the app starts on WebGPU', /WebGPU:/.test(badge ?? ''), (badge ?? '').slice(0, 80));
  check('the notebook view computes under the sub-path', await waitView(page, 5));
  // a param moved away from its default: the notebook state that must survive what follows
  await page.focus(HEADS_SLIDER);
  await page.keyboard.press('ArrowLeft');
  check('a param change re-runs the view (heads 4 → 3)', await waitView(page, 4));
  const outside = requests.filter((p) => !p.startsWith(PREFIX));
  check('every request stays under the sub-path', requests.length > 5 && outside.length === 0, outside.slice(0, 3).join(', ') || `${requests.length} requests`);
  const tfjs = await text(page, '[data-testid=gpu-status]');
  check('tfjs shares the WebGPU device', /tfjs: webgpu-shared/.test(tfjs), tfjs.match(/tfjs: \S+/)?.[0] ?? '');

  // --- offline shell: the service worker caches the app and the page says so ---------------------
  const cached = await page.waitForSelector('[data-testid=offline-status][data-shell=cached]', { timeout: 60_000 }).then(() => true, () => false);
  const offText = await text(page, '[data-testid=offline-status]');
  check('the app shell is cached and the page says it works offline', cached && /Works offline/.test(offText), offText);
  const sw = await page.evaluate(async () => {
    const reg = await navigator.serviceWorker.getRegistration();
    const keys = await caches.keys();
    const shell = keys.find((k) => k.startsWith('attn-shell-'));
    const n = shell ? (await (await caches.open(shell)).keys()).length : 0;
    return { scope: reg?.scope ?? '', shell: shell ?? '', n };
  });
  check('the service worker is scoped to the sub-path and holds the shell', sw.scope === url && sw.n > 20, `${sw.scope} · ${sw.shell}: ${sw.n} files`);

  // --- device loss: announced, a new device, the view re-runs; notebook and photo kept -------------
  const runsBefore = Number(await attr(page, ATTN, 'data-runs'));
  const photoBefore = await attr(page, ATTN, 'data-photo');
  await page.evaluate(() => window.__attnGpu!.getState().ctx!.device.destroy());
  const notice = await page.waitForSelector('[data-testid=gpu-notice]', { timeout: 60_000 }).then((e) => e.textContent(), () => '');
  check('a lost device is announced and a new one acquired', /device was lost/.test(notice ?? '') && /new one was acquired/.test(notice ?? ''), (notice ?? '').slice(0, 120));
  const state = await page.evaluate(() => ({ losses: window.__attnGpu!.getState().losses, status: window.__attnGpu!.getState().status, lost: window.__attnGpu!.getState().ctx!.lostReason }));
  check('the GPU store is ready again on a live device', state.status === 'ready' && state.losses === 1 && state.lost === null, JSON.stringify(state));
  check('the current cell re-ran on the new device', await waitView(page, 4, runsBefore), `runs > ${runsBefore}`);
  check('the notebook param (3 heads) and the photo are kept', (await attr(page, HEADS_SLIDER, 'aria-valuenow')) === '3' && (await attr(page, ATTN, 'data-photo')) === photoBefore, `heads ${await attr(page, HEADS_SLIDER, 'aria-valuenow')}, photo ${photoBefore}`);

  // --- out of memory: refused plainly, the device keeps working -------------------------------------
  const oom = await page.evaluate(async () => {
    const ctx = window.__attnGpu!.getState().ctx!;
    const over = async (f: () => Promise<unknown>) => f().then(() => 'no error', (e: Error) => `${e.name}: ${e.message}`);
    // a buffer over the device's limit (a large backbone at a large batch on a small GPU), and one just over it
    const limit = await over(() => ctx.guard('the forward pass', async () => ctx.scratch((ctx.maxStorageBytes / 4) * 1.5)));
    const edge = await over(() => ctx.guard('the forward pass', async () => ctx.scratch(ctx.maxStorageBytes / 4 + 1)));
    return { limit, edge, max: ctx.maxStorageBytes, lost: ctx.lostReason };
  });
  const MB = (n: number) => (n / 2 ** 20).toFixed(n < 2 ** 30 ? 1 : 0); // as GpuContext writes them
  check('a buffer over the device limit is refused with a plain message', oom.limit.startsWith(`GpuOutOfMemoryError: this needs a GPU buffer of ${MB(oom.max * 1.5)} MB but this GPU allows at most ${MB(oom.max)} MB per buffer. Try a smaller batch`) && oom.lost === null, oom.limit);
  check('one just over the limit is refused too, in bytes', oom.edge.includes(`of ${oom.max + 4} bytes but this GPU allows at most ${oom.max} bytes`), oom.edge);
  const runsOom = Number(await attr(page, ATTN, 'data-runs'));
  await page.focus(HEADS_SLIDER);
  await page.keyboard.press('ArrowRight');
  check('after the refusals the device still computes the view', await waitView(page, 5, runsOom));
  // back to 3 heads: the value the offline reload must bring back (from the link in the URL)
  await page.keyboard.press('ArrowLeft');
  await waitView(page, 4);
  await page.screenshot({ path: resolve(art, 'app-subpath-webgpu.png') });

  // --- offline: the browser and the server both (a worker's own fetches ignore setOffline) -------------
  const t0 = Date.now();
  await context.setOffline(true);
  server.offline = true;
  await page.reload();
  const offBadge = await page.waitForSelector('[data-testid=offline-status][data-online=false]', { timeout: 60_000 }).then((e) => e.textContent(), () => '');
  check('offline, the reloaded page says it runs from the cached app', /Offline: running from the cached app/.test(offBadge ?? ''), `${offBadge} (${server.dropped.length} requests refused by the server meanwhile)`);
  check('offline, the notebook view computes again with its param (3 heads)', await waitView(page, 4));
  await page.goto(`${url}#explore`);
  await page.click('[data-sample="coffee.png"]');
  const photo = await page.waitForFunction(() => document.querySelector('[data-sample="coffee.png"]')?.classList.contains('selected'), undefined, { timeout: 30_000 }).then(() => true, () => false);
  check('offline, the explorer opens and a sample photo loads', photo);
  console.log(`     (offline phase ${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  await page.screenshot({ path: resolve(art, 'app-offline.png') });
  check('no 404s and no uncaught errors (WebGPU, sub-path, offline)', failed.length === 0 && errors.length === 0, [...failed, ...errors].slice(0, 3).join(' | '));
  await context.close();
  server.offline = false;
}

async function withoutWebGpu(url: string): Promise<void> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [...CHROMIUM_ARGS.filter((a) => a !== '--enable-unsafe-webgpu'), '--disable-features=WebGPU'],
    headless: true,
  });
  try {
    const { context, page, errors } = await openPage(browser, { viewport: { width: 1280, height: 900 } });
    const wasm: string[] = [];
    page.on('response', (r) => r.url().endsWith('.wasm') && wasm.push(`${r.status()} ${r.headers()['content-type']}`));
    await page.goto(`${url}#nb=softmax-attention`);
    const badge = await page.waitForSelector('[data-testid=gpu-status]', { timeout: 60_000 }).then((e) => e.textContent());
    check('without WebGPU the page says so', /No WebGPU\./.test(badge ?? '') && /Everything still works on the CPU/.test(badge ?? ''), (badge ?? '').slice(0, 120));
    check('the tfjs wasm backend loads from the build', /tfjs wasm/.test(badge ?? '') && wasm.length > 0 && wasm.every((w) => w === '200 application/wasm'), `${(badge ?? '').match(/tfjs \w+/)?.[0]} · ${wasm.join(', ')}`);
    check('without WebGPU a notebook view computes on the CPU', await waitView(page, 5, 0, 180_000));

    await page.goto(`${url}#classify`);
    await page.click('[data-sample="chelsea.png"]');
    await page.setInputFiles('[data-testid=weights-input]', resolve(FIXTURES_DIR, 'checkpoints/vig-mini.bare.pth'));
    const got = await page
      .waitForFunction(() => (window.__attnLastClassify ? { top5: window.__attnLastClassify.top5, backend: window.__attnLastClassify.backend } : null), undefined, { timeout: 180_000 })
      .then((h) => h.jsonValue(), () => null);
    check('without WebGPU a classification runs on the CPU reference with the fixture top-5', got?.backend === 'cpu-reference' && got.top5.join(',') === VIG_MINI_TOP5.join(','), got ? `[${got.top5}] on ${got.backend}` : 'no result');
    const shown = await text(page, '[data-testid=topk-chart]');
    check('the result is shown', shown.length > 0, shown.slice(0, 60));
    await page.screenshot({ path: resolve(art, 'app-no-webgpu.png'), fullPage: true });
    check('no uncaught errors without WebGPU', errors.length === 0, errors.slice(0, 3).join(' | '));
    await context.close();
  } finally {
    await browser.close();
  }
}

async function main() {
  const t0 = Date.now();
  if (!process.argv.includes('--no-build')) await build({ root, logLevel: 'warn' });
  const server = await serveStatic(resolve(root, 'dist'), PREFIX);
  try {
    // --part=webgpu or --part=no-webgpu runs one half
    const part = process.argv.find((a) => a.startsWith('--part='))?.slice(7);
    if (part !== 'no-webgpu') {
      const browser = await launchChromium();
      try {
        await withWebGpu(browser, server);
        console.log(`     (WebGPU phase ${((Date.now() - t0) / 1000).toFixed(0)} s)`);
      } finally {
        await browser.close();
      }
    }
    if (part !== 'webgpu') await withoutWebGpu(server.url);
  } finally {
    await server.close();
  }
  console.log(`     (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  report.finish();
}

main().catch(report.crash);
