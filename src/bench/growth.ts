/**
 * Cost growth: each op's median time against token count, the exponent of its growth, and from
 * which token count each op beats the softmax baseline (computed from the measured rows only).
 */
export interface GrowthRow {
  op: string;
  grid: number;
  tokens: number;
  macs: number;
  /** null when the size failed (out of memory, device limits) */
  medianMs: number | null;
  note?: string;
}

export interface GrowthReport {
  ops: string[];
  grids: number[];
  baseline: string;
  rows: GrowthRow[];
  timeSource: string;
}

export interface Crossover {
  op: string;
  /** smallest measured token count from which the op is faster than the baseline at every larger measured size; null = never */
  fromTokens: number | null;
  /** faster at every measured size */
  always: boolean;
  /** slope of log time vs log tokens over the largest two measured sizes */
  timeExponent: number | null;
  /** same for the MACs (1 = linear, 2 = quadratic cost) */
  macsExponent: number | null;
}

function series(rep: GrowthReport, op: string): GrowthRow[] {
  return rep.rows.filter((r) => r.op === op && r.medianMs !== null).sort((a, b) => a.tokens - b.tokens);
}

function exponent(pts: GrowthRow[], v: (r: GrowthRow) => number): number | null {
  if (pts.length < 2) return null;
  const [a, b] = pts.slice(-2);
  return Math.log(v(b) / v(a)) / Math.log(b.tokens / a.tokens);
}

export function crossovers(rep: GrowthReport): Crossover[] {
  const base = new Map(series(rep, rep.baseline).map((r) => [r.tokens, r.medianMs!]));
  return rep.ops.filter((o) => o !== rep.baseline).map((op) => {
    const pts = series(rep, op);
    const both = pts.filter((r) => base.has(r.tokens));
    let fromTokens: number | null = null;
    for (let i = both.length - 1; i >= 0; i--) {
      if (both[i].medianMs! < base.get(both[i].tokens)!) fromTokens = both[i].tokens;
      else break;
    }
    return {
      op,
      fromTokens,
      always: both.length > 0 && fromTokens === both[0].tokens,
      timeExponent: exponent(pts, (r) => r.medianMs!),
      macsExponent: exponent(pts, (r) => r.macs),
    };
  });
}

const gridOf = (tokens: number) => `${Math.round(Math.sqrt(tokens))}×${Math.round(Math.sqrt(tokens))}`;

/** One sentence per op, from the data: from which size it beats the baseline. */
export function crossoverSentence(rep: GrowthReport): string {
  const measured = series(rep, rep.baseline);
  if (!measured.length) return `No ${rep.baseline} times were measured, so there is no crossover to report.`;
  const lo = measured[0].tokens;
  const hi = measured[measured.length - 1].tokens;
  const parts = crossovers(rep).map((c) => {
    if (c.fromTokens === null) return `${c.op} is not faster than ${rep.baseline} at the largest measured size (${hi} tokens)`;
    if (c.always) return `${c.op} is faster at every measured size (${lo}–${hi} tokens)`;
    return `${c.op} is faster from ${c.fromTokens} tokens (${gridOf(c.fromTokens)}) on`;
  });
  return `Against ${rep.baseline}: ${parts.join('; ')}.`;
}

export function growthMarkdown(rep: GrowthReport): string {
  const tokens = [...new Set(rep.rows.map((r) => r.tokens))].sort((a, b) => a - b);
  const cell = (op: string, t: number) => {
    const r = rep.rows.find((x) => x.op === op && x.tokens === t);
    if (!r) return '';
    return r.medianMs === null ? `failed${r.note ? ` (${r.note})` : ''}` : r.medianMs.toFixed(3);
  };
  const cx = new Map(crossovers(rep).map((c) => [c.op, c]));
  const fmt = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v.toFixed(2));
  const lines = [
    `Median ms (${rep.timeSource}) against token count; "time exp." and "MACs exp." are the slopes of log time and log MACs over the largest two sizes (1 = linear, 2 = quadratic).`,
    '',
    `| op | ${tokens.map((t) => `${t} (${gridOf(t)})`).join(' | ')} | time exp. | MACs exp. | beats ${rep.baseline} from |`,
    `|---|${tokens.map(() => '---:').join('|')}|---:|---:|---|`,
    ...rep.ops.map((op) => {
      const c = cx.get(op);
      const from = op === rep.baseline ? '(baseline)' : c?.fromTokens === null || !c ? 'never' : c.always ? 'every size' : `${c.fromTokens} tokens`;
      const ser = series(rep, op);
      return `| ${op} | ${tokens.map((t) => cell(op, t)).join(' | ')} | ${fmt(c ? c.timeExponent : exponent(ser, (r) => r.medianMs!))} | ${fmt(c ? c.macsExponent : exponent(ser, (r) => r.macs))} | ${from} |`;
    }),
    '',
    crossoverSentence(rep),
  ];
  return lines.join('\n');
}
