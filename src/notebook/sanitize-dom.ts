/**
 * The browser's second sanitising layer for rendered Markdown: DOMPurify over the HTML that
 * markdown.ts produced (already safe by construction; this guards against a bug there).
 *
 *   renderMarkdown(src, { sanitize: sanitizeHtml })
 *
 * KaTeX output needs SVG, MathML and `style`, so DOMPurify's default profiles stay on; what can
 * load or run anything (script, iframe, object, embed, form, base, link, meta, style) is refused.
 * Without a DOM (Node) DOMPurify cannot work and the input is returned as is.
 */
import DOMPurify from 'dompurify';

const FORBID_TAGS = ['script', 'iframe', 'frame', 'frameset', 'object', 'embed', 'form', 'input', 'button', 'base', 'link', 'meta', 'style'];

let hooked = false;

export function sanitizeHtml(html: string): string {
  if (!DOMPurify.isSupported) return html;
  if (!hooked) {
    // keep target=_blank only together with rel=noopener (markdown.ts sets both on external links)
    DOMPurify.addHook('afterSanitizeAttributes', (node) => {
      if (node.tagName === 'A' && node.getAttribute('target') === '_blank') node.setAttribute('rel', 'noopener noreferrer nofollow');
    });
    hooked = true;
  }
  return DOMPurify.sanitize(html, { FORBID_TAGS, ADD_ATTR: ['target'], ALLOW_DATA_ATTR: false });
}
