/**
 * End-to-end test of knobs on the trained network (issue 13) in the BUILT app: on the Classify page
 * a fixture mini checkpoint is picked from disk and classified; then τ (ViG), the window s (LITv2),
 * θ (VVT) and a Group-Mix segment are moved — each time the top-5, the change against the official
 * setting, the MACs and the layer's map must change (and the ViG top-5 must equal the float64 CPU
 * forward in Node at the same setting) — and one click on reset restores the official top-5,
 * probabilities, MACs and map exactly. Then the multi-photo ablation (the four samples plus two
 * photos picked from disk): its table, and its CSV; and the notebooks: the trained-network view in
 * vig-gating.md on the loaded weights, and hilo-alpha.md's alpha sweep saying none is held.
 * SwiftShader runs the minis slowly (a LITv2/VVT/GroupMixFormer mini forward takes 7–17 s), so the
 * default run does ViG (τ, a choice knob in one block, reset, against the CPU forward), a three-photo
 * ablation and the notebooks (~1 min); ATTN_SLOW=1 adds s, θ and a segment on their minis and the
 * samples in the ablation. Screenshots go to artifacts/. Prints `e2e-network-knobs: N passed, N failed`.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { art, createReport, root, openPage, startBuiltApp } from './e2e-harness';
import { FIXTURES_DIR } from '../vite.config';
import { loadModelWeights } from '../src/models/load';
import { topK } from '../src/models/classify';
import type { KnobSetting } from '../src/models/knobs';

const report = createReport('e2e-network-knobs');
const SLOW = process.env.ATTN_SLOW === '1';
const check = report.check;
const fixture = (rel: string) => resolve(FIXTURES_DIR, rel);
const zoo = JSON.parse(readFileSync(resolve(root, 'public/zoo.json'), 'utf8'));

interface KnobHook {
  seq: number;
  model: string;
  setting: string;
  official: boolean;
  top5: number[];
  probs: number[];
  macs: number;
  officialMacs: number;
  gpuMs: number;
  delta: { officialTop1: number; pOfficial: number; pKnob: number; rank: number; kl: number; knobTop1: number };
  site: number;
}

async function knobHook(page: Page): Promise<KnobHook | null> {
  return page.evaluate(() => (window.__attnLastKnob ? { ...window.__attnLastKnob } : null));
}

/** Waits until the knob panel shows the setting `key` with nothing pending, and the overlay drew the same setting. */
let model = '';
async function waitSetting(page: Page, key: string, timeout = 180_000): Promise<{ knob: KnobHook; map: number[] } | null> {
  try {
    await page.waitForFunction(
      ([k, m]) => {
        const el = document.querySelector('[data-testid=network-knobs]');
        return el?.getAttribute('data-setting') === k && el.getAttribute('data-pending') === 'false' && window.__attnLastKnob?.setting === k && window.__attnLastKnob.model === m;
      },
      [key, model] as const,
      { timeout },
    );
    // the overlay redraws after the forward: wait until it drew this model at this setting
    const label = await page.evaluate(() => document.querySelector('[data-testid=knob-delta] td')?.textContent ?? '');
    await page.waitForFunction(([l, m]) => window.__attnLastOverlay?.setting === l && window.__attnLastOverlay.model === m, [label, model] as const, { timeout: 60_000 });
  } catch (e) {
    console.log(`     (waiting for setting ${key}: ${(e as Error).message.split('\n')[0]})`);
    return null;
  }
  const knob = (await knobHook(page))!;
  const map = await page.evaluate(() => window.__attnLastOverlay?.first ?? []);
  return { knob, map };
}

async function loadCheckpoint(page: Page, file: string, id: string): Promise<void> {
  model = id;
  await page.setInputFiles('[data-testid=weights-input]', fixture(file));
  await page.waitForFunction((i) => (document.querySelector('[data-testid=loaded-model]')?.textContent ?? '').includes(i), id, { timeout: 60_000 });
  await page.waitForSelector('[data-testid=network-knobs]', { timeout: 180_000 });
}

/** Sets a slider knob by its typed-value box (as a user typing a value and pressing Enter). */
async function setSlider(page: Page, key: string, v: number): Promise<void> {
  const box = page.locator(`[data-testid=knob-${key}] input.slider-input`);
  await box.fill(String(v));
  await box.press('Enter');
}

