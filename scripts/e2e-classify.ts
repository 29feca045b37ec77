/**
 * End-to-end test of the Classify page of the BUILT app (vite build + vite preview, headless
 * Chromium): the no-weights state and its one-click ViG-T download (the test browser has no
 * network, so it must fail with a plain message), the fixture checkpoint vig-mini.bare.pth picked
 * from disk (detected as the mini "test configuration"), the chelsea photo classified with the
 * fixture's top-5, the preprocessed input equal to the fixture's cropped_normalized, the CPU
 * reference agreeing with WebGPU, a wrong-variant file and hostile/truncated files refused without
 * losing the loaded model, a dropped safetensors file, and a URL download that lands in the Cache
 * API (served by a route, so no network is needed) and loads again from the cache after a reload.
 * Screenshots go to artifacts/. Prints `e2e-classify: N passed, N failed`.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { art, createReport, root, openPage, startBuiltApp } from './e2e-harness';
import { FIXTURES_DIR } from '../vite.config';
import { openFixture, fixtureTensor } from '../src/parity/fixture-file';
import { imagenetLabel } from '../src/image/imagenet-labels';
import { loadModelWeights } from '../src/models/load';
import { vigAttentionSites } from '../src/models/vig/vig';
import type { VigConfig } from '../src/models/vig/vig';
import { opByName } from '../src/ops/registry';
import { rmsNorm } from '../src/tensor/ops';
import { relL2 } from '../src/tensor/tensor';

const report = createReport('e2e-classify');
const check = report.check;

interface LastClassify {
  seq: number;
  modelId: string;
  kind: string;
  backend: string;
  top5: number[];
  probs: number[];
  inputShape: number[];
  ms: Record<string, unknown>;
}

const VIG_MINI_TOP5 = [206, 953, 669, 92, 16];
const fixture = (rel: string) => resolve(FIXTURES_DIR, rel);

async function lastClassify(page: Page): Promise<LastClassify | null> {
  return page.evaluate(() => {
    const c = window.__attnLastClassify;
    return c ? { seq: c.seq, modelId: c.modelId, kind: c.kind, backend: c.backend, top5: c.top5, probs: c.probs, inputShape: c.inputShape, ms: c.ms } : null;
  });
}

/**
 * Waits for a classification newer than the one seen last that matches `want` (the built app's CSP
 * forbids string predicates, so the predicate is data). Returns null on timeout.
 */
let seenSeq = 0;
async function waitClassify(page: Page, want: { modelId?: string; backend?: string }, timeout = 240_000): Promise<LastClassify | null> {
  try {
    await page.waitForFunction(
      ([w, after]) => {
        const c = window.__attnLastClassify;
        return Boolean(c && c.seq > after && (!w.modelId || c.modelId === w.modelId) && (!w.backend || c.backend === w.backend));
      },
      [want, seenSeq] as const,
      { timeout },
    );
  } catch (e) {
    console.log(`     (waiting for ${JSON.stringify(want)}: ${(e as Error).message.split('\n')[0]})`);
    return null;
  }
  const c = await lastClassify(page);
  seenSeq = c?.seq ?? seenSeq;
  return c;
}

async function errorText(page: Page, timeout = 60_000): Promise<string> {
  const el = await page.waitForSelector('[data-testid=classify-error]', { timeout });
  return (await el.textContent()) ?? '';
}

