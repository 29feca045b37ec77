/**
 * The per-kernel profile's arithmetic and Markdown (pure: unit-tested in Node). A profile is each
 * launch of an op or a backbone timed in its own compute pass, beside the whole thing timed as it
 * really runs; from it: where the time goes, how many launches, what they could move, and how far
 * that is from this device's roofs.
 */

/** One launch (dispatch) of the profiled work. */
export interface KernelTiming {
  /** position in the recorded order */
  index: number;
  /** which pass of the real run it belongs to (a backbone stage; 0 for an op) */
  group: number;
  /** kernel file name, from its WGSL ('linear', 'hilo_window') */
  name: string;
  workgroups: [number, number, number];
  /** workgroups × @workgroup_size; null when the size could not be read */
  threads: number | null;
  /**
   * Sum of the sizes of the distinct storage buffers bound: everything the launch may touch. An
   * upper bound on its compulsory bytes (pooled buffers can be larger than used); re-reads that
   * miss the cache are not in it.
   */
  bytesBound: number;
  medianUs: number;
}

export interface ProfileMeasure {
  kernels: KernelTiming[];
  /** median over reps of the real run: its passes (one for an op, a backbone plan's own) back to back */
  onePassUs: number;
  passes: number;
  reps: number;
  timeSource: 'timestamp' | 'wall';
}

/** What the profile compares against (the bench's measured or nominal roofs); null = unknown. */
export interface Roofs {
  tflops: number | null;
  gbps: number | null;
  basis: string;
}

export interface ProfileTotals {
  launches: number;
  /** Σ of the launches' own pass times */
  sumUs: number;
  onePassUs: number;
  /** onePassUs − sumUs */
  gapUs: number;
  bytesBound: number;
  /** bytesBound / onePass (GB/s, 1e9 bytes) */
  gbps: number;
  /** fraction of roofs.gbps */
  bandwidthShare: number | null;
  macs: number | null;
  /** 2·MACs / onePass in GFLOP/s */
  gflops: number | null;
  /** fraction of roofs.tflops */
  peakShare: number | null;
  /** the kernel (by name) taking most of sumUs, and its share */
  top: { name: string; share: number } | null;
}

export interface KernelAggregate {
  name: string;
  launches: number;
  totalUs: number;
  /** of the Σ over every launch */
  share: number;
  meanUs: number;
  bytesBound: number;
}

/** Time, launches and bytes per kernel name, most time first. */
export function aggregateKernels(kernels: KernelTiming[]): KernelAggregate[] {
  const by = new Map<string, KernelAggregate>();
  let all = 0;
  for (const k of kernels) {
    let a = by.get(k.name);
    if (!a) by.set(k.name, (a = { name: k.name, launches: 0, totalUs: 0, share: 0, meanUs: 0, bytesBound: 0 }));
    a.launches++;
    a.totalUs += k.medianUs;
    a.bytesBound += k.bytesBound;
    all += k.medianUs;
  }
  const out = [...by.values()];
  for (const a of out) {
    a.share = all > 0 ? a.totalUs / all : 0;
    a.meanUs = a.totalUs / a.launches;
  }
  return out.sort((a, b) => b.totalUs - a.totalUs || a.name.localeCompare(b.name));
}

export function profileTotals(m: ProfileMeasure, macs: number | null, roofs: Roofs): ProfileTotals {
  const sumUs = m.kernels.reduce((a, k) => a + k.medianUs, 0);
  const bytesBound = m.kernels.reduce((a, k) => a + k.bytesBound, 0);
  const sec = m.onePassUs * 1e-6;
  const gbps = sec > 0 ? bytesBound / sec / 1e9 : NaN;
  const gflops = macs !== null && sec > 0 ? (2 * macs) / sec / 1e9 : null;
  const agg = aggregateKernels(m.kernels);
  return {
    launches: m.kernels.length,
    sumUs,
    onePassUs: m.onePassUs,
    gapUs: m.onePassUs - sumUs,
    bytesBound,
    gbps,
    bandwidthShare: roofs.gbps ? gbps / roofs.gbps : null,
    macs,
    gflops,
    peakShare: gflops !== null && roofs.tflops ? gflops / (roofs.tflops * 1e3) : null,
    top: agg.length ? { name: agg[0].name, share: agg[0].share } : null,
  };
}

/** µs with 3 significant digits below 1000 (µs on a real GPU, seconds on SwiftShader). */
export const fmtUs = (v: number): string => (!Number.isFinite(v) ? '–' : Math.abs(v) >= 1000 ? v.toFixed(0) : v.toPrecision(3));
const mib = (b: number) => (b / 2 ** 20).toFixed(b >= 2 ** 20 ? 1 : 3);
const pct = (f: number | null) => (f === null || !Number.isFinite(f) ? '–' : `${(f * 100).toFixed(f < 0.1 ? 2 : 1)}%`);
const gb = (v: number) => (!Number.isFinite(v) ? '–' : v >= 100 ? v.toFixed(0) : v.toPrecision(3));
const wgs = (w: [number, number, number]) => w.filter((v, i) => i === 0 || v !== 1 || (i === 1 && w[2] !== 1)).join('×');