const same = (a: number[], b: number[]) => a.length === b.length && a.every((v, i) => v === b[i]);
const maxDiff = (a: number[], b: number[]) => (a.length !== b.length ? Infinity : a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0));

/** The CPU float64 forward of the fixture checkpoint in Node on the page's input, at a setting. */
function cpuTop5(file: string, input: number[], setting: KnobSetting | undefined): { top5: number[]; probs: number[] } {
  const lm = loadModelWeights(new Uint8Array(readFileSync(fixture(file))), file, { tests: zoo.test });
  const out = lm.choice.model.forwardReference({ shape: [1, 3, 224, 224], data: Float64Array.from(input) }, lm.params, lm.choice.cfg, setting);
  const t = topK(out.logits.data, 5);
  return { top5: t.map((c) => c.index), probs: t.map((c) => c.p) };
}

/** One family: move a knob, see top-5 / MACs / map change (as `expect` says), reset, see them restored. */
interface RolloutHook {
  seq: number;
  model: string;
  setting: string;
  query: number;
  layers: number;
  sum: number;
  values: number[];
}

/** The rollout drawn for this model at setting `key` (the knob hooks' 'official' is the rollout's ''). */
async function waitRollout(page: Page, key: string, after = 0): Promise<RolloutHook | null> {
  return page
    .waitForFunction(([k, m, a]) => {
      const r = window.__attnLastRollout;
      return r && r.model === m && (r.setting || 'official') === k && r.seq > a ? r : null;
    }, [key, model, after] as const, { timeout: 180_000 })
    .then((h) => h.jsonValue() as Promise<RolloutHook>)
    .catch(() => null);
}

async function knobRound(page: Page, name: string, move: () => Promise<void>, key: string, expect: { macs: 'same' | 'change'; cpu?: { file: string; setting: KnobSetting } }): Promise<void> {
  const off = await waitSetting(page, 'official');
  check(`${name}: the official setting runs on load (top-5, MACs, map)`, off !== null && off.knob.top5.length === 5 && off.knob.macs === off.knob.officialMacs && off.map.length > 0, off ? `[${off.knob.top5}] ${off.knob.macs} MACs` : 'timed out');
  if (!off) return;
  const rOff = await waitRollout(page, 'official');
  check(`${name}: the attention rollout is drawn with its definition`, rOff !== null && Math.abs(rOff.sum - 1) < 1e-4 && rOff.layers > 0 && /Rollout = /.test((await page.textContent('[data-testid=rollout-definition]')) ?? ''),
    rOff ? `${rOff.layers} layers, Σ = ${rOff.sum.toFixed(6)}` : 'timed out');
  await move();
  const moved = await waitSetting(page, key);
  check(`${name}: the knob runs the network at ${key}`, moved !== null, moved?.knob.setting);
  if (!moved) return;
  const state = (await page.textContent('[data-testid=knob-state]')) ?? '';
  check(`${name}: the panel says the setting left the trained one`, /off the trained setting/.test(state), state);
  check(`${name}: the probabilities change (KL > 0)`, maxDiff(moved.knob.probs, off.knob.probs) > 1e-6 && moved.knob.delta.kl > 0, `p₁ ${off.knob.probs[0].toFixed(4)} → ${moved.knob.probs[0].toFixed(4)}, KL ${moved.knob.delta.kl.toExponential(2)}, official top-1 rank ${moved.knob.delta.rank}`);
  const macsOk = expect.macs === 'same' ? moved.knob.macs === off.knob.macs : moved.knob.macs !== off.knob.macs;
  check(`${name}: MACs ${expect.macs === 'same' ? 'stay (the knob only re-weights)' : 'change'}`, macsOk, `${off.knob.macs} → ${moved.knob.macs}`);
  check(`${name}: the layer's map changes`, maxDiff(moved.map, off.map) > 1e-6, `max |Δ| ${maxDiff(moved.map, off.map).toExponential(2)}`);
  check(`${name}: the time is measured`, moved.knob.gpuMs > 0, `${moved.knob.gpuMs.toFixed(2)} ms`);
  const rMoved = await waitRollout(page, key);
  check(`${name}: the rollout changes`, rOff !== null && rMoved !== null && maxDiff(rMoved.values, rOff.values) > 1e-9, rMoved && rOff ? `max |Δ| ${maxDiff(rMoved.values, rOff.values).toExponential(2)}` : 'timed out');
  if (expect.cpu) {
    const input = await page.evaluate(() => Array.from(window.__attnLastClassify?.input ?? []));
    const cpu = cpuTop5(expect.cpu.file, input, expect.cpu.setting);
    check(`${name}: the top-5 equals the float64 CPU forward at the same setting`, same(cpu.top5, moved.knob.top5) && maxDiff(cpu.probs, moved.knob.probs) < 1e-3, `GPU [${moved.knob.top5}] CPU [${cpu.top5}], max |Δp| ${maxDiff(cpu.probs, moved.knob.probs).toExponential(2)}`);
  }
  await page.screenshot({ path: resolve(art, `network-knobs-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.png`), fullPage: true });
  const seqBefore = rMoved?.seq ?? 0;
  await page.click('[data-testid=knob-reset]');
  const back = await waitSetting(page, 'official');
  const rBack = await waitRollout(page, 'official', seqBefore);
  check(`${name}: reset restores the rollout exactly`, rOff !== null && rBack !== null && maxDiff(rBack.values, rOff.values) === 0, rBack && rOff ? `max |Δ| ${maxDiff(rBack.values, rOff.values)}` : 'timed out');
  check(`${name}: reset restores the official top-5, probabilities, MACs and map exactly`,
    back !== null && same(back.knob.top5, off.knob.top5) && same(back.knob.probs, off.knob.probs) && back.knob.macs === off.knob.macs && same(back.map, off.map),
    back ? `[${back.knob.top5}] max |Δmap| ${maxDiff(back.map, off.map)}` : 'timed out');
}

