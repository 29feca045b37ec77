/**
 * A code cell's result on the page: figure specs (figures.ts) drawn by the existing figure
 * components — ChartFigure (line), BarFigure, MapFigure over the notebook's photo, a table, text —
 * each with its SVG/PNG export; any other value as a compact, truncated data preview.
 */
import { useMemo } from 'react';
import { asFigures, type FigureSpec } from '../../../notebook/code/figures';
import { ChartFigure } from '../../figure/ChartFigure';
import { BarFigure } from '../../figure/BarChart';
import { MapFigure } from '../../figure/MapFigure';
import { PREVIEW, useViewPhoto } from '../usePhoto';

const MAX_PREVIEW_CHARS = 4000;
const MAX_TABLE_ROWS = 500;
const plainX = (v: number) => String(Number(v.toPrecision(4)));

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? v.toLocaleString('en-US') : String(Number(v.toPrecision(5)));
  return String(v);
}

/** JSON-ish text of any result, typed arrays summarised, cut at MAX_PREVIEW_CHARS. */
export function previewText(v: unknown): string {
  let s: string;
  try {
    s =
      JSON.stringify(
        v,
        (_k, x) => {
          if (ArrayBuffer.isView(x)) {
            const a = x as unknown as ArrayLike<number>;
            const head = Array.from({ length: Math.min(8, a.length) }, (_, i) => Number(a[i].toPrecision(4)));
            return `${x.constructor.name}(${a.length}) [${head.join(', ')}${a.length > 8 ? ', …' : ''}]`;
          }
          return typeof x === 'number' && !Number.isInteger(x) ? Number(x.toPrecision(6)) : x;
        },
        2,
      ) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > MAX_PREVIEW_CHARS ? `${s.slice(0, MAX_PREVIEW_CHARS)}\n… (${s.length.toLocaleString('en-US')} characters in all)` : s;
}

/** "object { mhsa, hilo, … }", "array of 12", "Float32Array(196)" */
function summaryOf(v: unknown): string {
  if (Array.isArray(v)) return `data: an array of ${v.length}`;
  if (ArrayBuffer.isView(v)) return `data: ${v.constructor.name}(${(v as unknown as ArrayLike<number>).length})`;
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v);
    return `data: { ${keys.slice(0, 8).join(', ')}${keys.length > 8 ? ', …' : ''} }`;
  }
  return `data: ${typeof v}`;
}

function Figure({ f, name, photo }: { f: FigureSpec; name: string; photo: Uint8ClampedArray<ArrayBuffer> | null }) {
  switch (f.figure) {
    case 'text':
      return <pre className="code-text">{f.text}</pre>;
    case 'table':
      return (
        <table className="nb-table">
          {f.title ? <caption>{f.title}</caption> : null}
          <thead>
            <tr>{f.columns.map((c, i) => <th key={i}>{c}</th>)}</tr>
          </thead>
          <tbody>
            {f.rows.slice(0, MAX_TABLE_ROWS).map((r, i) => (
              <tr key={i}>{r.map((c, j) => <td key={j}>{cellText(c)}</td>)}</tr>
            ))}
          </tbody>
        </table>
      );
    case 'line':
      return <ChartFigure title={f.title} xLabel={f.x} yLabel={f.y} series={f.series} xLog={f.xLog} yLog={f.yLog} fileName={`${name}-${f.title}`} formatX={plainX} />;
    case 'bar':
      return <BarFigure title={f.title} x={f.x} y={f.y} labels={f.labels} series={f.series} fileName={`${name}-${f.title}`} />;
    case 'map':
      return (
        <MapFigure
          fileName={name}
          panel={{ title: f.title, values: Float32Array.from(f.values), H: f.H, W: f.W, signed: f.signed }}
          photo={f.photo !== false && f.H === f.W ? photo : null}
          previewSize={PREVIEW}
          token={f.token ?? -1}
          size={200}
        />
      );
  }
}

export function CellResult({ value, name }: { value: unknown; name: string }) {
  const figures = useMemo(() => asFigures(value), [value]);
  const { preview } = useViewPhoto({});
  if (value === undefined) return <p className="muted">(no result: the cell returned nothing)</p>;
  if (!figures) {
    const text = previewText(value);
    // short values inline; larger data (what other cells read) folded under a one-line summary
    if (text.length <= 160) return <pre className="code-value" data-testid="code-value">{text}</pre>;
    return (
      <details className="code-data" data-testid="code-value">
        <summary>{summaryOf(value)}</summary>
        <pre className="code-value">{text}</pre>
      </details>
    );
  }
  return (
    <div className="code-figures" data-testid="code-figures" data-count={figures.length}>
      {figures.map((f, i) => (
        <Figure key={i} f={f} name={`${name}-${i + 1}`} photo={preview} />
      ))}
    </div>
  );
}
