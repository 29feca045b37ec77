/**
 * `view table`: a small table written in the cell —
 *     columns: [setting, value]
 *     rows: [[heads, $heads], [grid, 14]]      (or rows as mappings: [{setting: heads, value: $heads}])
 * or named data computed by the app (`source: litv2-alpha-sweep`, see table-sources.ts).
 * Values are shown as text; `$name`s are already replaced by the runtime.
 */
import { TABLE_SOURCES } from './table-sources';
import { useConfigDerived } from './useConfigDerived';

const MAX_ROWS = 500;

function text(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? v.toLocaleString('en-US') : String(Number(v.toPrecision(6)));
  if (typeof v === 'string' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

function build(config: Record<string, unknown>): { columns: string[]; rows: string[][]; note: string; caption?: string } {
  if (config.source !== undefined) {
    const src = typeof config.source === 'string' ? TABLE_SOURCES[config.source] : undefined;
    if (!src) throw new Error(`There is no table source \`${String(config.source)}\`; the sources are ${Object.keys(TABLE_SOURCES).join(', ')}.`);
    const t = src();
    return { columns: t.columns, rows: t.rows.map((r) => r.map(text)), note: '', caption: t.caption };
  }
  const rows = config.rows;
  if (!Array.isArray(rows)) throw new Error('A table needs `rows`: a list of lists (`[[a, 1], [b, 2]]`) or of mappings (`[{name: a, value: 1}]`).');
  let columns = Array.isArray(config.columns) ? config.columns.map(text) : [];
  const objects = rows.every((r) => r !== null && typeof r === 'object' && !Array.isArray(r));
  if (objects && columns.length === 0) {
    const keys: string[] = [];
    for (const r of rows as Record<string, unknown>[]) for (const k of Object.keys(r)) if (!keys.includes(k)) keys.push(k);
    columns = keys;
  }
  const body = rows.slice(0, MAX_ROWS).map((r) => {
    if (Array.isArray(r)) return r.map(text);
    if (r !== null && typeof r === 'object') return columns.map((c) => text((r as Record<string, unknown>)[c]));
    return [text(r)];
  });
  return { columns, rows: body, note: rows.length > MAX_ROWS ? `Showing the first ${MAX_ROWS} of ${rows.length} rows.` : '' };
}

export function TableView({ config }: { config: Record<string, unknown> }) {
  const t = useConfigDerived(config, build);
  if ('error' in t) return <p className="error" role="alert">{t.error}</p>;
  return (
    <div className="table-wrap" data-testid="nb-table">
      <table className="nb-table">
        {typeof config.caption === 'string' ? <caption>{config.caption}</caption> : t.caption ? <caption>{t.caption}</caption> : null}
        {t.columns.length ? (
          <thead>
            <tr>
              {t.columns.map((c, i) => (
                <th key={i}>{c}</th>
              ))}
            </tr>
          </thead>
        ) : null}
        <tbody>
          {t.rows.map((r, i) => (
            <tr key={i}>
              {r.map((c, j) => (
                <td key={j}>{c}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {t.note ? <p className="muted">{t.note}</p> : null}
    </div>
  );
}