async function main() {
  const app = await startBuiltApp();
  const { url } = app;
  try {
    const { context, watch, page, errors } = await openPage(app.browser, { viewport: { width: 1280, height: 1100 } });
    await page.goto(`${url}#classify`);
    await page.waitForSelector('[data-testid=classify-panel]', { timeout: 60_000 });
    const gpuReady = await page.waitForFunction(() => /WebGPU:/.test(document.querySelector('[data-testid=gpu-status]')?.textContent ?? '') || null, undefined, { timeout: 60_000 }).then(() => true, () => false);
    check('WebGPU is available (knobs on the network run on it)', gpuReady);
    if (!gpuReady) report.finish();
    await page.click('[data-sample="chelsea.png"]');

    // --- ViG: τ, against the float64 CPU forward in Node; scope; reset ------------------------------
    await loadCheckpoint(page, 'checkpoints/vig-mini.bare.pth', 'vig-mini');
    const knobs = await page.$$eval('[data-testid=knob-controls] .knob', (els) => els.map((e) => e.getAttribute('data-testid')));
    check('ViG offers τ, scan direction and locality injection', knobs.join(',') === 'knob-tau,knob-direction,knob-locality', knobs.join(','));
    const help = (await page.getAttribute('[data-testid=knob-help-tau]', 'title')) ?? '';
    check('each knob has its exact semantics as a tooltip', /gate_logit_normalizer/.test(help), help.slice(0, 90));
    const scopes = await page.$$eval('[data-testid=knob-scope] option', (els) => els.map((e) => (e as HTMLOptionElement).value));
    check('the scope picker offers all, each stage and each block', scopes[0] === 'all' && scopes.some((s) => s.startsWith('stage:')) && scopes.some((s) => s.startsWith('block:')), scopes.join(' '));
    await knobRound(page, 'ViG tau', () => setSlider(page, 'tau', 2), 'all|tau=2', { macs: 'same', cpu: { file: 'checkpoints/vig-mini.bare.pth', setting: { values: { tau: 2 }, scope: 'all' } } });
    // direction + one block
    await page.selectOption('[data-testid=knob-direction] select', 'forward');
    await page.selectOption('[data-testid=knob-scope]', 'block:0');
    const blk = await waitSetting(page, 'block:0|direction=forward');
    const stateText = (await page.textContent('[data-testid=knob-delta]')) ?? '';
    check('a choice knob in one block only runs (scope named in the setting)', blk !== null && /scan direction = forward/.test(stateText) && /block 0 only/.test(stateText), stateText.slice(0, 120));
    await page.click('[data-testid=knob-reset]');
    await waitSetting(page, 'official');
    const r0 = await waitRollout(page, 'official');
    const rc = await page.$('[data-testid=rollout-map] canvas');
    const rbox = await rc?.boundingBox();
    if (rc && rbox && r0) {
      const knobSeq = (await knobHook(page))?.seq;
      await rc.click({ position: { x: rbox.width * 0.1, y: rbox.height * 0.1 } });
      const r1 = await page.waitForFunction((q) => (window.__attnLastRollout && window.__attnLastRollout.query !== q ? window.__attnLastRollout.query : null), r0.query, { timeout: 120_000 }).then((h) => h.jsonValue()).catch(() => null);
      check('a click on the rollout map moves its query (no new forward)', r1 !== null && (await knobHook(page))?.seq === knobSeq, `query ${r0.query} → ${r1}`);
      await page.locator('[data-testid=network-knobs]').screenshot({ path: resolve(art, 'network-knobs-rollout.png') });
    } else check('a click on the rollout map moves its query (no new forward)', false, 'no rollout map');

    // --- the multi-photo ablation on ViG: τ at two values over several photos ----------------------------
    const nPhotos = SLOW ? 7 : 3;
    if (SLOW) await page.click('[data-testid=ablation-samples]');
    await page.setInputFiles('[data-testid=ablation-input]', [resolve(FIXTURES_DIR, '../images/coffee.png'), resolve(FIXTURES_DIR, '../images/rocket.jpg')]);
    const dropped = [...readFileSync(resolve(FIXTURES_DIR, '../images/astronaut.png'))];
    await page.evaluate((b) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(b)], 'astronaut.png', { type: 'image/png' }));
      dt.items.add(new File(['not an image'], 'notes.txt', { type: 'text/plain' }));
      const zone = document.querySelector('[data-testid=ablation-drop]')!;
      zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, dropped);
    const count = await page
      .waitForFunction((n) => Number(document.querySelector('[data-testid=ablation-photos]')?.getAttribute('data-count')) === n && !/decoding/.test(document.querySelector('[data-testid=ablation-photos]')?.textContent ?? ''), nPhotos, { timeout: 60_000 })
      .then(() => true, () => false);
    const names = (await page.textContent('[data-testid=ablation-photos]')) ?? '';
    check(`photos are added by a multi-selection and a drop${SLOW ? ' and the samples button' : ''} (a non-image is skipped)`, count && /skipped/.test((await page.textContent('[data-testid=ablation]')) ?? ''), names.slice(0, 120));
    if (SLOW) check('a name seen twice is kept apart', /coffee\.png \(2\)/.test(names), names.slice(0, 160));
    await page.selectOption('[data-testid=ablation-knob]', 'tau');
    await page.fill('[data-testid=ablation-values]', '0');
    const badValues = (await page.textContent('[data-testid=ablation-values-error]').catch(() => '')) ?? '';
    check('a value outside the knob range is refused in one line', /outside 1 … 256/.test(badValues), badValues);
    await page.fill('[data-testid=ablation-values]', '1, 16');
    await page.click('[data-testid=ablation-run]');
    const abl = await page
      .waitForFunction(() => window.__attnLastAblation ?? null, undefined, { timeout: 300_000 })
      .then((h) => h.jsonValue() as Promise<NonNullable<Window['__attnLastAblation']>>)
      .catch(() => null);
    check('the ablation runs every value on every photo', abl !== null && abl.photos === nPhotos && abl.rows.length === 2, abl ? `${abl.rows.length} values × ${abl.photos} photos` : 'timed out');
    if (abl) {
      const official = abl.rows.find((r) => r.official);
      const other = abl.rows.find((r) => !r.official);
      check('the official row agrees with itself on every photo', official?.top1Agree === 1 && official.meanKL === 0, JSON.stringify(official));
      check('the other row reports agreement, p(official class), KL, MACs and time', other !== undefined && other.top1Agree >= 0 && other.top1Agree <= 1 && other.meanPOfficial > 0 && other.meanKL > 0 && other.macs > 0 && other.msPerImage > 0,
        other ? `agreement ${other.top1Agree}, p ${other.meanPOfficial.toFixed(4)}, KL ${other.meanKL.toExponential(2)}` : '');
      const lines = abl.csv.trim().split('\n');
      check('the CSV has what was run and one line per value', lines.some((l) => l.startsWith(`# photos (${nPhotos})`)) && lines.filter((l) => !l.startsWith('#')).length === 3, lines[lines.length - 1]);
      const cells = await page.$$eval('[data-testid=ablation-table] tbody tr', (rs) => rs.map((r) => r.getAttribute('data-value')));
      check('the table shows one row per value', cells.join(',') === '1,16', cells.join(','));
      const dl = page.waitForEvent('download', { timeout: 10_000 }).catch(() => null);
      await page.click('[data-testid=ablation-csv]');
      const file = await dl;
      check('Export CSV downloads the table', file !== null && /\.csv$/.test(file.suggestedFilename()), file?.suggestedFilename());
    }
    await page.locator('[data-testid=ablation]').screenshot({ path: resolve(art, 'network-knobs-ablation.png') });

    // --- the trained-network view of vig-gating.md on the weights loaded here -------------------------------
    await page.goto(`${url}#nb=vig-gating`);
    await page.waitForSelector('[data-testid=network-view]', { timeout: 60_000 });
    const tv = await page.waitForSelector('[data-testid=trained-network]', { timeout: 180_000 }).catch(() => null);
    check('vig-gating.md: the trained-network section uses the loaded ViG weights', tv !== null && (await tv.getAttribute('data-model')) === 'vig-mini');
    if (tv) {
      await page.waitForSelector('[data-testid=network-view] [data-testid=knob-outcome]', { timeout: 180_000 }).catch(() => null);
      await page.locator('[data-testid=network-view]').screenshot({ path: resolve(art, 'network-knobs-notebook-vig-gating.png') });
    }
    await page.goto(`${url}#nb=hilo-alpha`);
    const none = await page.waitForSelector('[data-testid=alpha-sweep-none]', { timeout: 60_000 }).catch(() => null);
    check('hilo-alpha.md: the alpha sweep says plainly that none is held', none !== null && /holds none of the 7/.test((await none.textContent()) ?? ''));
    await page.locator('[data-testid=alpha-sweep-view]').screenshot({ path: resolve(art, 'network-knobs-notebook-alpha-sweep.png') });
    // --- no checkpoint: the full-size variant with synthetic weights, labelled --------------------------------
    const fresh = watch(await context.newPage());
    await fresh.goto(`${url}#classify`);
    await fresh.waitForSelector('[data-testid=load-synthetic]', { timeout: 60_000 });
    await fresh.click('[data-testid=load-synthetic]');
    const synth = await fresh.waitForSelector('[data-testid=synthetic-label]', { timeout: 60_000 }).catch(() => null);
    const loadedLine = (await fresh.textContent('[data-testid=loaded-model]').catch(() => '')) ?? '';
    check('without a checkpoint, ViG-T loads full-size with synthetic weights, labelled as such', synth !== null && /vig-t/.test(loadedLine) && /synthetic weights/.test(loadedLine), loadedLine.slice(0, 140));
    await fresh.close();

    if (!SLOW) console.log('     (ATTN_SLOW=1 also moves s on LITv2, θ on VVT and a Group-Mix segment on their minis)');
    if (SLOW) await slowRounds(page, url);
    check('no uncaught page errors', errors.length === 0, errors.join(' | '));
  } finally {
    await app.close();
  }
  report.finish();
}

