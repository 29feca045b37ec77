/** A cell's problems in plain words: parse errors and warnings, and graph issues (unknown $refs, cycles). */
import type { Cell } from '../../notebook';
import { useNotebook } from './store';

export function CellErrors({ cell }: { cell: Cell }) {
  const issues = useNotebook((s) => s.graph.issues);
  const mine = issues.filter((i) => i.cellId === cell.id);
  if (cell.errors.length === 0 && mine.length === 0) return null;
  return (
    <ul className="cell-errors" data-testid="cell-errors">
      {cell.errors.map((e, i) => (
        <li key={`e${i}`} className={e.severity === 'error' ? 'error' : 'warn'}>
          line {e.line}: {e.message}
        </li>
      ))}
      {mine.map((e, i) => (
        <li key={`g${i}`} className="error">
          line {e.line}: {e.message}
        </li>
      ))}
    </ul>
  );
}