async function main() {
  const app = await startBuiltApp();
  const { url } = app;
  try {
    const { context, page, errors } = await openPage(app.browser, { viewport: { width: 1280, height: 1000 } });
    await page.goto(url);
    await page.click('[data-testid=nav-classify]');
    await page.waitForSelector('[data-testid=classify-panel]', { timeout: 60_000 });
    check('the Classify page opens from the header', page.url().endsWith('#classify'));

    // --- no weights: say what to load, offer ViG-T from Hugging Face --------------------------------
    const empty = (await page.textContent('[data-testid=no-weights]')) ?? '';
    const oneClick = (await page.textContent('[data-testid=download-default]')) ?? '';
    check('without weights the page says what to load', /No weights loaded/.test(empty) && /ViG-T/.test(empty), empty.slice(0, 100));
    check('one-click ViG-T download from Hugging Face is offered', /vig_t_77p2acc\.pth/.test(oneClick) && /23\.4 MB/.test(oneClick), oneClick);
    await page.screenshot({ path: resolve(art, 'classify-empty.png'), fullPage: true });
    await page.click('[data-testid=download-default]');
    const netErr = await errorText(page);
    check('offline, the download fails with a plain network message', /Could not reach huggingface\.co/.test(netErr), netErr.slice(0, 140));

    // --- the fixture mini checkpoint, picked from disk, on the chelsea photo ---------------------------
    await page.click('[data-sample="chelsea.png"]');
    await page.setInputFiles('[data-testid=weights-input]', fixture('checkpoints/vig-mini.bare.pth'));
    const loadedEl = await page.waitForSelector('[data-testid=loaded-model]', { timeout: 60_000 });
    const loadedText = (await loadedEl.textContent()) ?? '';
    check('vig-mini.bare.pth is detected as the mini test configuration', /vig-mini/.test(loadedText) && /test configuration \(mini\)/.test(loadedText), loadedText.slice(0, 120));
    check('the mini is explained as a test configuration', (await page.$('[data-testid=test-config-note]')) !== null);
    const gpuReady = await page.evaluate(() => /WebGPU:/.test(document.querySelector('[data-testid=gpu-status]')?.textContent ?? ''));
    const first = await waitClassify(page, { modelId: 'vig-mini' });
    check('the photo is classified', first !== null);
    if (first) {
      check('top-5 equals the vig-mini fixture', first.top5.join(',') === VIG_MINI_TOP5.join(','), `[${first.top5}] (${first.backend})`);
      check(`it ran on ${gpuReady ? 'WebGPU' : 'the CPU reference'}`, first.backend === (gpuReady ? 'webgpu' : 'cpu-reference'), first.backend);
      check('probabilities are a softmax, in order', first.probs.every((p, i) => p > 0 && p < 1 && (i === 0 || p <= first.probs[i - 1])), first.probs.map((p) => p.toFixed(4)).join(' '));
    }
    // The network input must be exactly the fixture's cropped_normalized (PIL-exact preprocessing).
    const pre = openFixture('preprocess/chelsea.safetensors', new Uint8Array(readFileSync(fixture('preprocess/chelsea.safetensors'))));
    const want = fixtureTensor(pre, 'cropped_normalized');
    const got = await page.evaluate(() => Array.from(window.__attnLastClassify?.input ?? []));
    let maxAbs = got.length === want.data.length ? 0 : Infinity;
    for (let i = 0; i < got.length && i < want.data.length; i++) maxAbs = Math.max(maxAbs, Math.abs(got[i] - want.data[i]));
    check('the preprocessed input equals the fixture cropped_normalized', maxAbs <= 1e-6, `max |Δ| ${maxAbs.toExponential(2)} over ${got.length} values`);
    const bars = await page.$$eval('[data-testid=classify-result] [data-testid=topk-chart] [data-class]', (els) => els.map((e) => Number(e.getAttribute('data-class'))));
    const labels = await page.$$eval('[data-testid=classify-result] [data-testid=topk-chart] .topk-label', (els) => els.map((e) => e.textContent ?? ''));
    check('the chart shows the five classes with their ImageNet labels', bars.join(',') === VIG_MINI_TOP5.join(',') && labels.every((l, i) => imagenetLabel(VIG_MINI_TOP5[i]).startsWith(l.replace(/…$/, ''))), labels.join(' | '));
    const times = (await page.textContent('[data-testid=classify-times]')) ?? '';
    check('timings are shown', /preprocess \d+ ms · forward \d+ ms.* total \d+ ms/.test(times), times);
    await page.screenshot({ path: resolve(art, 'classify-result.png'), fullPage: true });

    // --- the float64 CPU reference (worker) agrees ------------------------------------------------------
    if (gpuReady && (await page.$('[data-testid=force-cpu]'))) {
      await page.check('[data-testid=force-cpu]');
      const cpu = await waitClassify(page, { backend: 'cpu-reference' });
      check('the CPU reference gives the same top-5', cpu?.top5.join(',') === VIG_MINI_TOP5.join(','), `[${cpu?.top5}]`);
      const backendText = (await page.textContent('[data-testid=classify-backend]')) ?? '';
      check('the CPU path is named plainly', /CPU reference \(float64, in a Web Worker\) — slower/.test(backendText), backendText.slice(0, 80));
      await page.uncheck('[data-testid=force-cpu]');
      await waitClassify(page, { backend: 'webgpu' });
    }

    // --- one layer's attention on the photo, against the same layer computed in Node ---------------------
    if (gpuReady) {
      await page.waitForSelector('[data-testid=overlay-maps]', { timeout: 120_000 });
      const ov = await page.evaluate(() => window.__attnLastOverlay);
      check('the attention overlay draws the last layer\'s maps over the crop', ov?.label === 'block 1' && ov.panels.length >= 3 && ov.panels.every((p) => Number.isFinite(p.sum)), `${ov?.label}: ${ov?.panels.map((p) => p.title).join(' | ')}`);
      // Node: the float64 ViG forward on the page's input, RMSNorm of block 0's output = block 1's
      // attention input, then the gla op's maps for the same query token.
      const zoo = JSON.parse(readFileSync(resolve(root, 'public/zoo.json'), 'utf8'));
      const lm = loadModelWeights(new Uint8Array(readFileSync(fixture('checkpoints/vig-mini.bare.pth'))), 'vig-mini.bare.pth', { tests: zoo.test });
      const input = await page.evaluate(() => Array.from(window.__attnLastClassify?.input ?? []));
      const cfg = lm.choice.cfg as VigConfig;
      const ref = lm.choice.model.forwardReference({ shape: [1, 3, 224, 224], data: Float64Array.from(input) }, lm.params, cfg);
      const site = vigAttentionSites(cfg, 224, 224)[1];
      const opCfg = site.opConfig as { H: number; W: number; dim: number };
      const x1 = rmsNorm({ shape: [opCfg.H * opCfg.W, opCfg.dim], data: ref.stages[0].data }, lm.params['blocks.1.attn_norm.weight'], 1e-6);
      const op = opByName('gla')!;
      const maps = op.reference({ shape: [1, ...x1.shape], data: x1.data }, site.params(lm.params), opCfg).maps;
      const want = op.queryMaps!(Object.fromEntries(Object.entries(maps).map(([k, t]) => [k, t.data])), opCfg, ov!.token, ov!.token);
      check('its first map equals the same layer and token computed in Node (float64)', ov !== undefined && relL2(Float32Array.from(ov.first), want[0].values) < 1e-3, `relL2 ${ov ? relL2(Float32Array.from(ov.first), want[0].values).toExponential(2) : '-'}`);
      // a click on another cell moves the query
      const canvas = await page.$('[data-testid=overlay-maps] canvas');
      const box = await canvas!.boundingBox();
      await canvas!.click({ position: { x: box!.width * 0.1, y: box!.height * 0.9 } });
      const moved = await page.waitForFunction((t) => window.__attnLastOverlay && window.__attnLastOverlay.token !== t ? window.__attnLastOverlay.token : null, ov!.token, { timeout: 60_000 }).then((h) => h.jsonValue()).catch(() => null);
      check('clicking the map moves the query token to the clicked cell', moved === (opCfg.H - 1) * opCfg.W + 1 || moved === (opCfg.H - 2) * opCfg.W + 1, `token ${moved} on ${opCfg.H}×${opCfg.W}`);
      await page.selectOption('[data-testid=overlay-layer]', '0');
      await page.waitForFunction(() => window.__attnLastOverlay?.site === 0, undefined, { timeout: 60_000 });
      check('another layer can be chosen', true);
      await page.screenshot({ path: resolve(art, 'classify-overlay.png'), fullPage: true });
    }

    // --- wrong variant and bad files: refused, nothing lost ---------------------------------------------
    await page.selectOption('[data-testid=model-select]', 'vig-t');
    const info = (await page.textContent('[data-testid=variant-info]')) ?? '';
    check('the variant card shows the official source and top-1', /ViG-T/.test(info) && /77\.2/.test(info) && /Hugging Face/.test(info), info.slice(0, 120));
    await page.setInputFiles('[data-testid=weights-input]', fixture('checkpoints/vig-mini.bare.pth'));
    await page.waitForFunction(() => /does not match/.test(document.querySelector('[data-testid=classify-error]')?.textContent ?? ''), undefined, { timeout: 60_000 });
    const mismatch = await errorText(page);
    check('a file of another configuration names the keys and the closest configuration',
      /does not match vig-t/.test(mismatch) && /missing 140/.test(mismatch) && /mis-shaped \d+/.test(mismatch) && /looks like vig-mini/.test(mismatch), mismatch.slice(0, 200));
    check('the loaded model and its result are kept', /vig-mini/.test((await page.textContent('[data-testid=loaded-model]')) ?? '') && (await page.$('[data-testid=classify-result] [data-testid=topk-chart]')) !== null);
    await page.screenshot({ path: resolve(art, 'classify-mismatch.png'), fullPage: true });
    await page.selectOption('[data-testid=model-select]', '');
    await page.setInputFiles('[data-testid=weights-input]', fixture('checkpoints/hostile.pth'));
    await page.waitForFunction(() => /refused/.test(document.querySelector('[data-testid=classify-error]')?.textContent ?? ''), undefined, { timeout: 60_000 });
    check('a hostile pickle is refused, naming the global', /(os|posix)\.system/.test(await errorText(page)));
    await page.setInputFiles('[data-testid=weights-input]', fixture('checkpoints/truncated.pth'));
    await page.waitForFunction(() => /truncat|corrupt/i.test(document.querySelector('[data-testid=classify-error]')?.textContent ?? ''), undefined, { timeout: 60_000 });
    check('a truncated file is refused', true);
    // the refusals left the model in the worker too: a fresh run of the CPU reference (the worker's own copy) still works
    if (await page.$('[data-testid=force-cpu]')) await page.check('[data-testid=force-cpu]');
    else await page.click('[data-testid=classify-run]');
    const after = await waitClassify(page, { modelId: 'vig-mini', backend: 'cpu-reference' });
    check('the loaded model survives the refusals: the worker still classifies with it', after?.top5.join(',') === VIG_MINI_TOP5.join(','), `[${after?.top5}] ${await errorText(page, 1000).catch(() => '')}`);
    if (await page.$('[data-testid=force-cpu]')) await page.uncheck('[data-testid=force-cpu]');

    // --- drop a safetensors file (bf16 ViG-H mini) ----------------------------------------------------
    const bytes = [...readFileSync(fixture('checkpoints/vig_h-mini.bf16.safetensors'))];
    await page.evaluate((b) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(b)], 'vig_h-mini.bf16.safetensors'));
      const zone = document.querySelector('[data-testid=weights-drop]')!;
      zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, bytes);
    const vh = await waitClassify(page, { modelId: 'vig_h-mini' });
    check('a dropped bf16 safetensors file loads as vig_h-mini and classifies', vh !== null && vh.top5.length === 5, `[${vh?.top5}] ${vh?.backend}`);

    // --- URL download into the Cache API, then from the cache after a reload ------------------------------
    const remote = 'https://weights.example/vig-mini.bare.pth';
    const body = readFileSync(fixture('checkpoints/vig-mini.bare.pth'));
    let served = 0;
    await context.route(remote, (route) => {
      served++;
      void route.fulfill({ status: 200, body, headers: { 'content-type': 'application/octet-stream', 'content-length': String(body.length), 'access-control-allow-origin': '*', etag: '"fx"' } });
    });
    await page.fill('[data-testid=weights-url]', remote);
    await page.click('[data-testid=weights-url-load]');
    const fromUrl = await waitClassify(page, { modelId: 'vig-mini' });
    check('a URL download loads and classifies', fromUrl?.top5.join(',') === VIG_MINI_TOP5.join(','), `[${fromUrl?.top5}]`);
    await page.waitForFunction((u) => (document.querySelector('[data-testid=cached-list]')?.textContent ?? '').includes(u.split('/').pop()!), remote, { timeout: 30_000 });
    const cachedText = (await page.textContent('[data-testid=cached-list]')) ?? '';
    check('the download is listed in the cache with its size', /vig-mini\.bare\.pth/.test(cachedText) && /977\.0 kB/.test(cachedText), cachedText.slice(0, 120));
    await page.screenshot({ path: resolve(art, 'classify-cached.png'), fullPage: true });
    await page.reload();
    seenSeq = 0; // a fresh page counts from 1 again
    await page.waitForSelector('[data-testid=classify-panel]', { timeout: 60_000 });
    await page.click('[data-sample="chelsea.png"]');
    await page.waitForFunction(() => /vig-mini\.bare\.pth/.test(document.querySelector('[data-testid=cached-list]')?.textContent ?? ''), undefined, { timeout: 30_000 });
    await page.click('[data-testid=cached-list] li button:has-text("Load")');
    const fromCache = await waitClassify(page, { modelId: 'vig-mini' });
    check('after a reload the cached file loads without the network', fromCache?.top5.join(',') === VIG_MINI_TOP5.join(',') && served === 1, `served ${served}×`);
    await page.click('[data-testid=cached-clear]');
    await page.waitForFunction(() => /Nothing cached yet/.test(document.querySelector('[data-testid=cached-list]')?.textContent ?? ''), undefined, { timeout: 30_000 });
    check('the cache can be cleared', true);
    check('no uncaught page errors', errors.length === 0, errors.join(' | '));
  } finally {
    await app.close();
  }
  report.finish();
}

main().catch((e) => report.crash(e));
