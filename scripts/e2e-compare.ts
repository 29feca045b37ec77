/**
 * End-to-end test of notebooks/compare-backbones.md on the Vite dev server (headless Chromium):
 * every fixture mini checkpoint is added by URL from the dev server (/@fixtures/, so it lands in
 * the browser's Cache API like a real download), then one run of `view compare-models` on chelsea
 * (batch 2, 1 rep via the link, to keep SwiftShader quick). Each model's top-5 must equal the
 * float64 reference computed here in Node from the same file and the same preprocessed input; its
 * parameter count and MACs must be the family's own; the WebGPU ones must report positive latency
 * and throughput. Screenshot in artifacts/. Prints `e2e-compare: N passed, N failed`.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createServer } from 'vite';
import { launchChromium } from './browser';
import { art, createReport, openPage, root } from './e2e-harness';
import { FIXTURES_DIR } from '../vite.config';
import { openFixture, fixtureTensor } from '../src/parity/fixture-file';
import { loadModelWeights } from '../src/models/load';
import { topK } from '../src/models/classify';
import type { CompareOutcome } from '../src/ui/notebook/views/compare-models';

const report = createReport('e2e-compare');
const check = report.check;

const MINIS = [
  'checkpoints/vig-mini.bare.pth',
  'checkpoints/vig_h-mini.bf16.safetensors',
  'checkpoints/litv2-mini.train.pth',
  'checkpoints/vvt-mini.legacy.pth',
  'checkpoints/fat-mini.fp16.pth',
  'models/gmf-mini.pth',
];

async function main() {
  const zoo = JSON.parse(readFileSync(resolve(root, 'public/zoo.json'), 'utf8'));
  const server = await createServer({ configFile: resolve(root, 'vite.config.ts'), server: { port: 0, host: '127.0.0.1', hmr: false, watch: { ignored: ['**/*'] } }, logLevel: 'error' });
  await server.listen();
  const port = (server.httpServer!.address() as { port: number }).port;
  const base = `http://127.0.0.1:${port}`;
  const browser = await launchChromium();
  try {
    const { page, errors } = await openPage(browser, { viewport: { width: 1280, height: 1000 } });
    await page.goto(`${base}/#nb=compare-backbones&batch=2&reps=1`);
    const view = await page.waitForSelector('[data-testid=compare-models]', { timeout: 180_000 });
    check('the compare-backbones notebook opens with its compare-models view', view !== null);
    await page.waitForFunction(() => /No weights in this browser yet/.test(document.querySelector('[data-testid=compare-sources]')?.textContent ?? ''), undefined, { timeout: 30_000 }).catch(() => undefined);
    check('with nothing cached it says where to get weights', /No weights in this browser yet/.test((await page.textContent('[data-testid=compare-sources]')) ?? ''));
    check('its classify cell offers the one-click ViG-T download', (await page.$('[data-testid=classify-view] [data-testid=download-default]')) !== null);

    for (const rel of MINIS) {
      await page.fill('[data-testid=compare-url]', `${base}/@fixtures/${rel}`);
      await page.click('[data-testid=compare-add]');
      const name = rel.split('/').pop()!;
      const ok = await page
        .waitForFunction((n) => (document.querySelector('[data-testid=compare-sources]')?.textContent ?? '').includes(n), name, { timeout: 60_000 })
        .then(() => true, () => false);
      check(`${name} added by URL from the dev server`, ok);
    }
    const bad = `${base}/@fixtures/checkpoints/not-there.pth`;
    await page.fill('[data-testid=compare-url]', bad);
    await page.click('[data-testid=compare-add]');
    const badMsg = await page.waitForSelector('[data-testid=compare-models] [role=alert]', { timeout: 60_000 }).then((e) => e.textContent());
    check('a URL that does not exist gets a plain message', /404|not found|HTTP/i.test(badMsg ?? ''), (badMsg ?? '').slice(0, 120));

    const t0 = Date.now();
    await page.click('[data-testid=compare-run]');
    await page.waitForFunction(() => (window.__attnLastCompareModels?.seq ?? 0) >= 1, undefined, { timeout: 1_200_000, polling: 1000 });
    const outcomes = (await page.evaluate(() => window.__attnLastCompareModels!.outcomes)) as CompareOutcome[];
    console.log(`compare run: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    check('one row per checkpoint', outcomes.length === MINIS.length, `${outcomes.length} rows`);
    await page.screenshot({ path: resolve(art, 'compare-backbones.png'), fullPage: true });

    const pre = openFixture('preprocess/chelsea.safetensors', new Uint8Array(readFileSync(resolve(FIXTURES_DIR, 'preprocess/chelsea.safetensors'))));
    const x = fixtureTensor(pre, 'cropped_normalized');
    for (const rel of MINIS) {
      const name = rel.split('/').pop()!;
      const o = outcomes.find((v) => v.source.endsWith(name));
      if (!o?.entry) {
        check(`${name}: compared`, false, o?.error ?? 'no row');
        continue;
      }
      const e = o.entry;
      const lm = loadModelWeights(new Uint8Array(readFileSync(resolve(FIXTURES_DIR, rel))), name, { tests: zoo.test });
      const ref = lm.choice.model.forwardReference({ shape: [1, 3, 224, 224], data: Float64Array.from(x.data) }, lm.params, lm.choice.cfg);
      const want = topK(ref.logits.data, 5).map((t) => t.index);
      const got = e.top.map((t) => t.index);
      // fp32 (GPU) vs float64 may swap classes whose logits tie to ~1e-6; the first three must agree
      check(`${e.id}: top-5 equals the float64 reference in Node (${e.backend})`, got.slice(0, 3).join() === want.slice(0, 3).join() && got.filter((c) => want.includes(c)).length >= 4, `page [${got}] node [${want}]`);
      check(`${e.id}: parameters and MACs are the family's own`, e.paramCount === lm.paramCount && e.macs === lm.choice.model.macs(lm.choice.cfg, 224, 224), `${e.paramCount} params, ${(e.macs / 1e9).toFixed(3)} GMACs`);
      if (e.backend === 'webgpu') {
        check(`${e.id}: batch-1 latency and batch-2 throughput measured`, (e.b1?.medianMs ?? 0) > 0 && (e.bN?.imgPerSec ?? 0) > 0 && e.bN?.batch === 2, `${e.b1?.medianMs.toFixed(1)} ms, ${e.bN?.imgPerSec.toFixed(2)} img/s`);
      } else {
        check(`${e.id}: no WebGPU forward, said so`, e.notes.some((n) => /CPU reference/.test(n)), e.notes.join('; '));
      }
    }
    const rows = await page.$$eval('[data-testid=compare-models-table] tbody tr[data-model]', (els) => els.map((r) => r.getAttribute('data-model')));
    check('the table shows every model', rows.length === MINIS.length, rows.join(', '));

    // --- notebooks/classify.md: a mini dropped into its classify cell, on the notebook's photo ------
    await page.goto(`${base}/#nb=classify`);
    await page.waitForSelector('[data-testid=classify-view] [data-testid=weights-drop]', { timeout: 120_000 });
    const noWeights = (await page.textContent('[data-testid=classify-view]')) ?? '';
    check('the classify notebook preselects ViG-T and says what to load', /ViG-T/.test(noWeights) && /No weights loaded|Loaded/.test(noWeights), noWeights.slice(0, 120));
    const dt = await page.evaluateHandle(async (url) => {
      const bytes = await (await fetch(url)).arrayBuffer();
      const d = new DataTransfer();
      d.items.add(new File([bytes], 'vig-mini.bare.pth'));
      return d;
    }, `${base}/@fixtures/checkpoints/vig-mini.bare.pth`);
    // the Model select says ViG-T: a strict load would refuse the mini, so let the file decide
    await page.selectOption('[data-testid=classify-view] [data-testid=model-select]', '');
    await page.dispatchEvent('[data-testid=classify-view] [data-testid=weights-drop]', 'drop', { dataTransfer: dt });
    const nbRun = await page
      .waitForFunction(() => (window.__attnLastClassify?.modelId === 'vig-mini' ? window.__attnLastClassify.top5 : null), undefined, { timeout: 300_000 })
      .then((h) => h.jsonValue() as Promise<number[]>, () => null);
    const vigMini = zoo.test.find((t: { id: string }) => t.id === 'vig-mini');
    check('a mini dropped into the notebook\'s classify cell gives the fixture top-5 on chelsea', nbRun?.join() === vigMini.top5.join(), `[${nbRun}]`);
    const overlay = await page.waitForSelector('[data-testid=classify-view] [data-testid=overlay-maps] canvas', { timeout: 180_000 }).then(() => true, () => false);
    check('the notebook shows a layer\'s attention on the photo', overlay);
    await page.screenshot({ path: resolve(art, 'classify-notebook.png'), fullPage: true });
    check('no uncaught page errors', errors.length === 0, errors.join(' | '));
  } finally {
    await browser.close();
    await server.close();
  }
  report.finish();
}

main().catch((e) => report.crash(e));
