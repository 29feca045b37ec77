/**
 * Slider → map latency: what both halves of the interaction benchmark share, and the Node half.
 *
 * A slider change in an attention view runs computeOpView (the op with maps for the clicked token
 * only, read back; then the op re-run 3× to measure its time), then React renders the panels and
 * the canvases are drawn. The browser script (scripts/bench-interaction.ts) times the whole path
 * in the built app; benchInteraction() here times computeOpView alone — the GPU share — wherever a
 * GpuContext exists (Node + Dawn on a real GPU, which has no browser), with the same configs and
 * the same alternating knob values.
 */
import type { GpuContext } from '../gpu/context';
import { patchEmbed, type RgbImage } from '../image/pixels';
import { MECHANISMS, opByName } from '../ops/registry';
import type { AnyOp } from '../ops/types';
import { computeOpView } from '../ops/view';
import { settleClocks } from '../gpu/clock-settle';

/** Issue 8's targets for slider → map p95, ms, by grid. */
export const INTERACTION_TARGETS_MS: Record<number, number> = { 14: 16, 56: 50 };

export const INTERACTION_OPS = MECHANISMS;

/** The control moved for each op: a param the op really has, flipped between two values. */
export interface InteractionKnob {
  /** the op config key (and the notebook param's name) */
  key: string;
  label: string;
  /** the notebook param cell (YAML body lines) */
  param: string[];
  /** the value before and after one key press */
  values: [number | boolean, number | boolean];
  /** how the browser script moves it: arrow keys on the slider, or Space on the toggle */
  input: 'slider' | 'toggle';
}

/** The knob moved for each mechanism (tests/node/op-lists.test.ts: one for every one). */
export const INTERACTION_KNOBS: Record<string, InteractionKnob> = {
  // heads must divide the width (64): 4 ↔ 8
  mhsa: { key: 'heads', label: 'heads 4 ↔ 8', param: ['kind: slider', 'min: 4', 'max: 8', 'step: 4', 'value: 4'], values: [4, 8], input: 'slider' },
  // 12 heads: 10 Lo-Fi ↔ 9 Lo-Fi
  hilo: { key: 'alpha', label: 'alpha 0.9 ↔ 0.8', param: ['kind: slider', 'min: 0', 'max: 1', 'step: 0.1', 'value: 0.9'], values: [0.9, 0.8], input: 'slider' },
  // the log slider's arrow step from the official 16
  gla: { key: 'tau', label: 'τ 16 ↔ 17.9', param: ['kind: slider', 'min: 1', 'max: 256', 'step: 1', 'log: true', 'value: 16'], values: [16, 17.9], input: 'slider' },
  vicinity: { key: 'theta', label: 'θ π/2 ↔ 33π/64', param: ['kind: slider', 'min: 0', 'max: 3.141592653589793', 'step: 0.04908738521234052', 'value: 1.5707963267948966'], values: [Math.PI / 2, Math.PI / 2 + Math.PI / 64], input: 'slider' },
  // 3 snaps to a pooling window of 4
  fasa: { key: 'ws', label: 'ws 2 ↔ 4', param: ['kind: slider', 'min: 1', 'max: 8', 'step: 1', 'value: 2'], values: [2, 3], input: 'slider' },
  gma: { key: 'agg7', label: '7×7 segment on ↔ off', param: ['kind: toggle', 'value: true'], values: [true, false], input: 'toggle' },
};

/** The op config an attention view builds for `key: value` at grid×grid (booleans drive 0/1 knobs). */
export function interactionConfig(op: AnyOp, grid: number, key: string, value: number | boolean): unknown {
  const base = op.defaultConfig(grid, grid) as Record<string, unknown>;
  const v = typeof value === 'boolean' && typeof base[key] === 'number' ? (value ? 1 : 0) : value;
  const cfg = { ...base, [key]: v };
  return op.normalizeConfig ? op.normalizeConfig(cfg) : cfg;
}

/** The one-view notebook the browser script opens for op at grid×grid (the knob as its param). */
export function interactionNotebook(op: string, grid: number): string {
  const k = INTERACTION_KNOBS[op];
  if (!k) throw new Error(`no interaction knob for ${op}`);
  return [
    '---',
    `title: slider → map, ${op} at ${grid}×${grid}`,
    'image: chelsea',
    '---',
    '',
    `\`\`\`param ${k.key}`,
    ...k.param,
    '```',
    '',
    '```view attention',
    `op: ${op}`,
    `grid: ${grid}`,
    `${k.key}: $${k.key}`,
    '```',
    '',
  ].join('\n');
}

