/**
 * Opening a notebook file the user gives us (file picker or drop). Nothing in the file is ever run
 * or injected as HTML: the core parses it into cells, Markdown is rendered with raw HTML escaped.
 * This module only reads the text safely and says, in words, what looked suspicious.
 */
import { MAX_NOTEBOOK_CHARS, notebookLimitError, type Notebook } from '../../notebook';

export interface OpenedFile {
  name: string;
  fileName: string;
  text: string;
}

export class NotebookFileError extends Error {}

/** What the file pickers offer. */
export const NOTEBOOK_FILES = '.md,.markdown,.txt,text/markdown,text/plain';

/** `My Notebook (2).md` → `My-Notebook-2`, safe as a link's `nb=` value. */
export function notebookNameFromFile(fileName: string): string {
  const stem = fileName.replace(/\.(md|markdown|txt)$/i, '');
  const s = stem.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').replace(/-+$/, '').slice(0, 80);
  return s || 'notebook';
}

export async function readNotebookFile(file: File): Promise<OpenedFile> {
  if (file.size === 0) throw new NotebookFileError(`${file.name} is empty.`);
  // a generous byte limit before reading: UTF-8 text is at most 4 bytes a character
  if (file.size > MAX_NOTEBOOK_CHARS * 4) {
    throw new NotebookFileError(`${file.name} is ${(file.size / 2 ** 20).toFixed(1)} MB; notebooks up to ${MAX_NOTEBOOK_CHARS / 2 ** 20} MB of text can be opened.`);
  }
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (bytes.subarray(0, 8192).includes(0)) throw new NotebookFileError(`${file.name} is not a text file (it looks binary); a notebook is a Markdown (.md) file.`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new NotebookFileError(`${file.name} is not UTF-8 text; save it as UTF-8 Markdown and try again.`);
  }
  if (text.length > MAX_NOTEBOOK_CHARS) {
    throw new NotebookFileError(`${file.name} has ${text.length.toLocaleString('en-US')} characters; the limit is ${MAX_NOTEBOOK_CHARS.toLocaleString('en-US')}.`);
  }
  // the notebook's other limits (lines, line length, cells): refused here, so the open notebook stays
  const refused = notebookLimitError(text);
  if (refused) throw new NotebookFileError(`${refused.replace(/ Nothing was run; the file is kept unchanged\.$/, '')} The open notebook is unchanged.`);
  return { name: notebookNameFromFile(file.name), fileName: file.name, text };
}

const SUSPICIOUS: Array<[RegExp, string]> = [
  [/<\s*script\b/i, '<script> tags'],
  [/<\s*(iframe|object|embed|frame)\b/i, 'embedded frames or objects'],
  // bounded and within one line: `[^>]*` over a file of `<` would be quadratic
  [/<[^>\n]{0,400}\son[a-z]+\s*=/i, 'HTML event handlers (onerror=, onclick=, …)'],
  [/\]\(\s*(javascript|vbscript|data):|(href|src)\s*=\s*["']?\s*(javascript|vbscript|data):/i, 'javascript:/data: links'],
  [/<\s*(style|link|meta|base|form)\b/i, 'style, link, meta, base or form tags'],
];

/**
 * What in the notebook's prose would be dangerous if it were treated as HTML. The renderer never
 * does that (raw HTML is shown as text, unsafe links are dropped); this is for telling the reader.
 */
export function suspiciousContent(nb: Notebook): string[] {
  const text = nb.head + nb.cells.map((c) => c.raw).join('');
  return SUSPICIOUS.filter(([re]) => re.test(text)).map(([, what]) => what);
}
