/**
 * End-to-end tests of the mechanism knobs in the built app's explorer (#explore): HiLo's alpha
 * slider changes the Hi-Fi/Lo-Fi head split, the maps and the MACs exactly as predicted; ViG's τ
 * slider narrows or widens the decay field; Vicinity's θ changes its locality kernel. Keyboard
 * only (WAI-ARIA sliders). Prints `e2e-ops: N passed, N failed`; screenshots in artifacts/.
 */
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { art, createReport, openPage, startBuiltApp } from './e2e-harness';
import { hilo } from '../src/ops/hilo';
import type { HiloConfig } from '../src/ops/hilo/spec';
import { relL2 } from '../src/tensor/tensor';

const report = createReport('e2e-ops');
const check = report.check;

interface LastView {
  op: string;
  cfg: Record<string, number | string>;
  token: number;
  macs: number;
  panels: Array<{ title: string; values: number[] }>;
}
const last = (page: Page) => page.evaluate(() => (window as unknown as { __attnLastView: unknown }).__attnLastView) as Promise<LastView>;

/** Wait until the view reflects a knob value (the explorer recomputes asynchronously). */
async function viewWith(page: Page, op: string, key: string, value: number | string): Promise<LastView> {
  await page.waitForFunction(
    ([o, k, v]) => {
      const l = (window as unknown as { __attnLastView?: { op: string; cfg: Record<string, unknown> } }).__attnLastView;
      return l?.op === o && l.cfg[k as string] === v;
    },
    [op, key, value] as const,
    { timeout: 120_000 },
  ).catch(async (e) => {
    const l = await last(page);
    throw new Error(`view never showed ${key} = ${value} (last: ${l?.op} ${key} = ${String(l?.cfg[key])}): ${(e as Error).message}`);
  });
  return last(page);
}

async function sliderKeys(page: Page, label: string, keys: string[]) {
  const thumb = page.getByRole('slider', { name: label });
  await thumb.focus();
  for (const k of keys) await thumb.press(k);
}

const mass = (v: number[]) => v.reduce((a, b) => a + b, 0);

async function main() {
  const app = await startBuiltApp();
  const { url } = app;
  try {
    const { page, errors } = await openPage(app.browser, { viewport: { width: 1280, height: 1000 } });
    await page.goto(`${url}#explore`);
    await page.waitForSelector('[data-testid=gpu-status]', { timeout: 60_000 });
    await page.click('[data-sample="chelsea.png"]');
    await page.waitForSelector('[data-testid=maps] canvas', { timeout: 120_000 });

    // HiLo: alpha 0.9 → 12·0.9 = 10.8 → 10 Lo-Fi heads, 2 Hi-Fi.
    await page.selectOption('[data-testid=op-select]', 'hilo');
    let v = await viewWith(page, 'hilo', 'alpha', 0.9);
    const count = (lv: LastView, re: RegExp) => lv.panels.filter((p) => re.test(p.title)).length;
    check('alpha 0.9: 2 Hi-Fi and 10 Lo-Fi head maps', count(v, /Hi-Fi/) === 2 && count(v, /Lo-Fi/) === 10, `${count(v, /Hi-Fi/)} / ${count(v, /Lo-Fi/)}`);
    check('alpha 0.9: MACs = the official count', v.macs === hilo.macs(v.cfg as unknown as HiloConfig), String(v.macs));
    const before = v;
    // Home → alpha 0, then 10 steps of 0.05 → 0.5: int(12·0.5) = 6 Lo-Fi heads.
    await sliderKeys(page, 'alpha (Lo-Fi share of heads)', ['Home', ...Array(10).fill('ArrowRight')]);
    v = await viewWith(page, 'hilo', 'alpha', 0.5);
    check('alpha 0.5 (keyboard): 6 Hi-Fi and 6 Lo-Fi head maps', count(v, /Hi-Fi/) === 6 && count(v, /Lo-Fi/) === 6, `${count(v, /Hi-Fi/)} / ${count(v, /Lo-Fi/)}`);
    check('alpha 0.5: MACs changed and equal the official count', v.macs !== before.macs && v.macs === hilo.macs(v.cfg as unknown as HiloConfig), `${before.macs} → ${v.macs}`);
    check('alpha 0.5: the head-mean map changed', relL2(v.panels[0].values, before.panels[0].values) > 1e-3);
    await page.screenshot({ path: resolve(art, 'e2e-ops-hilo.png'), fullPage: true });
    await sliderKeys(page, 'alpha (Lo-Fi share of heads)', ['Home']);
    v = await viewWith(page, 'hilo', 'alpha', 0);
    check('alpha 0: Hi-Fi heads only', count(v, /Lo-Fi/) === 0 && count(v, /Hi-Fi/) === 12);

    // ViG: lower τ → sharper decay → the decay field around the token shrinks; higher τ widens it.
    await page.selectOption('[data-testid=op-select]', 'gla');
    v = await viewWith(page, 'gla', 'tau', 16);
    const field = (lv: LastView) => mass(lv.panels.find((p) => /decay field, forward/.test(p.title))!.values);
    const f16 = field(v);
    await sliderKeys(page, 'gate temperature τ', ['Home']);
    v = await viewWith(page, 'gla', 'tau', 1);
    const f1 = field(v);
    await page.screenshot({ path: resolve(art, 'e2e-ops-gla-tau1.png'), fullPage: true });
    await sliderKeys(page, 'gate temperature τ', ['End']);
    v = await viewWith(page, 'gla', 'tau', 256);
    const f256 = field(v);
    check('τ 16 → 1 narrows the forward decay field', f1 < f16, `${f16.toFixed(2)} → ${f1.toFixed(2)}`);
    check('τ 16 → 256 widens it', f256 > f16, `${f16.toFixed(2)} → ${f256.toFixed(2)}`);
    check('leaving the trained τ is flagged next to the knob', (await page.textContent('.op-explorer'))!.includes('left the trained setting'));

    // Vicinity: θ changes the locality kernel around the token.
    await page.selectOption('[data-testid=op-select]', 'vicinity');
    v = await viewWith(page, 'vicinity', 'theta', Math.PI / 2);
    const loc = (lv: LastView) => lv.panels.find((p) => /locality/.test(p.title))!.values;
    const l0 = loc(v);
    await sliderKeys(page, 'Manhattan decay: angle range θ', ['End']);
    await page.waitForFunction(() => ((window as unknown as { __attnLastView: { cfg: { theta: number } } }).__attnLastView.cfg.theta > 3), null, { timeout: 120_000 });
    v = await last(page);
    check('θ to its maximum changes the locality kernel (cosines go negative)', relL2(loc(v), l0) > 1e-2 && Math.min(...loc(v)) < 0);
    await page.screenshot({ path: resolve(art, 'e2e-ops-vicinity.png'), fullPage: true });
    check('no uncaught page errors', errors.length === 0, errors.join(' | '));
  } finally {
    await app.close();
  }
  report.finish();
}

main().catch((e) => report.crash(e));
