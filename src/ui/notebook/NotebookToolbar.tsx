/** Document actions: undo/redo, add, download, open, share, revert to the shipped version. */
import { useRef } from 'react';
import { canRedo, canUndo, serializeNotebook } from '../../notebook';
import { download } from '../figure/export';
import { useNotebook } from './store';
import { ShareButton } from './ShareButton';
import { openFile } from './openers';
import { editText } from './shortcuts';
import { newCell, type NewKind } from './templates';
import { FileInput } from '../FileInput';
import { NOTEBOOK_FILES } from './open-file';

export function NotebookToolbar() {
  const ed = useNotebook((s) => s.ed);
  const name = useNotebook((s) => s.name);
  const shippedText = useNotebook((s) => s.shippedText);
  const { undo, redo, revert, edit, notify } = useNotebook.getState();
  const fileInput = useRef<HTMLInputElement>(null);
  const edited = shippedText !== null && serializeNotebook(ed.doc) !== shippedText;
  const add = (kind: NewKind) => {
    const st = useNotebook.getState();
    const at = st.selected ? st.ed.doc.cells.findIndex((c) => c.id === st.selected) + 1 : st.ed.doc.cells.length;
    if (edit({ type: 'insert', index: at, cell: newCell(kind, st.ed.doc) })) {
      const id = useNotebook.getState().ed.lastInsertedId;
      if (id) useNotebook.getState().startEdit(id, editText(id));
    }
  };
  return (
    <div className="nb-toolbar" role="toolbar" aria-label="Notebook">
      <button type="button" onClick={undo} disabled={!canUndo(ed)} title="Undo (Z in command mode)" data-testid="undo">
        ↶ Undo
      </button>
      <button type="button" onClick={redo} disabled={!canRedo(ed)} title="Redo (Shift+Z)" data-testid="redo">
        ↷ Redo
      </button>
      <span className="sep" />
      <span className="muted">add:</span>
      <button type="button" onClick={() => add('prose')}>text</button>
      <button type="button" onClick={() => add('param')}>param</button>
      <button type="button" onClick={() => add('view')}>view</button>
      <button type="button" onClick={() => add('code')}>code</button>
      <span className="sep" />
      <button type="button" onClick={() => download(serializeNotebook(useNotebook.getState().ed.doc), `${name ?? 'notebook'}.md`, 'text/markdown')} data-testid="download-md">
        Download .md
      </button>
      <button type="button" onClick={() => fileInput.current?.click()}>Open .md…</button>
      <FileInput
        ref={fileInput}
        accept={NOTEBOOK_FILES}
        testId="notebook-file-input"
        onFile={(f) => void openFile(f).then((err) => err && notify({ kind: 'error', text: err, source: 'open' }))}
      />
      <ShareButton />
      {edited ? (
        <button type="button" onClick={revert} data-testid="revert" title="Drop your edits and go back to the notebook as shipped (undoable)">
          Revert to shipped
        </button>
      ) : null}
    </div>
  );
}