/** Nearest-rank percentile of unsorted values (q in 0…1). */
export function percentile(xs: number[], q: number): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

// ---------------------------------------------------------------- browser trace → phases

/** A WebGPU call seen in the page (the browser script wraps submit, onSubmittedWorkDone, mapAsync). */
export interface GpuTraceEvent {
  k: 'submit' | 'done' | 'map';
  t0: number;
  t1?: number;
  size?: number;
}

/** One slider → map in the browser, split into phases (ms; NaN where a phase was not seen). */
export interface BrowserPhases {
  total: number;
  /** change → first GPU submit: React re-render, the view's effect, seeded weights, uploads, encoding */
  prep: number;
  /** waiting for the GPU to finish the op's passes (onSubmittedWorkDone), all runs */
  gpu: number;
  /** waiting for read-backs (mapAsync: y, the token's maps, timestamps), all runs */
  readback: number;
  /** between the first submit and the last GPU wait: uploads, encoding and glue of the later runs */
  js: number;
  /** last GPU wait → the new map committed: map panels from the read-back, React render */
  render: number;
  /** canvases drawn */
  draw: number;
  /** until the frame holding them was presented */
  present: number;
  /** op runs (ctx.run submits waited on) in this change */
  runs: number;
}

/** `measure`: {startTime, duration, detail: {commitMs, drawnMs}}; `trace`: the page's GPU events. */
export function browserPhases(m: { startTime: number; duration: number; commitMs: number; drawnMs: number }, trace: GpuTraceEvent[]): BrowserPhases {
  const t0 = m.startTime;
  const commit = t0 + m.commitMs;
  const inside = trace.filter((e) => e.t0 >= t0 && (e.t1 ?? e.t0) <= commit);
  const submits = inside.filter((e) => e.k === 'submit');
  const waits = inside.filter((e) => e.k !== 'submit');
  const sum = (es: GpuTraceEvent[]) => es.reduce((a, e) => a + (e.t1! - e.t0), 0);
  const gpu = sum(waits.filter((e) => e.k === 'done'));
  const readback = sum(waits.filter((e) => e.k === 'map'));
  const first = submits.length ? Math.min(...submits.map((e) => e.t0)) : NaN;
  const last = waits.length ? Math.max(...waits.map((e) => e.t1!)) : NaN;
  return {
    total: m.duration,
    prep: first - t0,
    gpu: waits.length ? gpu : NaN,
    readback: waits.length ? readback : NaN,
    js: last - first - gpu - readback,
    render: commit - last,
    draw: m.drawnMs - m.commitMs,
    present: m.duration - m.drawnMs,
    runs: waits.filter((e) => e.k === 'done').length,
  };
}

// ---------------------------------------------------------------- Node / any GpuContext

export interface InteractionPhases {
  /** op.gpu call 1: the maps for the token + read-back */
  mapRun: number;
  /** op.gpu calls 2…: the re-runs that measure the op's time */
  timingRuns: number;
  /** ctx.run wall (submit → done), all calls */
  gpu: number;
  /** ctx.read wall (copy + map), all calls */
  readback: number;
  /** ctx.upload, all calls: the input every run; weights only on a weight-cache miss (a knob the upload depends on) */
  upload: number;
  /** computeOpView outside op.gpu: input layout, seeded weights (cached), map panels */
  other: number;
}

export interface InteractionRow {
  op: string;
  grid: number;
  tokens: number;
  knob: string;
  n: number;
  p50Ms: number;
  p95Ms: number;
  /** medians over the reps */
  phases: InteractionPhases;
  /** the view's own reported time of the op (median of its timing runs), median over reps */
  opMs: number;
  gpuCalls: number;
  targetMs: number | null;
}

export interface InteractionReport {
  adapter: string;
  software: boolean;
  timestamps: boolean;
  rows: InteractionRow[];
}

export interface InteractionOptions {
  ops?: string[];
  grids?: number[];
  reps?: number;
  warmup?: number;
  log?: (line: string) => void;
}

