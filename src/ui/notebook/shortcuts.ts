/**
 * Jupyter-like keys. In a cell's editor: Esc leaves edit mode, Shift+Enter runs the cell and
 * selects the next, Ctrl/Cmd+Enter runs it. In command mode (a cell selected, no field focused):
 * Enter edits, ↑/↓ (K/J) move, A/B insert a text cell above/below, D D deletes, Z undoes
 * (Shift+Z redoes), Shift+Enter / Ctrl+Enter run.
 */
import { useEffect } from 'react';
import { cellSource } from '../../notebook';
import { useNotebook } from './store';
import { useCode } from './code/store';
import { focusCell } from './focus';
import { newCell } from './templates';

const FIELD = 'input, select, textarea, button, summary, a, [role=slider], [contenteditable=""], [contenteditable="true"]';

/** The text an editor starts with: the cell's raw source without its trailing blank lines. */
export function editText(id: string): string {
  const c = useNotebook.getState().ed.doc.cells.find((x) => x.id === id);
  if (!c) return '';
  return c.type === 'prose' ? cellSource(c) : c.raw.replace(/\s+$/, '') + '\n';
}

/** Run a cell: commit its edit; views re-run. Then optionally select the next cell. */
export function runCell(id: string, next: boolean): void {
  const st = useNotebook.getState();
  if (st.editing === id) st.commitEdit();
  const s = useNotebook.getState();
  s.runCell(id);
  if (s.ed.doc.cells.some((c) => c.id === id && c.type === 'code')) useCode.getState().rerun(id);
  const cells = s.ed.doc.cells;
  const i = cells.findIndex((c) => c.id === id);
  const target = next ? (cells[i + 1]?.id ?? id) : id;
  s.select(target);
  focusCell(target);
}

export function useNotebookShortcuts(): void {
  useEffect(() => {
    let lastD = 0;
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.isComposing) return;
      const st = useNotebook.getState();
      if (!st.name) return;
      const t = e.target as HTMLElement | null;
      const mod = e.ctrlKey || e.metaKey;
      // edit mode: the cell's textarea
      if (t?.classList.contains('cell-editor') && st.editing) {
        const id = st.editing;
        if (e.key === 'Escape') {
          e.preventDefault();
          st.commitEdit();
          focusCell(id);
        } else if (e.key === 'Enter' && (e.shiftKey || mod)) {
          e.preventDefault();
          runCell(id, e.shiftKey && !mod);
        }
        return;
      }
      const inField = !!t && t !== document.body && !!t.closest(FIELD);
      const id = st.selected;
      if (!id) return;
      // run keys work from a control inside a cell too (e.g. after moving a slider)
      if (e.key === 'Enter' && (e.shiftKey || mod) && (!inField || t?.closest('[data-cell-id]'))) {
        e.preventDefault();
        runCell(t?.closest<HTMLElement>('[data-cell-id]')?.dataset.cellId ?? id, e.shiftKey && !mod);
        return;
      }
      if (inField) return;
      const onCell = !t || t === document.body || !!t.closest('[data-cell-id]') || !!t.closest('.notebook');
      if (!onCell) return;
      const cells = st.ed.doc.cells;
      const i = cells.findIndex((c) => c.id === id);
      const key = e.key;
      const handled = () => e.preventDefault();
      if (mod && (key === 'z' || key === 'Z')) {
        handled();
        if (e.shiftKey) st.redo();
        else st.undo();
        return;
      }
      if (mod && (key === 'y' || key === 'Y')) {
        handled();
        st.redo();
        return;
      }
      if (mod || e.altKey) return;
      switch (key) {
        case 'Enter':
          handled();
          st.startEdit(id, editText(id));
          return;
        case 'Escape':
          return;
        case 'ArrowUp':
        case 'k':
        case 'K': {
          handled();
          const to = cells[Math.max(0, i - 1)]?.id ?? id;
          st.select(to);
          focusCell(to);
          return;
        }
        case 'ArrowDown':
        case 'j':
        case 'J': {
          handled();
          const to = cells[Math.min(cells.length - 1, i + 1)]?.id ?? id;
          st.select(to);
          focusCell(to);
          return;
        }
        case 'a':
        case 'b': {
          handled();
          if (st.edit({ type: 'insert', index: key === 'a' ? i : i + 1, cell: newCell('prose', st.ed.doc) })) focusCell(useNotebook.getState().selected);
          return;
        }
        case 'd': {
          handled();
          const now = Date.now();
          if (now - lastD < 800) {
            lastD = 0;
            const after = cells[i + 1]?.id ?? cells[i - 1]?.id ?? null;
            st.edit({ type: 'delete', id });
            useNotebook.getState().select(after);
            focusCell(after);
          } else lastD = now;
          return;
        }
        case 'z':
          handled();
          st.undo();
          return;
        case 'Z':
          handled();
          st.redo();
          return;
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
