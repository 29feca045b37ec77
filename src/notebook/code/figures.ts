/**
 * What a code cell returns to be drawn: small data specs, made by the plotting helpers in the
 * worker (plot.line, plot.bar, table, map, text, figures) and drawn on the page by the existing
 * figure components (src/ui/figure: D3 charts and attention maps, each with SVG/PNG export).
 * `asFigures(value)` tells a result that is a figure (or a list of them) from plain data.
 */

export type Cell = string | number | boolean | null;

export interface Point {
  x: number;
  y: number;
  label?: string;
}

export type FigureSpec =
  | { figure: 'text'; text: string }
  | { figure: 'table'; title?: string; columns: string[]; rows: Cell[][] }
  | { figure: 'line'; title: string; x: string; y: string; series: Array<{ name: string; points: Point[] }>; xLog?: boolean; yLog?: boolean }
  | { figure: 'bar'; title: string; x: string; y: string; labels: string[]; series: Array<{ name: string; values: number[] }> }
  | { figure: 'map'; title: string; values: ArrayLike<number>; H: number; W: number; signed?: boolean; token?: number; photo?: boolean };

const MAX_FIGURES = 64;

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isNumList = (v: unknown): boolean => Array.isArray(v) || ArrayBuffer.isView(v);

/** A figure spec checked field by field (a result from the worker is untrusted data). */
export function checkFigure(v: unknown): FigureSpec | null {
  if (!isObj(v) || typeof v.figure !== 'string') return null;
  const str = (x: unknown, d = '') => (typeof x === 'string' ? x : d);
  switch (v.figure) {
    case 'text':
      return { figure: 'text', text: str(v.text) };
    case 'table': {
      if (!Array.isArray(v.columns) || !Array.isArray(v.rows)) return null;
      const cell = (c: unknown): Cell => (c === null || typeof c === 'string' || typeof c === 'number' || typeof c === 'boolean' ? c : JSON.stringify(c) ?? String(c));
      return { figure: 'table', title: str(v.title) || undefined, columns: v.columns.map(String), rows: v.rows.filter(Array.isArray).map((r: unknown[]) => r.map(cell)) };
    }
    case 'line': {
      if (!Array.isArray(v.series)) return null;
      const series = v.series.filter(isObj).map((s) => ({
        name: str(s.name, 'series'),
        points: (Array.isArray(s.points) ? s.points : []).filter(isObj).map((p) => ({ x: Number(p.x), y: Number(p.y), ...(typeof p.label === 'string' ? { label: p.label } : {}) })),
      }));
      return { figure: 'line', title: str(v.title), x: str(v.x), y: str(v.y), series, xLog: v.xLog === true, yLog: v.yLog === true };
    }
    case 'bar': {
      if (!Array.isArray(v.labels) || !Array.isArray(v.series)) return null;
      const series = v.series.filter(isObj).map((s) => ({ name: str(s.name, 'series'), values: Array.from(isNumList(s.values) ? (s.values as ArrayLike<unknown>) : [], Number) }));
      return { figure: 'bar', title: str(v.title), x: str(v.x), y: str(v.y), labels: v.labels.map(String), series };
    }
    case 'map': {
      const H = Number(v.H);
      const W = Number(v.W);
      if (!isNumList(v.values) || !Number.isInteger(H) || !Number.isInteger(W) || H < 1 || W < 1 || (v.values as ArrayLike<number>).length !== H * W) return null;
      return {
        figure: 'map',
        title: str(v.title),
        values: v.values as ArrayLike<number>,
        H,
        W,
        signed: v.signed === true,
        ...(typeof v.token === 'number' ? { token: v.token } : {}),
        photo: v.photo !== false,
      };
    }
    default:
      return null;
  }
}

/** The figures in a cell's result (a spec, or a list of specs), or null when it is plain data. */
export function asFigures(v: unknown): FigureSpec[] | null {
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0 || list.length > MAX_FIGURES) return null;
  const out: FigureSpec[] = [];
  for (const x of list) {
    const f = checkFigure(x);
    if (!f) return null;
    out.push(f);
  }
  return out;
}

// ---------------------------------------------------------------- helpers (run in the worker)

function seriesOf(o: Record<string, unknown>): Array<{ name: string; points: Point[] }> {
  if (Array.isArray(o.series)) return o.series as Array<{ name: string; points: Point[] }>;
  const ys = o.ys ?? o.values;
  const xs = Array.isArray(o.xs) ? (o.xs as number[]) : null;
  if (isNumList(ys)) return [{ name: String(o.name ?? o.y ?? 'y'), points: Array.from(ys as ArrayLike<number>, (y, i) => ({ x: xs ? xs[i] : i, y })) }];
  return [];
}

/** The helpers a cell gets (pure functions returning specs). */
export const figureHelpers = {
  text: (s: unknown): FigureSpec => ({ figure: 'text', text: typeof s === 'string' ? s : JSON.stringify(s, null, 2) }),
  /** rows: objects (columns = their keys) or arrays (with opts.columns) */
  table(rows: unknown[], opts: { columns?: string[]; title?: string } = {}): FigureSpec {
    const objs = rows.every(isObj);
    const columns = opts.columns ?? (objs ? [...new Set(rows.flatMap((r) => Object.keys(r as object)))] : (rows[0] as unknown[] | undefined)?.map((_, i) => `#${i}`) ?? []);
    const body = rows.map((r) => (objs ? columns.map((c) => (r as Record<string, Cell>)[c] ?? null) : (r as Cell[])));
    return { figure: 'table', title: opts.title, columns, rows: body };
  },
  map(values: ArrayLike<number>, opts: { H?: number; W?: number; title?: string; signed?: boolean; token?: number; photo?: boolean } = {}): FigureSpec {
    const n = Math.round(Math.sqrt(values.length));
    return { figure: 'map', values, H: opts.H ?? n, W: opts.W ?? n, title: opts.title ?? 'map', signed: opts.signed, token: opts.token, photo: opts.photo };
  },
  plot: {
    /** { title, x, y, series: [{ name, points: [{x, y}] }] } or { title, x, y, xs, ys } */
    line(o: Record<string, unknown>): FigureSpec {
      return { figure: 'line', title: String(o.title ?? ''), x: String(o.x ?? 'x'), y: String(o.y ?? 'y'), series: seriesOf(o), xLog: o.xLog === true, yLog: o.yLog === true };
    },
    /** { title, x, y, labels: [...], series: [{ name, values }] } or { title, x, y, labels, values } */
    bar(o: Record<string, unknown>): FigureSpec {
      const series = Array.isArray(o.series) ? (o.series as Array<{ name: string; values: number[] }>) : [{ name: String(o.y ?? 'value'), values: Array.from((o.values ?? []) as ArrayLike<number>) }];
      return { figure: 'bar', title: String(o.title ?? ''), x: String(o.x ?? ''), y: String(o.y ?? ''), labels: ((o.labels ?? []) as unknown[]).map(String), series };
    },
  },
};
