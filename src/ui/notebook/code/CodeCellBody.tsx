/**
 * A ```js``` cell: its code (always visible, with line numbers as in the file), then its state —
 * waiting for consent, blocked (unknown $name, cycle), running, its result drawn by CellResult, its
 * console lines, or its error with the file line.
 */
import type { CodeCell } from '../../../notebook';
import { useCode } from './store';
import { CellResult } from './FigureView';

function CodeSource({ cell }: { cell: CodeCell }) {
  const lines = cell.body.replace(/\r\n?/g, '\n').replace(/\n$/, '').split('\n');
  const first = cell.line + 1;
  return (
    <pre className="code-source" aria-label={`code of ${cell.name || 'js cell'}`}>
      {lines.map((l, i) => (
        <span key={i} className="code-line" data-line={first + i}>
          <span className="code-ln" aria-hidden="true">{first + i}</span>
          {l + '\n'}
        </span>
      ))}
    </pre>
  );
}

export function CodeCellBody({ cell }: { cell: CodeCell }) {
  const trust = useCode((s) => s.trust);
  const run = useCode((s) => s.runs[cell.id]);
  const graph = useCode((s) => s.graph);
  const blocked = graph?.blocked.get(cell.id);
  const issues = graph?.issues.filter((i) => i.cellId === cell.id) ?? [];
  const state = trust !== 'trusted' ? trust : blocked ? 'blocked' : (run?.status ?? 'waiting');
  return (
    <div className="code-cell" data-testid="code-cell" data-state={state} data-runs={run?.count ?? 0} data-name={cell.name}>
      <CodeSource cell={cell} />
      {issues.map((i, k) => (
        <p key={k} className="error" role="alert">
          line {i.line}: {i.message}
        </p>
      ))}
      {trust === 'pending' ? <p className="muted">Not run: this notebook&apos;s code waits for your go-ahead (at the top of the notebook).</p> : null}
      {trust === 'declined' ? <p className="muted">Not run: you chose not to run this notebook&apos;s code.</p> : null}
      {trust === 'trusted' && blocked && issues.length === 0 ? <p className="cell-message" role="note">{blocked}</p> : null}
      {trust === 'trusted' && !blocked && run ? (
        <div className={`code-output ${run.status === 'running' ? 'stale' : ''}`}>
          {run.status === 'running' ? <p className="muted">running…</p> : null}
          {run.logs.length ? <pre className="code-logs" data-testid="code-logs">{run.logs.join('\n')}</pre> : null}
          {run.status === 'error' && run.error ? (
            <p className="error code-error" role="alert" data-testid="code-error" data-kind={run.error.kind} data-line={run.error.line ?? ''}>
              {run.error.line ? `line ${run.error.line}: ` : ''}
              {run.error.message}
            </p>
          ) : null}
          {run.status === 'done' ? <CellResult value={run.value} name={cell.name || cell.id} /> : null}
          {run.ms !== undefined && run.status !== 'running' ? (
            <p className="muted code-stats">
              {(run.ms / 1000).toFixed(2)} s{run.bytes !== undefined ? ` · result ${(run.bytes / 1024).toFixed(0)} KB` : ''}
            </p>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
