/**
 * The command line classifier on the fixture checkpoints (--cpu): its top-5 equals the engine's own
 * forward on the same preprocessed photo, knobs change it and the MACs, and bad files, bad knobs
 * and bad usage end with one line on stderr and a non-zero exit.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { parseArgs, runClassify, UsageError, type CliOptions } from '../../src/cli/classify-cli';
import { decodeImageFile, exifOrientation } from '../../src/cli/node-image';
import { loadModelWeights } from '../../src/models/load';
import { preprocessForEval } from '../../src/image/resize-pil';
import { topK } from '../../src/models/classify';
import { parseZoo } from '../../src/weights/zoo';
import { FIXTURES } from './fixtures';

const ROOT = resolve(__dirname, '../..');
const zoo = JSON.parse(readFileSync(join(ROOT, 'public/zoo.json'), 'utf8')) as unknown;
const ck = (f: string) => join(FIXTURES, 'checkpoints', f);
const tmp = mkdtempSync(join(tmpdir(), 'classify-'));

/** A 40×32 photo-like PNG and the same pixels as a JPEG (quality 95). */
function testImages(): { png: string; jpg: string; rgba: Uint8Array } {
  const w = 40;
  const h = 32;
  const png = new PNG({ width: w, height: h });
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      png.data[i] = (x * 6) & 255;
      png.data[i + 1] = (y * 8) & 255;
      png.data[i + 2] = ((x + y) * 3) & 255;
      png.data[i + 3] = x < 4 ? 128 : 255; // a translucent strip: composited on white
    }
  }
  const pngPath = join(tmp, 'a.png');
  writeFileSync(pngPath, PNG.sync.write(png));
  const jpgPath = join(tmp, 'a.jpg');
  writeFileSync(jpgPath, jpeg.encode({ data: png.data, width: w, height: h }, 95).data);
  return { png: pngPath, jpg: jpgPath, rgba: new Uint8Array(png.data) };
}
const img = testImages();
const opts = (o: Partial<CliOptions>): CliOptions => ({ weights: ck('vig-mini.bare.pth'), images: [img.png], knobs: {}, scope: 'all', json: true, cpu: true, ...o });
const noGpu = async () => null;

describe('arguments', () => {
  it('collects images and knobs; refuses what it does not know', () => {
    const o = parseArgs(['--weights', 'w.pth', '--image', 'a.png', 'b.jpg', '--knob', 'tau=4', '--knob', 'direction=forward', '--scope', 'stage:0', '--json', '--cpu']);
    expect(o).toMatchObject({ weights: 'w.pth', images: ['a.png', 'b.jpg'], knobs: { tau: '4', direction: 'forward' }, scope: 'stage:0', json: true, cpu: true });
    expect(() => parseArgs(['--image', 'a.png'])).toThrow(/--weights FILE is required/);
    expect(() => parseArgs(['--weights', 'w'])).toThrow(/--image is required/);
    expect(() => parseArgs(['--weights', 'w', '--image', 'a', '--knob', 'tau'])).toThrow(/expected name=value/);
    expect(() => parseArgs(['--weights', 'w', '--image', 'a', '--frobnicate'])).toThrow(UsageError);
  });
});

describe('decoding', () => {
  it('PNG alpha is composited on white; JPEG decodes to the same picture', () => {
    const p = decodeImageFile(readFileSync(img.png), 'a.png');
    expect([p.width, p.height]).toEqual([40, 32]);
    expect(p.data[0]).toBe(Math.round(0 * 0.502 + 255 * (1 - 128 / 255))); // x = 0: R 0 at alpha 128
    const j = decodeImageFile(readFileSync(img.jpg), 'a.jpg');
    let err = 0;
    // JPEG drops alpha: compare right of the translucent strip
    for (let y = 0; y < 32; y++) for (let x = 6; x < 40; x++) for (let c = 0; c < 3; c++) err = Math.max(err, Math.abs(j.data[(y * 40 + x) * 3 + c] - p.data[(y * 40 + x) * 3 + c]));
    expect(err).toBeLessThan(24);
    expect(() => decodeImageFile(new TextEncoder().encode('hello'), 'x.png')).toThrow(/not a PNG or JPEG/);
    // EXIF orientation 6 (rotate 90° clockwise to view): an APP1 segment after SOI, little-endian TIFF
    const raw = readFileSync(img.jpg);
    const tiff = [0x49, 0x49, 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0];
    const app1 = [0xff, 0xe1, 0, 2 + 6 + tiff.length, ...Array.from('Exif\0\0', (ch) => ch.charCodeAt(0)), ...tiff];
    const rotated = new Uint8Array([...raw.subarray(0, 2), ...app1, ...raw.subarray(2)]);
    expect(exifOrientation(rotated)).toBe(6);
    const r = decodeImageFile(rotated, 'r.jpg');
    expect([r.width, r.height]).toEqual([32, 40]);
    // the upright picture's top-left pixel is the stored picture's bottom-left one
    expect(Array.from(r.data.subarray(0, 3))).toEqual(Array.from(j.data.subarray(31 * 40 * 3, 31 * 40 * 3 + 3)));
    expect(exifOrientation(raw)).toBe(1);
    expect(() => decodeImageFile(readFileSync(img.png).subarray(0, 60), 'cut.png')).toThrow(/cannot decode/);
  });
});

