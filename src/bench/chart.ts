/**
 * The cost-growth chart as a standalone SVG string (log-log, one line per op), built with
 * d3-scale/d3-shape only so it runs in Node without a DOM.
 */
import { format, line, scaleLog, schemeTableau10 } from 'd3';
import type { GrowthReport } from './growth';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Keep the 1-2-5 (or decade) ticks of a log axis so labels do not collide. */
function logTicks(ticks: number[]): number[] {
  if (ticks.length <= 7) return ticks;
  const lead = (v: number) => Math.round(v / 10 ** Math.floor(Math.log10(v) + 1e-9));
  const decades = ticks.filter((v) => lead(v) === 1);
  return decades.length >= 3 ? decades : ticks.filter((v) => [1, 2, 5].includes(lead(v)));
}

export function growthChartSvg(rep: GrowthReport, opts: { width?: number; height?: number; title?: string } = {}): string {
  const width = opts.width ?? 720;
  const height = opts.height ?? 440;
  const m = { top: 36, right: 130, bottom: 48, left: 70 };
  const iw = width - m.left - m.right;
  const ih = height - m.top - m.bottom;
  const pts = rep.rows.filter((r) => r.medianMs !== null && r.medianMs > 0);
  const title = opts.title ?? `Median time against token count (${rep.timeSource})`;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${m.left}" y="20" font-size="14" font-weight="bold">${esc(title)}</text>`,
  ];
  if (!pts.length) {
    out.push(`<text x="${width / 2}" y="${height / 2}" text-anchor="middle">no data</text>`, '</svg>');
    return out.join('\n');
  }
  const ext = (vs: number[]): [number, number] => {
    const lo = Math.min(...vs);
    const hi = Math.max(...vs);
    return lo === hi ? [lo / 1.5, hi * 1.5] : [lo, hi];
  };
  const x = scaleLog().domain(ext(pts.map((r) => r.tokens))).range([0, iw]).nice();
  const y = scaleLog().domain(ext(pts.map((r) => r.medianMs!))).range([ih, 0]).nice();
  const g = (s: string) => out.push(s);
  g(`<g transform="translate(${m.left},${m.top})">`);
  // grid, axes, ticks
  const fx = format('~s');
  const fy = format('~g');
  for (const t of logTicks(x.ticks(8))) {
    g(`<line x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="0" y2="${ih}" stroke="#e5e5e5"/>`);
    g(`<text x="${x(t).toFixed(1)}" y="${ih + 16}" text-anchor="middle">${fx(t)}</text>`);
  }
  for (const t of logTicks(y.ticks(6))) {
    g(`<line x1="0" x2="${iw}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#e5e5e5"/>`);
    g(`<text x="-6" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${fy(t)}</text>`);
  }
  g(`<line x1="0" x2="${iw}" y1="${ih}" y2="${ih}" stroke="#333"/><line x1="0" x2="0" y1="0" y2="${ih}" stroke="#333"/>`);
  g(`<text x="${iw / 2}" y="${ih + 38}" text-anchor="middle">tokens (H·W), log scale</text>`);
  g(`<text transform="rotate(-90)" x="${-ih / 2}" y="-52" text-anchor="middle">median ms, log scale</text>`);
  const path = line<{ tokens: number; ms: number }>().x((d) => x(d.tokens)).y((d) => y(d.ms));
  rep.ops.forEach((op, i) => {
    const colour = schemeTableau10[i % 10];
    const s = pts.filter((r) => r.op === op).sort((a, b) => a.tokens - b.tokens).map((r) => ({ tokens: r.tokens, ms: r.medianMs! }));
    if (!s.length) return;
    const dash = op === rep.baseline ? ' stroke-dasharray="6 3"' : '';
    g(`<path d="${path(s)}" fill="none" stroke="${colour}" stroke-width="2"${dash}/>`);
    for (const d of s) g(`<circle cx="${x(d.tokens).toFixed(1)}" cy="${y(d.ms).toFixed(1)}" r="3" fill="${colour}"><title>${esc(op)}: ${d.ms.toFixed(3)} ms at ${d.tokens} tokens</title></circle>`);
    g(`<line x1="${iw + 14}" x2="${iw + 34}" y1="${12 + i * 18}" y2="${12 + i * 18}" stroke="${colour}" stroke-width="2"${dash}/>`);
    g(`<text x="${iw + 40}" y="${16 + i * 18}">${esc(op)}${op === rep.baseline ? ' (baseline)' : ''}</text>`);
  });
  g('</g>');
  out.push('</svg>');
  return out.join('\n');
}
