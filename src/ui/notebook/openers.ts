/**
 * Opening notebooks: a shipped one or one saved in this browser (by name), a file the user gives
 * us, or a brand-new one. Each ends with the store holding the document and the URL naming it.
 */
import { serializeNotebook } from '../../notebook';
import { go } from '../route';
import { useNotebook, type Notice } from './store';
import { listSaved, loadSaved, saveNotebook } from './storage';
import { shippedNotebook } from './shipped';
import { readNotebookFile } from './open-file';
import { NEW_NOTEBOOK } from './templates';

/** Load `name` into the store (unless it is already open). Returns false when there is no such notebook. */
export function loadByName(name: string, hash: string): boolean {
  const st = useNotebook.getState();
  if (st.name === name) {
    st.applyHash(hash);
    return true;
  }
  const shipped = shippedNotebook(name);
  const saved = loadSaved(name);
  if (!shipped && !saved) return false;
  const notices: Array<Omit<Notice, 'id'>> = [];
  let text = shipped?.text ?? '';
  if (saved && (!shipped || saved.text !== shipped.text)) {
    text = saved.text;
    const when = saved.savedAt ? new Date(saved.savedAt).toLocaleString() : 'earlier';
    notices.push(
      shipped
        ? { kind: 'info', text: `Restored your edits saved in this browser (${when}). “Revert to shipped” brings back the original.`, source: 'restored' }
        : { kind: 'info', text: `This notebook is stored in this browser only (${saved.fileName ? `opened from ${saved.fileName}, ` : ''}last saved ${when}).`, source: 'restored' },
    );
  }
  st.open(name, text, { shippedText: shipped?.text ?? null, origin: saved ? 'saved' : 'shipped', hash, notices, fileName: saved?.fileName });
  return true;
}

/**
 * Open a .md file: read it safely, keep it in this browser under its name, show it.
 * Returns a message when the file could not be opened (the current notebook is left as it was).
 */
export async function openFile(file: File): Promise<string | null> {
  const st = useNotebook.getState();
  let opened;
  try {
    opened = await readNotebookFile(file);
  } catch (e) {
    return `Could not open ${file.name}: ${(e as Error).message}`;
  }
  const shipped = shippedNotebook(opened.name);
  st.open(opened.name, opened.text, {
    shippedText: shipped?.text ?? null,
    origin: 'file',
    hash: `#nb=${opened.name}`,
    fileName: opened.fileName,
    notices: [{ kind: 'info', text: `Opened ${opened.fileName}${shipped ? ` (it replaces your copy of the shipped “${shipped.title}”; “Revert to shipped” restores it)` : ''}.`, source: 'open' }],
  });
  const s = useNotebook.getState();
  const err = saveNotebook(opened.name, { text: serializeNotebook(s.ed.doc), savedAt: Date.now(), origin: shipped ? 'edit' : 'file', fileName: opened.fileName });
  if (err) s.notify({ kind: 'warning', text: err, source: 'save' });
  go(`nb=${opened.name}`);
  return null;
}

export function newNotebook(): void {
  const taken = new Set(listSaved().map((s) => s.name));
  let name = 'untitled';
  for (let i = 2; taken.has(name) || shippedNotebook(name); i++) name = `untitled-${i}`;
  saveNotebook(name, { text: NEW_NOTEBOOK, savedAt: Date.now(), origin: 'file' });
  go(`nb=${name}`);
}