/** A deterministic 224×224 photo stand-in (timing does not depend on the content). */
function testImage(): RgbImage {
  const n = 224;
  const data = new Uint8Array(n * n * 3);
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
    const i = (y * n + x) * 3;
    data[i] = (x * 255) / n;
    data[i + 1] = (y * 255) / n;
    data[i + 2] = ((x ^ y) & 31) * 8;
  }
  return { width: n, height: n, data };
}

export type PhaseAcc = { upload: number; gpu: number; read: number };

/** Time ctx.run / ctx.read / ctx.upload on this instance while `f` runs (instance wrappers, removed after). */
export async function withPhaseTimers<T>(ctx: GpuContext, acc: PhaseAcc, f: () => Promise<T>): Promise<T> {
  const run = ctx.run.bind(ctx);
  const read = ctx.read.bind(ctx);
  const upload = ctx.upload.bind(ctx);
  ctx.run = async (d, o) => {
    const t = performance.now();
    try {
      return await run(d, o);
    } finally {
      acc.gpu += performance.now() - t;
    }
  };
  ctx.read = async (b, n, off) => {
    const t = performance.now();
    try {
      return await read(b, n, off);
    } finally {
      acc.read += performance.now() - t;
    }
  };
  ctx.upload = (data, usage) => {
    const t = performance.now();
    try {
      return upload(data, usage);
    } finally {
      acc.upload += performance.now() - t;
    }
  };
  try {
    return await f();
  } finally {
    for (const k of ['run', 'read', 'upload']) Reflect.deleteProperty(ctx, k);
  }
}

/**
 * computeOpView per op × grid, `reps` times after `warmup`, alternating the op's knob between its
 * two values each time (as the browser script's key presses do): p50/p95 and medians of the phases.
 */
export async function benchInteraction(ctx: GpuContext, o: InteractionOptions = {}): Promise<InteractionReport> {
  const ops = o.ops ?? [...INTERACTION_OPS];
  const grids = o.grids ?? [14, 56];
  const reps = o.reps ?? 20;
  const warmup = o.warmup ?? 2;
  const img = testImage();
  const rows: InteractionRow[] = [];
  for (const name of ops) {
    const op = opByName(name);
    const knob = INTERACTION_KNOBS[name as keyof typeof INTERACTION_KNOBS];
    if (!op?.gpu || !knob) {
      o.log?.(`skip ${name}: ${op ? 'no WebGPU path' : 'unknown op'}${knob ? '' : ' / no knob'}`);
      continue;
    }
    for (const g of grids) {
      const cfgs = knob.values.map((v) => interactionConfig(op, g, knob.key, v));
      const shape = op.inputShape(cfgs[0]);
      const tokens = patchEmbed(img, g, shape.length === 3 ? shape[2] : shape[1]);
      const token = Math.floor((g * g) / 2) + Math.floor(g / 2);
      const totals: number[] = [];
      const ph: Record<keyof InteractionPhases, number[]> = { mapRun: [], timingRuns: [], gpu: [], readback: [], upload: [], other: [] };
      const opMs: number[] = [];
      let calls = 0;
      try {
        await settleClocks(async () => { await computeOpView(op, cfgs[0], tokens, token, ctx); return null; }, { skip: ctx.report.software });
        for (let i = 0; i < warmup + reps; i++) {
          const acc: PhaseAcc = { upload: 0, gpu: 0, read: 0 };
          const callMs: number[] = [];
          const timed: AnyOp = {
            ...op,
            gpu: async (c, x, p, cfg, opts) => {
              const t = performance.now();
              try {
                return await op.gpu!(c, x, p, cfg, opts);
              } finally {
                callMs.push(performance.now() - t);
              }
            },
          };
          const t0 = performance.now();
          const r = await withPhaseTimers(ctx, acc, () => computeOpView(timed, cfgs[i % 2], tokens, token, ctx));
          const total = performance.now() - t0;
          if (r.panels.length === 0) throw new Error('no map panels');
          if (i < warmup) continue;
          totals.push(total);
          ph.mapRun.push(callMs[0] ?? NaN);
          ph.timingRuns.push(callMs.slice(1).reduce((a, b) => a + b, 0));
          ph.gpu.push(acc.gpu);
          ph.readback.push(acc.read);
          ph.upload.push(acc.upload);
          ph.other.push(total - callMs.reduce((a, b) => a + b, 0));
          opMs.push(r.ms);
          calls = callMs.length;
        }
      } catch (e) {
        o.log?.(`${name} ${g}×${g}: failed: ${(e as Error).message}`);
        continue;
      }
      const med = (xs: number[]) => percentile(xs, 0.5);
      const row: InteractionRow = {
        op: name, grid: g, tokens: g * g, knob: knob.label, n: totals.length,
        p50Ms: med(totals), p95Ms: percentile(totals, 0.95),
        phases: { mapRun: med(ph.mapRun), timingRuns: med(ph.timingRuns), gpu: med(ph.gpu), readback: med(ph.readback), upload: med(ph.upload), other: med(ph.other) },
        opMs: med(opMs), gpuCalls: calls, targetMs: INTERACTION_TARGETS_MS[g] ?? null,
      };
      rows.push(row);
      o.log?.(`${name} ${g}×${g}: p50 ${row.p50Ms.toFixed(2)} ms, p95 ${row.p95Ms.toFixed(2)} ms`);
    }
  }
  const r = ctx.report;
  return { adapter: [r.vendor, r.architecture, r.description].filter(Boolean).join(' ') || 'unknown', software: r.software, timestamps: r.timestamps, rows };
}