/** s, θ and a segment on the LITv2, VVT and GroupMixFormer minis (slow on SwiftShader). */
async function slowRounds(page: Page, url: string): Promise<void> {
  await page.goto(`${url}#classify`);
  await page.waitForSelector('[data-testid=classify-panel]', { timeout: 60_000 });

  // --- LITv2: the window size s --------------------------------------------------------------------------
  await loadCheckpoint(page, 'checkpoints/litv2-mini.train.pth', 'litv2-mini');
  await knobRound(page, 'LITv2 ws', () => setSlider(page, 'ws', 1), 'all|ws=1', { macs: 'change' });

  // --- VVT: θ --------------------------------------------------------------------------------------------
  await loadCheckpoint(page, 'checkpoints/vvt-mini.legacy.pth', 'vvt-mini');
  // the slider snaps to its step (π/64) as a user's typed value does
  const theta = Number((Math.round(0.5 / (Math.PI / 64)) * (Math.PI / 64)).toFixed(10));
  await knobRound(page, 'VVT theta', () => setSlider(page, 'theta', 0.5), `all|theta=${theta}`, { macs: 'same' });

  // --- GroupMixFormer: one aggregator segment off -----------------------------------------------------------
  await loadCheckpoint(page, 'models/gmf-mini.pth', 'gmf-mini');
  await knobRound(page, 'GroupMixFormer segment', () => page.uncheck('[data-testid=knob-agg3] input[type=checkbox]'), 'all|agg3=false', { macs: 'change' });
}

main().catch((e) => report.crash(e));
