/**
 * Notebooks kept in this browser (localStorage): autosaved edits of shipped notebooks and files
 * the user opened. One key per notebook; every call survives a full or missing storage.
 */
const PREFIX = 'attnbook:nb:';

export interface SavedNotebook {
  text: string;
  /** ms since epoch */
  savedAt: number;
  /** where it came from: an edit of a shipped notebook, or an opened file */
  origin: 'edit' | 'file';
  /** file name it was opened from */
  fileName?: string;
}

export function loadSaved(name: string): SavedNotebook | null {
  try {
    const raw = localStorage.getItem(PREFIX + name);
    if (!raw) return null;
    const v = JSON.parse(raw) as Partial<SavedNotebook>;
    if (typeof v.text !== 'string') return null;
    return { text: v.text, savedAt: Number(v.savedAt) || 0, origin: v.origin === 'file' ? 'file' : 'edit', fileName: typeof v.fileName === 'string' ? v.fileName : undefined };
  } catch {
    return null;
  }
}

/** Returns an error message when the browser refused (storage full or disabled). */
export function saveNotebook(name: string, nb: SavedNotebook): string | null {
  try {
    localStorage.setItem(PREFIX + name, JSON.stringify(nb));
    return null;
  } catch (e) {
    return `Your edits could not be saved in this browser (${(e as Error).name === 'QuotaExceededError' ? 'storage is full' : 'storage is not available'}); download the notebook to keep them.`;
  }
}

export function removeSaved(name: string): void {
  try {
    localStorage.removeItem(PREFIX + name);
  } catch {
    /* nothing to remove */
  }
}

export function listSaved(): Array<{ name: string } & SavedNotebook> {
  const out: Array<{ name: string } & SavedNotebook> = [];
  try {
    for (let i = 0; i < localStorage.length; i++) {
      const k = localStorage.key(i);
      if (!k?.startsWith(PREFIX)) continue;
      const name = k.slice(PREFIX.length);
      const s = loadSaved(name);
      if (s) out.push({ name, ...s });
    }
  } catch {
    /* storage not available */
  }
  return out.sort((a, b) => b.savedAt - a.savedAt);
}
