/**
 * A small "export" menu for a figure: SVG or PNG. The figure supplies how to make each; errors are
 * shown next to the menu instead of being thrown away.
 */
import { useState } from 'react';
import { download, svgToPng } from './export';

export interface FigureSource {
  /** standalone SVG text and its size */
  svg(): { text: string; w: number; h: number };
  /** PNG; defaults to rasterising svg() */
  png?(): Promise<Blob>;
}

export function ExportMenu({ name, source, label = 'export' }: { name: string; source: () => FigureSource | null; label?: string }) {
  const [error, setError] = useState('');
  const run = async (kind: 'svg' | 'png', menu: HTMLDetailsElement | null) => {
    setError('');
    if (menu) menu.open = false;
    try {
      const s = source();
      if (!s) throw new Error('Nothing is drawn yet.');
      if (kind === 'svg') download(s.svg().text, `${name}.svg`, 'image/svg+xml');
      else {
        const blob = s.png ? await s.png() : await (async () => {
          const { text, w, h } = s.svg();
          return svgToPng(text, w, h);
        })();
        download(blob, `${name}.png`);
      }
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <span className="export-wrap">
      <details className="export-menu">
        <summary aria-label={`${label} ${name}`} title="Export this figure">
          ⤓ {label}
        </summary>
        <div className="export-items" role="menu">
          <button type="button" role="menuitem" data-export="svg" onClick={(e) => void run('svg', e.currentTarget.closest('details'))}>
            SVG
          </button>
          <button type="button" role="menuitem" data-export="png" onClick={(e) => void run('png', e.currentTarget.closest('details'))}>
            PNG
          </button>
        </div>
      </details>
      {error ? (
        <span className="error" role="alert">
          {error}
        </span>
      ) : null}
    </span>
  );
}
