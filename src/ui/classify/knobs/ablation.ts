/**
 * A paper-style ablation on the user's photos: for each value of one knob (in one scope), the
 * whole network's forward on every photo, against the official setting on the same photos —
 * top-1 agreement with the official prediction, the mean probability of each photo's official
 * top-1 class, the mean KL(official ‖ knob), the MACs per image and the GPU time per image.
 * Photos go through the GPU in batches; the forward is injected (tests use the CPU reference).
 */
import { softmaxProbs } from '../../../models/classify';
import type { KnobScope, KnobSetting, KnobValue, NetworkKnob } from '../../../models/knobs';
import { klDivergence } from './compare';
import { argmax } from '../../../tensor/tensor';
import { formatKnobValue, sameValue } from './net-knobs';

export interface AblationRow {
  value: KnobValue;
  official: boolean;
  photos: number;
  /** fraction of photos whose top-1 equals the official setting's */
  top1Agree: number;
  /** mean over photos of p(official top-1 class) at this value */
  meanPOfficial: number;
  /** mean over photos of KL(official ‖ this value), nats */
  meanKL: number;
  /** MACs of one image at this value */
  macs: number;
  /** GPU ms per image (timestamps, else wall) */
  msPerImage: number;
  timeSource: 'timestamp' | 'wall';
}

/** One batched forward: logits [n, classes] and its time. */
export type BatchForward = (x: Float32Array, n: number, setting: KnobSetting) => Promise<{ logits: Float32Array | Float64Array; ms: number; timeSource: 'timestamp' | 'wall' }>;

export interface AblationInput {
  knob: NetworkKnob;
  values: readonly KnobValue[];
  scope: KnobScope;
  /** one [3,S,S] input per photo */
  inputs: readonly Float32Array[];
  forward: BatchForward;
  macs(setting: KnobSetting): number;
  /** photos per forward */
  batch?: number;
  signal?: AbortSignal;
  onRow?(row: AblationRow, done: number, total: number): void;
}

/**
 * The values a knob takes in an ablation: a list `1, 2, 4` or a range `start:stop:step` (inclusive)
 * for sliders, option names for choices, on/off for toggles; empty text = the knob's useful set.
 * Values outside the knob's range or unknown options are refused with one line.
 */
export function ablationValues(knob: NetworkKnob, text: string): KnobValue[] {
  const t = text.trim();
  if (knob.kind === 'choice') {
    const opts = knob.options ?? [];
    if (!t) return [...opts];
    const vs = t.split(/[,\s]+/).filter(Boolean);
    const bad = vs.filter((v) => !opts.includes(v));
    if (bad.length) throw new Error(`${knob.label}: unknown value ${bad.join(', ')} (one of ${opts.join(', ')})`);
    return vs;
  }
  if (knob.kind === 'toggle') {
    if (!t) return [true, false];
    return t.split(/[,\s]+/).filter(Boolean).map((v) => {
      if (/^(on|true|1)$/i.test(v)) return true;
      if (/^(off|false|0)$/i.test(v)) return false;
      throw new Error(`${knob.label}: '${v}' is not on or off`);
    });
  }
  const lo = knob.min ?? -Infinity;
  const hi = knob.max ?? Infinity;
  let vs: number[];
  if (!t) vs = defaultSliderValues(knob);
  else if (/^[^,]*:[^,]*:[^,]*$/.test(t)) {
    const [a, b, s] = t.split(':').map((x) => Number(x.trim()));
    if (![a, b, s].every(Number.isFinite) || s <= 0 || b < a) throw new Error(`${knob.label}: a range is start:stop:step with step > 0 and stop ≥ start, not '${t}'`);
    if ((b - a) / s > 200) throw new Error(`${knob.label}: ${t} has more than 200 values`);
    vs = [];
    for (let i = 0; a + i * s <= b + 1e-9 * Math.max(1, Math.abs(b)); i++) vs.push(Number((a + i * s).toPrecision(12)));
  } else {
    vs = t.split(/[,\s]+/).filter(Boolean).map((x) => {
      const v = Number(x);
      if (!Number.isFinite(v)) throw new Error(`${knob.label}: '${x}' is not a number`);
      return v;
    });
  }
  const out = vs.filter((v) => v < lo || v > hi);
  if (out.length) throw new Error(`${knob.label}: ${out.join(', ')} outside ${lo} … ${hi}`);
  return [...new Set(vs)];
}