/** The sentence under a table: launches, the one-pass gap, bandwidth and compute against the roofs. */
export function totalsLine(t: ProfileTotals, roofs: Roofs): string {
  const sign = t.gapUs >= 0 ? '+' : '−';
  const parts = [
    `${t.launches} launches`,
    `Σ launches ${fmtUs(t.sumUs)} µs, as it runs ${fmtUs(t.onePassUs)} µs (${sign}${fmtUs(Math.abs(t.gapUs))} µs: ` +
      (t.gapUs >= 0 ? 'launch and dependency cost beyond the kernels' : 'per-pass overhead the real run does not pay') + ')',
    `bytes bound ${mib(t.bytesBound)} MiB → ≤ ${gb(t.gbps)} GB/s` + (t.bandwidthShare !== null ? ` (${pct(t.bandwidthShare)} of ${gb(roofs.gbps!)} GB/s)` : ''),
  ];
  if (t.gflops !== null) parts.push(`2·MACs → ${gb(t.gflops)} GFLOP/s` + (t.peakShare !== null ? ` (${pct(t.peakShare)} of ${roofs.tflops} TFLOP/s)` : ''));
  if (t.top) parts.push(`most time: ${t.top.name} ${pct(t.top.share)}`);
  return `- ${parts.join('; ')}`;
}

/** One op: a row per launch in recorded order, then the totals. */
export function opProfileMarkdown(title: string, m: ProfileMeasure, macs: number | null, roofs: Roofs): string {
  const t = profileTotals(m, macs, roofs);
  const bw = roofs.gbps !== null;
  const head = ['#', 'kernel', 'workgroups', 'threads', 'bytes bound MiB', 'median µs', 'share', 'GB/s (bound bytes / t)'];
  if (bw) head.push('of copy BW');
  const lines = [`##### ${title}`, '', `| ${head.join(' | ')} |`, `|${head.map((h, i) => (i === 1 || i === 2 ? '---' : '---:')).join('|')}|`];
  for (const k of m.kernels) {
    const kgbps = k.medianUs > 0 ? k.bytesBound / (k.medianUs * 1e-6) / 1e9 : NaN;
    const cells = [String(k.index), k.name, wgs(k.workgroups), k.threads === null ? '–' : k.threads.toLocaleString('en-US'), mib(k.bytesBound), fmtUs(k.medianUs),
      pct(t.sumUs > 0 ? k.medianUs / t.sumUs : null), gb(kgbps)];
    if (bw) cells.push(pct(kgbps / roofs.gbps!));
    lines.push(`| ${cells.join(' | ')} |`);
  }
  lines.push('', totalsLine(t, roofs));
  return lines.join('\n');
}

/** A backbone: launches aggregated by kernel name, most time first, then the totals. */
export function modelProfileMarkdown(title: string, m: ProfileMeasure, macs: number | null, roofs: Roofs): string {
  const t = profileTotals(m, macs, roofs);
  const lines = [`##### ${title}`, '', '| kernel | launches | Σ µs | share | mean µs / launch | bytes bound MiB | GB/s (bound bytes / t) |', '|---|---:|---:|---:|---:|---:|---:|'];
  for (const a of aggregateKernels(m.kernels)) {
    const g = a.totalUs > 0 ? a.bytesBound / (a.totalUs * 1e-6) / 1e9 : NaN;
    lines.push(`| ${a.name} | ${a.launches} | ${fmtUs(a.totalUs)} | ${pct(a.share)} | ${fmtUs(a.meanUs)} | ${mib(a.bytesBound)} | ${gb(g)} |`);
  }
  lines.push('', totalsLine(t, roofs) + ` (the real run: ${m.passes} passes)`);
  return lines.join('\n');
}

/** What the profile tables mean, printed once above them. */
export function profileLegend(roofs: Roofs, timeSource: 'timestamp' | 'wall', reps: number): string {
  return [
    `- each launch timed alone in its own compute pass (${timeSource === 'timestamp' ? 'GPU timestamps' : 'wall clock per submit: an upper bound'}), median of ${reps}; ` +
      '"as it runs" = the real recording (one pass for an op, the passes of a backbone plan), timed the same way',
    '- bytes bound = sum of the distinct storage buffers a launch binds: what it may touch, an upper bound on the bytes it must move (not a measurement of traffic: cache misses re-read); GB/s from it is likewise an upper bound',
    `- roofs: ${roofs.basis}`,
  ].join('\n');
}
