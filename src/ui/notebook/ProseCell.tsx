/**
 * Prose: Markdown with TeX math. The HTML comes from renderMarkdown (markdown-it with raw HTML
 * escaped, only safe link schemes, KaTeX without trust) and then DOMPurify; nothing from the file
 * reaches the page as markup without passing both.
 */
import { useMemo } from 'react';
import 'katex/dist/katex.min.css';
import { renderMarkdown, type ProseCell as ProseCellT } from '../../notebook';
import { sanitizeHtml } from '../../notebook/sanitize-dom';

export function ProseBody({ cell }: { cell: ProseCellT }) {
  const html = useMemo(() => renderMarkdown(cell.text, { sanitize: sanitizeHtml }), [cell.text]);
  return <div className="prose" dangerouslySetInnerHTML={{ __html: html }} />;
}
