/** The start page: the shipped notebooks, the ones kept in this browser, open a file, start a new one. */
import { useRef, useState } from 'react';
import { SHIPPED, shippedNotebook } from './shipped';
import { listSaved, removeSaved } from './storage';
import { newNotebook, openFile } from './openers';
import { useFileDrop } from './useFileDrop';
import { FileInput } from '../FileInput';
import { NOTEBOOK_FILES } from './open-file';

export function NotebookIndex() {
  const [error, setError] = useState('');
  const [saved, setSaved] = useState(listSaved);
  const input = useRef<HTMLInputElement>(null);
  const open = (f: File) => void openFile(f).then((err) => setError(err ?? ''));
  const drop = useFileDrop(open);
  const mine = saved.filter((s) => !shippedNotebook(s.name));
  const edited = new Set(saved.filter((s) => shippedNotebook(s.name)).map((s) => s.name));
  return (
    <div className={`nb-index ${drop.over ? 'drop-over' : ''}`} {...drop.handlers} data-testid="notebook-index">
      <h2>Notebooks</h2>
      <p className="muted">Each notebook explains one idea and lets you change it: move a slider, click a map, edit any cell.</p>
      <ul className="nb-list">
        {SHIPPED.map((n) => (
          <li key={n.name}>
            <a href={`#nb=${n.name}`} data-notebook={n.name}>
              {n.title}
            </a>
            {edited.has(n.name) ? <span className="flag">edited</span> : null}
            <p>{n.description}</p>
          </li>
        ))}
      </ul>
      {mine.length ? (
        <>
          <h2>In this browser</h2>
          <ul className="nb-list">
            {mine.map((n) => (
              <li key={n.name}>
                <a href={`#nb=${n.name}`} data-notebook={n.name}>
                  {n.name}
                </a>{' '}
                <span className="muted">
                  {n.fileName ? `from ${n.fileName}, ` : ''}saved {new Date(n.savedAt).toLocaleString()}
                </span>{' '}
                <button
                  type="button"
                  className="link"
                  onClick={() => {
                    if (confirm(`Delete “${n.name}” from this browser?`)) {
                      removeSaved(n.name);
                      setSaved(listSaved());
                    }
                  }}
                >
                  delete
                </button>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <div className="row">
        <button type="button" onClick={() => input.current?.click()} data-testid="index-open">
          Open a .md notebook…
        </button>
        <button type="button" onClick={newNotebook}>
          New notebook
        </button>
        <span className="muted">or drop a .md file here</span>
        <FileInput ref={input} accept={NOTEBOOK_FILES} testId="index-file-input" onFile={open} />
      </div>
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}