describe('classify on fixture checkpoints (CPU)', () => {
  it('vig-mini: top-5 = the engine forward; a knob changes it, MACs follow', async () => {
    const r = await runClassify(opts({}), zoo, noGpu);
    expect(r.model).toBe('vig-mini');
    expect(r.device).toMatch(/^cpu/);
    // the same thing done by hand with the engine
    const m = loadModelWeights(new Uint8Array(readFileSync(ck('vig-mini.bare.pth'))), 'vig-mini.bare.pth', { tests: parseZoo(zoo).test });
    const t = preprocessForEval(decodeImageFile(readFileSync(img.png), 'a.png'), m.choice.model.inputSize(m.choice.cfg)).tensor;
    const logits = m.choice.model.forwardReference({ shape: t.shape, data: Float64Array.from(t.data) }, m.params, m.choice.cfg).logits.data;
    expect(r.images[0].top5).toEqual(topK(logits).map(({ index, label, p }) => ({ index, label, p })));
    expect(r.macs).toBe(m.choice.model.macs(m.choice.cfg));
    const k = await runClassify(opts({ knobs: { tau: '2', locality: 'full' }, scope: 'block:1' }), zoo, noGpu);
    expect(k.knobs).toEqual({ scope: 'block:1', values: { tau: 2, locality: 'full' } });
    expect(k.images[0].top5.map((s) => s.p)).not.toEqual(r.images[0].top5.map((s) => s.p));
  }, 120_000);

  it('litv2-mini (training checkpoint layout): ws knob changes the MACs', async () => {
    const r = await runClassify(opts({ weights: ck('litv2-mini.train.pth'), images: [img.jpg], knobs: { ws: '1' } }), zoo, noGpu);
    expect(r.model).toBe('litv2-mini');
    expect(r.images[0].top5).toHaveLength(5);
    expect(r.macs).not.toBe(r.officialMacs);
  }, 120_000);

  it('bad files and bad knobs are refused with one line', async () => {
    const fails = async (o: Partial<CliOptions>) => {
      try {
        await runClassify(opts(o), zoo, noGpu);
      } catch (e) {
        const msg = (e as Error).message;
        expect(msg.split('\n')).toHaveLength(1);
        return msg;
      }
      throw new Error('expected a failure');
    };
    expect(await fails({ weights: ck('truncated.pth') })).toMatch(/truncated/);
    expect(await fails({ weights: ck('hostile.pth') })).toMatch(/hostile\.pth/);
    expect(await fails({ weights: ck('not-a-checkpoint.pth') })).toMatch(/not-a-checkpoint/);
    expect(await fails({ weights: join(tmp, 'missing.pth') })).toMatch(/no such file/);
    expect(await fails({ images: [join(tmp, 'nope.png')] })).toMatch(/image .*nope\.png: no such file/);
    expect(await fails({ knobs: { ws: '2' } })).toMatch(/unknown knob 'ws'/);
    expect(await fails({ knobs: { tau: '-1' } })).toMatch(/tau: -1 is outside/);
    expect(await fails({ knobs: { direction: 'up' } })).toMatch(/not one of forward, backward, both/);
    expect(await fails({ knobs: { tau: '4' }, scope: 'stage:7' })).toMatch(/holds no attention layer/);
    expect(await fails({ scope: 'blocks:1' })).toMatch(/expected all, stage:N or block:N/);
    expect(await fails({ model: 'vig-s' })).toMatch(/vig-s/);
  }, 60_000);
});

describe('npm run classify (spawned)', () => {
  const run = (args: string[]) => spawnSync('npx', ['vite-node', 'scripts/classify.ts', '--', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  it('prints JSON top-5 with MACs; a bad knob exits 1 with one line', () => {
    const ok = run(['--weights', ck('vig-mini.bare.pth'), '--image', img.png, '--knob', 'direction=backward', '--json', '--cpu']);
    expect(ok.status, ok.stderr).toBe(0);
    const j = JSON.parse(ok.stdout) as { macs: number; images: Array<{ image: string; top5: Array<{ index: number; label: string; p: number }> }> };
    expect(j.macs).toBeGreaterThan(0);
    expect(j.images[0].top5).toHaveLength(5);
    expect(j.images[0].top5[0]).toEqual({ index: expect.any(Number), label: expect.any(String), p: expect.any(Number) });
    const bad = run(['--weights', ck('vig-mini.bare.pth'), '--image', img.png, '--knob', 'tau=zero', '--cpu']);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr.trim().split('\n').filter((l) => l.startsWith('classify:'))).toEqual(["classify: knob tau: 'zero' is not a number"]);
  }, 300_000);
});
