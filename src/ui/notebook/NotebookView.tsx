/** An open notebook: title, toolbar, notices, and the cells in order. */
import { useEffect } from 'react';
import { useNotebook } from './store';
import { NotebookToolbar } from './NotebookToolbar';
import { Notices } from './Notices';
import { CodeConsent } from './code/CodeConsent';
import { CellFrame } from './CellFrame';
import { useNotebookShortcuts } from './shortcuts';
import { useFileDrop } from './useFileDrop';
import { openFile } from './openers';

export function NotebookView() {
  const doc = useNotebook((s) => s.ed.doc);
  const name = useNotebook((s) => s.name);
  const notify = useNotebook((s) => s.notify);
  useNotebookShortcuts();
  const title = doc.meta.title ?? name ?? 'notebook';
  useEffect(() => {
    document.title = `${title} — Attention Notebook`;
    return () => {
      document.title = 'Attention Notebook';
    };
  }, [title]);
  const drop = useFileDrop((f) => void openFile(f).then((err) => err && notify({ kind: 'error', text: err, source: 'open' })));
  const count = doc.cells.length;
  return (
    <article className={`notebook ${drop.over ? 'drop-over' : ''}`} aria-label={title} data-testid="notebook" {...drop.handlers}>
      <div className="nb-head">
        <p className="muted nb-crumb">
          <a href="#">Notebooks</a> / {name}
        </p>
        <NotebookToolbar />
      </div>
      <Notices />
      <CodeConsent />
      {count === 0 ? <p className="muted">This notebook is empty: add a cell with the buttons above.</p> : null}
      {doc.cells.map((c, i) => (
        <CellFrame key={c.id} cell={c} index={i} count={count} />
      ))}
      <p className="muted shortcuts-hint">
        Keys: click a cell, then Enter to edit, Esc to stop, Shift+Enter to run and move on, A/B add text above/below, D D delete, Z undo.
      </p>
    </article>
  );
}