/** A slider's default sweep: the official value and a spread around it over the range (log-spaced for log knobs). */
function defaultSliderValues(k: NetworkKnob): number[] {
  const lo = k.min ?? 0;
  const hi = k.max ?? 1;
  const step = k.step ?? 0;
  const n = 6;
  const raw = Array.from({ length: n }, (_, i) => (k.log && lo > 0 ? lo * (hi / lo) ** (i / (n - 1)) : lo + ((hi - lo) * i) / (n - 1)));
  const snapped = raw.map((v) => (step > 0 ? Math.round((v - lo) / step) * step + lo : v)).map((v) => Number(Math.min(hi, Math.max(lo, v)).toPrecision(6)));
  const off = typeof k.official === 'number' ? [k.official] : [];
  return [...new Set([...snapped, ...off])].sort((a, b) => a - b);
}

export async function runAblation(inp: AblationInput): Promise<AblationRow[]> {
  const batch = Math.max(1, inp.batch ?? 8);
  const n = inp.inputs.length;
  if (!n) throw new Error('no photos to ablate on');
  const per = inp.inputs[0].length;
  const run = async (setting: KnobSetting) => {
    const logits: Float64Array[] = [];
    let ms = 0;
    let timeSource: 'timestamp' | 'wall' = 'timestamp';
    for (let s = 0; s < n; s += batch) {
      if (inp.signal?.aborted) throw new DOMException('ablation cancelled', 'AbortError');
      const m = Math.min(batch, n - s);
      const x = new Float32Array(m * per);
      for (let i = 0; i < m; i++) x.set(inp.inputs[s + i], i * per);
      const out = await inp.forward(x, m, setting);
      const k = out.logits.length / m;
      for (let i = 0; i < m; i++) logits.push(Float64Array.from(out.logits.subarray(i * k, (i + 1) * k)));
      ms += out.ms;
      if (out.timeSource === 'wall') timeSource = 'wall';
    }
    return { logits, ms, timeSource };
  };
  const settingFor = (v: KnobValue): KnobSetting => (sameValue(v, inp.knob) ? { values: {}, scope: inp.scope } : { values: { [inp.knob.key]: v }, scope: inp.scope });
  const base = await run({ values: {}, scope: 'all' });
  const baseP = base.logits.map((l) => softmaxProbs(l));
  const baseTop = base.logits.map((l) => argmax(l));
  const rows: AblationRow[] = [];
  for (const [vi, value] of inp.values.entries()) {
    const setting = settingFor(value);
    const official = Object.keys(setting.values).length === 0;
    const r = official ? base : await run(setting);
    let agree = 0;
    let pSum = 0;
    let klSum = 0;
    r.logits.forEach((l, i) => {
      const p = softmaxProbs(l);
      if (argmax(l) === baseTop[i]) agree++;
      pSum += p[baseTop[i]];
      klSum += klDivergence(baseP[i], p);
    });
    const row: AblationRow = { value, official, photos: n, top1Agree: agree / n, meanPOfficial: pSum / n, meanKL: klSum / n, macs: inp.macs(setting), msPerImage: r.ms / n, timeSource: r.timeSource };
    rows.push(row);
    inp.onRow?.(row, vi + 1, inp.values.length);
  }
  return rows;
}

const csvCell = (v: string | number | boolean): string => {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** The table as CSV (one header line, one line per value); `#` lines above it say what was run. */
export function ablationCsv(rows: readonly AblationRow[], meta: { model: string; weights: string; knob: NetworkKnob; scope: string; photos: readonly string[] }): string {
  const head = [
    `# model: ${meta.model} (${meta.weights})`,
    `# knob: ${meta.knob.key} (${meta.knob.label}; official ${formatKnobValue(meta.knob.official)}), scope: ${meta.scope}`,
    `# photos (${meta.photos.length}): ${meta.photos.join('; ')}`,
  ];
  const cols = ['value', 'official', 'photos', 'top1_agreement', 'mean_p_official_class', 'mean_kl_nats', 'macs_per_image', 'ms_per_image', 'time_source'];
  const lines = rows.map((r) => [formatKnobValue(r.value), r.official, r.photos, r.top1Agree, r.meanPOfficial, r.meanKL, r.macs, r.msPerImage, r.timeSource].map(csvCell).join(','));
  return [...head, cols.join(','), ...lines].join('\n') + '\n';
}
