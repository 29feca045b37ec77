/**
 * "This notebook contains code — run it?": shown above a notebook from a file, a drop, a link or
 * storage whose text this browser has not agreed to. Lists every code cell (name, first lines) so
 * the reader sees what would run; nothing runs until "Run the code".
 */
import { useNotebook } from '../store';
import { useCode } from './store';

export function CodeConsent() {
  const trust = useCode((s) => s.trust);
  const allow = useCode((s) => s.allow);
  const decline = useCode((s) => s.decline);
  const doc = useNotebook((s) => s.ed.doc);
  const cells = doc.cells.filter((c) => c.type === 'code');
  if (trust === 'trusted' || cells.length === 0) return null;
  if (trust === 'declined') {
    return (
      <div className="notice notice-note code-consent" data-testid="code-consent" data-state="declined">
        <span>The code cells of this notebook are not running.</span>
        <button type="button" onClick={allow}>Run the code</button>
      </div>
    );
  }
  return (
    <div className="code-consent notice notice-warning" role="alertdialog" aria-label="This notebook contains code" data-testid="code-consent" data-state="pending">
      <div>
        <strong>This notebook contains code — run it?</strong>
        <p className="muted">
          {cells.length} code cell{cells.length === 1 ? '' : 's'} would run in an isolated worker (no access to this page, your files or the network). Only run code you trust; this choice is remembered for this exact text.
        </p>
        <details open>
          <summary>the code</summary>
          {cells.map((c) =>
            c.type === 'code' ? (
              <div key={c.id}>
                <p className="muted">line {c.line}: <code>{c.name || '(unnamed)'}</code></p>
                <pre className="code-source">{c.body}</pre>
              </div>
            ) : null,
          )}
        </details>
      </div>
      <div className="consent-actions">
        <button type="button" onClick={allow} data-action="allow-code">Run the code</button>
        <button type="button" onClick={decline} data-action="decline-code">Don&apos;t run</button>
      </div>
    </div>
  );
}
