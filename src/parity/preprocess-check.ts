/**
 * Parity checker for `preprocess/<image>.safetensors`: our PIL-exact resize of the fixture's decoded
 * `rgb` against torchvision's `resized` (/255) and `cropped_normalized`. Errors are measured in
 * pixel units before normalisation (normalised differences × std), so both share the README's
 * 2/255 bound; the notes report them in 1/255 steps (PIL-exact gives 0). CPU only: the resize runs
 * on the CPU in the app too.
 */
import { IMAGENET_STD, type RgbImage } from '../image/pixels';
import { preprocessForEval } from '../image/resize-pil';
import { fixtureTensor, type FixtureFile } from './fixture-file';
import type { CheckResult, FixtureChecker } from './check-file';

const TOL = 2 / 255;
const EVAL_SIZE = 224;

const fmt = (e: number) => `${(e * 255).toFixed(3)}/255`;

export function checkPreprocess(f: FixtureFile): CheckResult {
  const rgbT = fixtureTensor(f, 'rgb');
  const [H, W, C] = rgbT.shape;
  if (C !== 3) throw new Error(`rgb has shape [${rgbT.shape}], expected [H, W, 3]`);
  const img: RgbImage = { width: W, height: H, data: Uint8Array.from(rgbT.data) };
  const out = preprocessForEval(img, { size: EVAL_SIZE, crop: true });
  const notes: string[] = [];
  const fails: string[] = [];

  const refR = fixtureTensor(f, 'resized');
  const [, rh, rw] = refR.shape;
  if (rh !== out.resized.height || rw !== out.resized.width) {
    fails.push(`resized is ${out.resized.height}×${out.resized.width}, fixture ${rh}×${rw}`);
    return { status: 'FAIL', worst: Infinity, notes: fails };
  }
  let errR = 0;
  let exactR = 0;
  const plane = rh * rw;
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < plane; i++) {
      const got = Math.fround(out.resized.data[i * 3 + c] / 255);
      const e = Math.abs(got - refR.data[c * plane + i]);
      if (e === 0) exactR++;
      errR = Math.max(errR, e);
    }
  }
  notes.push(`resized ${rh}×${rw}: max |Δ| ${fmt(errR)}, ${exactR}/${3 * plane} values bit-exact`);

  const meta = f.meta as { crop_top_left?: number[] };
  if (Array.isArray(meta.crop_top_left)) {
    const [t, l] = meta.crop_top_left;
    if (t !== out.crop.top || l !== out.crop.left) fails.push(`crop at [${out.crop.top}, ${out.crop.left}], fixture [${t}, ${l}]`);
  }

  const refN = fixtureTensor(f, 'cropped_normalized');
  const n = out.tensor.data.length;
  if (refN.data.length !== n) {
    fails.push(`cropped_normalized has ${refN.data.length} values, ours ${n}`);
    return { status: 'FAIL', worst: Infinity, notes: [...notes, ...fails] };
  }
  let errN = 0;
  let exactN = 0;
  const cplane = EVAL_SIZE * EVAL_SIZE;
  for (let i = 0; i < n; i++) {
    const d = Math.abs(out.tensor.data[i] - refN.data[i]);
    if (d === 0) exactN++;
    errN = Math.max(errN, d * IMAGENET_STD[Math.floor(i / cplane)]);
  }
  notes.push(`cropped_normalized: max |Δ|·std ${fmt(errN)}, ${exactN}/${n} values bit-exact`);

  const worst = Math.max(errR, errN);
  if (errR > TOL) fails.push(`resized error ${fmt(errR)} > 2/255`);
  if (errN > TOL) fails.push(`cropped_normalized error ${fmt(errN)} > 2/255 (before normalisation)`);
  return { status: fails.length ? 'FAIL' : 'PASS', worst, notes: [...notes, ...fails] };
}

export const preprocessChecker: FixtureChecker = {
  owns: (rel) => rel.startsWith('preprocess/') && rel.endsWith('.safetensors'),
  cpu: (_rel, _bytes, f) => {
    if (!f) return { status: 'FAIL', worst: Infinity, notes: ['not a readable safetensors file'] };
    return checkPreprocess(f);
  },
};
