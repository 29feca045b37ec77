/**
 * The browser's second layer: DOMPurify over rendered Markdown, checked on a real DOM. Hostile
 * prose must leave no script, frame, event handler or javascript:/data: URL; KaTeX output
 * (spans with style, SVG, MathML) must survive.
 */
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../src/notebook/markdown';
import { sanitizeHtml } from '../../src/notebook/sanitize-dom';

function assertSafeDom(html: string): HTMLElement {
  const root = document.createElement('div');
  root.innerHTML = html;
  expect(root.querySelectorAll('script, iframe, frame, object, embed, style, form, base, link, meta, foreignObject').length).toBe(0);
  for (const el of Array.from(root.querySelectorAll('*'))) {
    for (const a of Array.from(el.attributes)) {
      expect(a.name.toLowerCase().startsWith('on'), `${el.tagName} ${a.name}`).toBe(false);
      if (['href', 'src', 'xlink:href', 'action', 'formaction'].includes(a.name.toLowerCase())) {
        expect(a.value.replace(/[\u0000-\u0020]/g, '').toLowerCase()).not.toMatch(/^(javascript|vbscript|data|file):/);
      }
    }
  }
  return root;
}

describe('sanitizeHtml (DOMPurify)', () => {
  it('is active in the browser', () => {
    expect(sanitizeHtml('<img src=x onerror="alert(1)"><script>alert(1)</script>')).toBe('<img src="x">');
  });

  it('cleans raw hostile HTML on its own (if markdown.ts ever let some through)', () => {
    const raw =
      '<a href="javascript:alert(1)" target="_blank">a</a><iframe src="https://x"></iframe><svg><script>alert(1)</script><a xlink:href="javascript:alert(1)"><text>t</text></a></svg>' +
      '<math><mtext><img src=x onerror=alert(1)></mtext></math><form action="javascript:1"><button formaction="javascript:1">b</button></form><style>*{}</style><div onclick="x">d</div>';
    const root = assertSafeDom(sanitizeHtml(raw));
    const a = root.querySelector('a')!;
    expect(a.getAttribute('href')).toBeNull();
    expect(a.getAttribute('rel')).toBe('noopener noreferrer nofollow');
  });

  it('hostile Markdown through both layers', () => {
    const hostile = [
      '<script>alert(1)</script>',
      '<img src=x onerror=alert(1)>',
      '[x](javascript:alert(1))',
      '![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)',
      '$\\href{javascript:alert(1)}{x}$',
      '[ok](https://example.com)',
    ];
    for (const h of hostile) assertSafeDom(renderMarkdown(h, { sanitize: sanitizeHtml }));
    const link = assertSafeDom(renderMarkdown('[ok](https://example.com)', { sanitize: sanitizeHtml })).querySelector('a')!;
    expect(link.getAttribute('target')).toBe('_blank');
    expect(link.getAttribute('rel')).toContain('noopener');
  });

  it('keeps KaTeX output', () => {
    const html = renderMarkdown('$\\mathrm{softmax}(QK^T/\\sqrt{d})V$', { sanitize: sanitizeHtml });
    const root = assertSafeDom(html);
    expect(root.querySelector('.katex .katex-html')).not.toBeNull();
    expect(root.querySelector('math')).not.toBeNull();
    expect(root.querySelector('.sqrt svg path')).not.toBeNull();
    expect(root.querySelector('[style]')).not.toBeNull();
  });
});
