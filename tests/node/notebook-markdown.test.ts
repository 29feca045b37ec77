/**
 * Prose rendering: Markdown + math to HTML with nothing that can run script — hostile prose,
 * hostile math, every shipped notebook, huge and deeply nested input. (The DOMPurify layer runs in
 * the browser; here the markdown-it layer must already be safe on its own.)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSafeUrl, MAX_MARKDOWN_CHARS, renderMarkdown } from '../../src/notebook/markdown';
import { parseNotebook } from '../../src/notebook/format';

const BAD_TAGS = ['script', 'iframe', 'frame', 'object', 'embed', 'style', 'form', 'base', 'link', 'meta', 'input', 'button', 'textarea', 'svg:script', 'foreignobject'];

const decodeEntities = (s: string) =>
  s
    .replace(/&#x([0-9a-f]+);?/gi, (_, h) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);?/g, (_, d) => String.fromCodePoint(Number(d)))
    .replace(/&colon;/gi, ':')
    .replace(/&tab;|&newline;/gi, '')
    .replace(/&amp;/g, '&');

/**
 * With html:false every '<' of the source is escaped, so each '<' in the output starts a real tag:
 * check every tag and attribute.
 */
function assertSafe(html: string): void {
  const tags = html.match(/<[^>]*>?/g) ?? [];
  for (const tag of tags) {
    const head = /^<\/?\s*([a-z0-9:-]*)/i.exec(tag)!;
    const name = head[1].toLowerCase();
    expect(BAD_TAGS, `tag ${tag}`).not.toContain(name);
    // walk the attributes the way a browser tokenizes them (quoted values may contain anything)
    const attrRe = /([^\s"'>\/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]*)))?/g;
    const rest = tag.slice(head[0].length);
    for (const m of rest.matchAll(attrRe)) {
      const attr = m[1].toLowerCase();
      expect(attr, `event handler attribute in ${tag}`).not.toMatch(/^on/);
      expect(['srcdoc', 'formaction', 'xmlns:xlink'], `attribute in ${tag}`).not.toContain(attr);
      const value = m[2] ?? m[3] ?? m[4] ?? '';
      if (['href', 'src', 'xlink:href', 'action', 'background', 'poster', 'srcset'].includes(attr)) {
        const url = decodeEntities(value).replace(/[\u0000-\u0020]/g, '').toLowerCase();
        expect(url, `url in ${tag}`).not.toMatch(/^(javascript|vbscript|data|file):/);
      }
    }
  }
  expect(html).not.toMatch(/<script/i);
}

describe('hostile prose produces no dangerous HTML', () => {
  const hostile = [
    '<script>alert(1)</script>',
    '<SCRIPT SRC=//evil/x.js></SCRIPT>',
    '<img src=x onerror=alert(1)>',
    '<svg onload=alert(1)>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<a href="javascript:alert(1)">x</a>',
    '<details open ontoggle=alert(1)>',
    '<style>body{background:url(javascript:alert(1))}</style>',
    '[x](javascript:alert(1))',
    '[x](JaVaScRiPt:alert(1))',
    '[x](  javascript:alert(1))',
    '[x](java&#x09;script:alert(1))',
    '[x](&#106;avascript:alert(1))',
    '[x](javascript&colon;alert(1))',
    '[x](vbscript:msgbox(1))',
    '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
    '![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)',
    '![x](javascript:alert(1))',
    '<javascript:alert(1)>',
    '<data:text/html,<script>alert(1)</script>>',
    '[x][r]\n\n[r]: javascript:alert(1)',
    '[x](<javascript:alert(1)>)',
    '[x](file:///etc/passwd)',
    '[x](http://example.com "title\\" onclick=alert(1) x=\\"")',
    '```html\n<script>alert(1)</script>\n```',
    '`<script>`',
    '$\\href{javascript:alert(1)}{click}$',
    '$\\url{javascript:alert(1)}$',
    '$\\htmlClass{x}{y}\\htmlId{a}{b}\\htmlStyle{color:red}{c}\\htmlData{onclick=alert(1)}{d}$',
    '$$\\includegraphics{javascript:alert(1)}$$',
    '```math\n\\href{javascript:alert(1)}{x}\n```',
    '$</span><script>alert(1)</script>$',
    '$x" onmouseover="alert(1)$',
    '$\\textcolor{red" onload="alert(1)}{x}$',
    '$\\def\\a{\\a\\a}\\a$',
    '$' + '\\frac{'.repeat(3000) + '$',
    'www.example.com javascript:alert(1) http://ok.example/?q=<script>',
    '<!-- <script>alert(1)</script> -->',
    '<![CDATA[<script>alert(1)</script>]]>',
    '| a |\n|---|\n| <img src=x onerror=alert(1)> |',
  ];
  for (const h of hostile) {
    it(JSON.stringify(h.slice(0, 60)), () => {
      const html = renderMarkdown(h);
      assertSafe(html);
    });
  }

  it('raw HTML is shown as text, not dropped', () => {
    expect(renderMarkdown('<b>hi</b>')).toContain('&lt;b&gt;hi&lt;/b&gt;');
  });

  it('the checker itself catches dangerous output (the test can fail)', () => {
    expect(() => assertSafe('<p><img src=x onerror=alert(1)></p>')).toThrow();
    expect(() => assertSafe('<a href="javascript:alert(1)">x</a>')).toThrow();
    expect(() => assertSafe('<a href="&#106;avascript:alert(1)">x</a>')).toThrow();
    expect(() => assertSafe('<iframe src="x"></iframe>')).toThrow();
    expect(() => assertSafe('<p title="x" onclick="y">')).toThrow();
    expect(() => assertSafe('<p title="onclick=1">')).not.toThrow();
  });

  it('isSafeUrl', () => {
    for (const u of ['https://a.example', 'http://a', 'mailto:x@y', '#sec', '/abs', 'rel/path', '//cdn.example/x', '?q=1'])
      expect(isSafeUrl(u), u).toBe(true);
    for (const u of ['javascript:x', ' JAVASCRIPT:x', 'java\tscript:x', 'data:text/html,x', 'vbscript:x', 'file:///x', 'blob:x', 'chrome://x'])
      expect(isSafeUrl(u), u).toBe(false);
  });
});

describe('rendering', () => {
  it('markdown, links and math', () => {
    const html = renderMarkdown('# T\n\n**b** [link](https://example.com) and $\\mathrm{softmax}(QK^T/\\sqrt{d})V$.\n\n$$\nx^2\n$$\n\n| a | b |\n|---|---|\n| 1 | 2 |\n');
    expect(html).toContain('<h1>T</h1>');
    expect(html).toContain('<strong>b</strong>');
    expect(html).toMatch(/<a href="https:\/\/example.com" target="_blank" rel="noopener noreferrer nofollow">link<\/a>/);
    expect(html).toContain('class="katex"');
    expect(html).toContain('katex-display');
    expect(html).toContain('<table>');
    assertSafe(html);
  });

  it('dollar amounts are not math', () => {
    const html = renderMarkdown('It costs $5 and $10, or \\$x\\$.');
    expect(html).not.toContain('katex');
    expect(html).toContain('$5 and $10');
  });

  it('bad TeX is shown, not thrown', () => {
    const html = renderMarkdown('$\\frac{1}{$ and $\\notacommand$');
    expect(html).toContain('katex');
    assertSafe(html);
  });

  it('too long prose is replaced by a message', () => {
    const html = renderMarkdown('x'.repeat(MAX_MARKDOWN_CHARS + 1));
    expect(html).toMatch(/too long to display/);
    expect(html.length).toBeLessThan(500);
  });

  it('10k nested lists, quotes, emphasis and brackets: no throw, fast, safe', () => {
    const inputs = [
      '> '.repeat(10000) + 'x',
      '- '.repeat(10000) + 'x',
      '1. '.repeat(10000) + 'x',
      Array.from({ length: 10000 }, (_, i) => ' '.repeat(Math.min(i, 60)) + '- x').join('\n'),
      '*'.repeat(10000) + 'x' + '*'.repeat(10000),
      '['.repeat(10000) + 'x' + ']'.repeat(10000) + '(y)',
      '$'.repeat(10000),
      '`'.repeat(10000),
      '<'.repeat(10000) + 'a',
    ];
    for (const s of inputs) {
      const t0 = performance.now();
      const html = renderMarkdown(s);
      expect(performance.now() - t0, s.slice(0, 10)).toBeLessThan(5000);
      assertSafe(html);
    }
  });

  it('the injected sanitizer is applied last, and a failing one never leaks raw output', () => {
    expect(renderMarkdown('# x', { sanitize: (h) => `[${h.trim()}]` })).toBe('[<h1>x</h1>]');
    const html = renderMarkdown('<img src=x onerror=alert(1)> **b**', {
      sanitize: () => {
        throw new Error('boom');
      },
    });
    assertSafe(html);
    expect(html).toMatch(/^<pre class="nb-error">/);
  });

  it('never throws on odd input', () => {
    expect(() => renderMarkdown(undefined as unknown as string)).not.toThrow();
    expect(() => renderMarkdown('\u0000\uFFFF\uD800')).not.toThrow();
  });
});

describe('prose of every shipped notebook', () => {
  const dir = resolve(__dirname, '../../notebooks');
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.md'))) {
    it(f, () => {
      const nb = parseNotebook(readFileSync(join(dir, f), 'utf8'));
      for (const c of nb.cells) {
        if (c.type !== 'prose') continue;
        const html = renderMarkdown(c.text);
        assertSafe(html);
        expect(html).not.toMatch(/katex-error|nb-math-error/);
      }
    });
  }
});
