/** Route target `#nb=<name>&…`: loads the notebook (shipped, or saved in this browser) and shows it. */
import { useEffect, useState } from 'react';
import { loadByName } from './openers';
import { NotebookView } from './NotebookView';
import { useNotebook } from './store';

export function NotebookPage({ name, hash }: { name: string; hash: string }) {
  const [missing, setMissing] = useState(false);
  const loaded = useNotebook((s) => s.name === name);
  useEffect(() => {
    setMissing(!loadByName(name, hash));
  }, [name, hash]);
  if (missing) {
    return (
      <div className="notebook" role="alert">
        <p className="error">There is no notebook called “{name}” here (it is not shipped with the app and not saved in this browser).</p>
        <p>
          <a href="#">See all notebooks</a>
        </p>
      </div>
    );
  }
  return loaded ? <NotebookView /> : <p className="muted">opening…</p>;
}