const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–');

/**
 * A missed target in words: by how much, and the largest phases of the median change.
 * `phases`: [label, ms] of the median change (they need not add up to p50 exactly); `restMs`: the
 * median change less its GPU waits and read-backs (what a faster GPU would not remove).
 */
export function explainMiss(r: { targetMs: number; p50Ms: number; p95Ms: number; phases: Array<[string, number]>; runs?: number; restMs?: number }): string {
  const over = r.p95Ms - r.targetMs;
  const parts = r.phases
    .filter(([, ms]) => Number.isFinite(ms) && ms > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([label, ms]) => `${label} ${f2(ms)} ms (${Math.round((100 * ms) / r.p50Ms)}%)`);
  let why = `p95 ${f2(r.p95Ms)} ms is ${f2(over)} ms over the ${r.targetMs} ms target (${(r.p95Ms / r.targetMs).toFixed(1)}×); of the median ${f2(r.p50Ms)} ms: ${parts.join(', ')}`;
  if (r.runs && r.runs > 1) why += `; the op ran ${r.runs}× per change (1 for the map, ${r.runs - 1} only to time it), and the map waits for all of them`;
  if (r.restMs !== undefined && Number.isFinite(r.restMs)) {
    why += r.restMs > r.targetMs
      ? `; without the GPU waits and read-backs the change would still take ${f2(r.restMs)} ms, over the target on its own`
      : `; without the GPU waits and read-backs it would take ${f2(r.restMs)} ms, within the target`;
  }
  return `${why}.`;
}

/** Markdown: p50/p95 against the targets, then where the median change's time goes. */
export function interactionMarkdown(rep: InteractionReport, where: string): string {
  const lines = [
    `- device: ${rep.adapter}${rep.software ? ' (software adapter: ratios only)' : ''}; ${where}; op time: ${rep.timestamps ? 'GPU timestamp queries' : 'wall clock to completion'}`,
    '- computeOpView alone (the GPU share of slider → map: op run with the token\'s maps, read-back, the view\'s timing re-runs); React render and canvas paint come on top in a browser',
    '',
    '| op | grid | knob | n | p50 ms | p95 ms | target p95 | left for render + paint |',
    '|---|---|---|---:|---:|---:|---:|---:|',
    ...rep.rows.map((r) => `| ${r.op} | ${r.grid}×${r.grid} | ${r.knob} | ${r.n} | ${f2(r.p50Ms)} | ${f2(r.p95Ms)} | ${r.targetMs ?? '–'}${r.targetMs ? ' ms' : ''} | ${r.targetMs ? `${f2(r.targetMs - r.p95Ms)} ms` : '–'} |`),
    '',
    'Median change, ms (op.gpu calls per change: 1 map run + the timing re-runs):',
    '',
    '| op | grid | op.gpu calls | map run | timing re-runs | GPU wait (all runs) | read-back | upload | other JS | op time (view) |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rep.rows.map((r) => `| ${r.op} | ${r.grid}×${r.grid} | ${r.gpuCalls} | ${f2(r.phases.mapRun)} | ${f2(r.phases.timingRuns)} | ${f2(r.phases.gpu)} | ${f2(r.phases.readback)} | ${f2(r.phases.upload)} | ${f2(r.phases.other)} | ${f2(r.opMs)} |`),
  ];
  return lines.join('\n');
}
