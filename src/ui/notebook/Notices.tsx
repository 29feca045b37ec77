/** The notebook's messages: link notes, restored edits, opened files, file-level problems. */
import { useNotebook } from './store';

export function Notices() {
  const notices = useNotebook((s) => s.notices);
  const saveError = useNotebook((s) => s.saveError);
  const dismiss = useNotebook((s) => s.dismiss);
  if (notices.length === 0 && !saveError) return null;
  return (
    <div className="notices" aria-live="polite" data-testid="notices">
      {notices.map((n) => (
        <div key={n.id} className={`notice notice-${n.kind}`} role={n.kind === 'error' ? 'alert' : 'status'} data-source={n.source}>
          <span>{n.text}</span>
          <button type="button" className="link" onClick={() => dismiss(n.id)} aria-label="dismiss">
            dismiss
          </button>
        </div>
      ))}
      {saveError ? (
        <div className="notice notice-warning" role="alert">
          {saveError}
        </div>
      ) : null}
    </div>
  );
}
