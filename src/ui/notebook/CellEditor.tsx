/** Edit mode: the cell's raw source in a textarea (fences included for params and views). */
import { useEffect, useRef } from 'react';
import { useNotebook } from './store';

export function CellEditor({ id, label }: { id: string; label: string }) {
  const draft = useNotebook((s) => s.draft);
  const setDraft = useNotebook((s) => s.setDraft);
  const commit = useNotebook((s) => s.commitEdit);
  const ref = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  const rows = Math.min(40, Math.max(3, draft.split('\n').length + 1));
  return (
    <div className="cell-edit">
      <textarea
        ref={ref}
        className="cell-editor"
        aria-label={`source of ${label}`}
        spellCheck={false}
        value={draft}
        rows={rows}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={() => {
          // leaving the editor (clicking elsewhere) keeps the text, like Esc
          if (useNotebook.getState().editing === id) commit();
        }}
        data-testid="cell-editor"
      />
      <p className="muted hint">Esc or click outside: done · Shift+Enter: run and go to the next cell · Ctrl+Enter: run</p>
    </div>
  );
}
