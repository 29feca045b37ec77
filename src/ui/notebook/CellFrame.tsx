/**
 * One cell: selection (command mode), its tools (edit, move, add below, delete), the body or the
 * editor, and its problems. Double-click prose to edit it.
 */
import type { Cell } from '../../notebook';
import { useNotebook } from './store';
import { CellEditor } from './CellEditor';
import { CellErrors } from './CellErrors';
import { ProseBody } from './ProseCell';
import { ParamControl } from './ParamControl';
import { ViewCellBody } from './ViewCellBody';
import { CodeCellBody } from './code/CodeCellBody';
import { useCode } from './code/store';
import { editText, runCell } from './shortcuts';
import { newCell, type NewKind } from './templates';
import { focusCell } from './focus';

function cellLabel(c: Cell): string {
  if (c.type === 'prose') return 'text';
  if (c.type === 'param') return `param ${c.name || '?'}`;
  if (c.type === 'code') return `js ${c.name || ''}`.trim();
  return `view ${c.viewKind || '?'}${c.name ? ` ${c.name}` : ''}`;
}

function AddMenu({ index }: { index: number }) {
  const edit = useNotebook((s) => s.edit);
  const add = (kind: NewKind, e: React.MouseEvent) => {
    const menu = e.currentTarget.closest('details');
    if (menu) menu.open = false;
    const st = useNotebook.getState();
    if (edit({ type: 'insert', index, cell: newCell(kind, st.ed.doc) })) {
      const id = useNotebook.getState().ed.lastInsertedId;
      if (id) useNotebook.getState().startEdit(id, editText(id));
    }
  };
  return (
    <details className="add-menu">
      <summary title="Add a cell below">+ add</summary>
      <div className="menu-items" role="menu">
        <button type="button" role="menuitem" onClick={(e) => add('prose', e)}>text</button>
        <button type="button" role="menuitem" onClick={(e) => add('param', e)}>param</button>
        <button type="button" role="menuitem" onClick={(e) => add('view', e)}>view</button>
        <button type="button" role="menuitem" onClick={(e) => add('code', e)}>code</button>
      </div>
    </details>
  );
}

export function CellFrame({ cell, index, count }: { cell: Cell; index: number; count: number }) {
  const selected = useNotebook((s) => s.selected === cell.id);
  const editing = useNotebook((s) => s.editing === cell.id);
  const { select, startEdit, commitEdit, edit } = useNotebook.getState();
  const label = cellLabel(cell);
  const move = (to: number) => {
    edit({ type: 'move', id: cell.id, to });
    focusCell(cell.id);
  };
  const body =
    cell.type === 'prose' ? (
      <ProseBody cell={cell} />
    ) : cell.type === 'param' ? (
      <ParamControl cell={cell} />
    ) : cell.type === 'code' ? (
      <CodeCellBody cell={cell} />
    ) : (
      <ViewCellBody cell={cell} />
    );
  return (
    <section
      className={`cell cell-${cell.type} ${selected ? 'selected' : ''} ${editing ? 'editing' : ''}`}
      tabIndex={selected ? 0 : -1}
      data-cell-id={cell.id}
      data-cell-type={cell.type}
      aria-label={label}
      onFocus={() => select(cell.id)}
      onMouseDown={() => select(cell.id)}
      onDoubleClick={(e) => {
        if (cell.type === 'prose' && !editing && !(e.target as HTMLElement).closest('a, button, input')) startEdit(cell.id, editText(cell.id));
      }}
    >
      <div className="cell-tools" role="toolbar" aria-label={`${label} tools`}>
        <span className="cell-kind">{label}</span>
        {editing ? (
          <button type="button" onMouseDown={(e) => e.preventDefault()} onClick={() => commitEdit()} data-action="done">done</button>
        ) : (
          <button type="button" onClick={() => startEdit(cell.id, editText(cell.id))} data-action="edit">edit</button>
        )}
        {cell.type === 'view' ? (
          <button type="button" onClick={() => runCell(cell.id, false)} title="Run (Ctrl+Enter)" data-action="run">run</button>
        ) : null}
        {cell.type === 'code' ? (
          <button type="button" onClick={() => useCode.getState().rerun(cell.id)} title="Run again" data-action="run">run</button>
        ) : null}
        <button type="button" onClick={() => move(index - 1)} disabled={index === 0} aria-label="move up" title="Move up">↑</button>
        <button type="button" onClick={() => move(index + 1)} disabled={index === count - 1} aria-label="move down" title="Move down">↓</button>
        <AddMenu index={index + 1} />
        <button type="button" onClick={() => edit({ type: 'delete', id: cell.id })} aria-label="delete cell" title="Delete (D D)" data-action="delete">✕</button>
      </div>
      {editing ? <CellEditor id={cell.id} label={label} /> : body}
      <CellErrors cell={cell} />
    </section>
  );
}
