/**
 * Prose Markdown (with TeX math) → safe HTML. No DOM needed: this runs in Node tests too.
 *
 * API
 *   renderMarkdown(src, { sanitize? }) → HTML string. Never throws.
 *     Math: $…$ inline, $$…$$ display (own lines or inline), and ```math fences, rendered by KaTeX
 *     (include 'katex/dist/katex.min.css' in the page).
 *     sanitize: a second, DOM-based layer applied to the final HTML. In the browser pass
 *     sanitizeHtml from './sanitize-dom' (DOMPurify); it is a parameter so this module stays
 *     DOM-free.
 *   MAX_MARKDOWN_CHARS: longer prose is not rendered (a message is shown instead).
 *   Math budget: at most MAX_MATH_PER_TEXT formulas of at most MAX_TEX_CHARS characters are typeset
 *     per text, within MATH_BUDGET_MS; the rest are shown as TeX source with one note at the end.
 *     KaTeX runs with maxExpand/maxSize limits, a `$$` block spans at most MAX_MATH_BLOCK_LINES lines.
 *
 * Why the first layer is already safe: markdown-it runs with html: false, so every `<` in the
 * source is escaped and the only tags are the ones markdown-it and KaTeX emit; links and images
 * pass validateLink, which admits only http(s), mailto and relative URLs (no javascript:, data:,
 * vbscript:, file:); KaTeX runs with trust: false, so \href, \url, \htmlClass… are refused.
 */
import MarkdownIt from 'markdown-it';
import type { MarkdownIt as MarkdownItInstance, StateBlock, StateInline, Token } from 'markdown-it';
import katex from 'katex';

export const MAX_MARKDOWN_CHARS = 64 * 1024;
export const MAX_TEX_CHARS = 4000;
export const MAX_MATH_PER_TEXT = 500;
/** Typesetting time per text; formulas after it are shown as source (a safety net behind the count). */
export const MATH_BUDGET_MS = 500;
/** A display block looks this many lines ahead for its closing `$$` (keeps the block rule linear). */
export const MAX_MATH_BLOCK_LINES = 100;
const SAFE_SCHEMES = ['http', 'https', 'mailto'];

export interface RenderOptions {
  /** final HTML → sanitised HTML (DOMPurify in the browser) */
  sanitize?: (html: string) => string;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Only http(s), mailto and scheme-less (relative, #anchor) URLs. */
export function isSafeUrl(url: string): boolean {
  // browsers ignore whitespace and control characters inside a scheme ("java\tscript:")
  const u = url.replace(/[\u0000-\u0020\u007f-\u009f]/g, '').toLowerCase();
  const m = /^([a-z][a-z0-9+.-]*):/.exec(u);
  if (!m) return true; // relative, #anchor or protocol-relative (http(s) either way)
  return SAFE_SCHEMES.includes(m[1]);
}

/** What one render may still spend on math (reset by renderMarkdown). */
const mathBudget = { count: 0, deadline: 0, skipped: 0 };

function renderTex(tex: string, display: boolean): string {
  if (tex.length > MAX_TEX_CHARS) return `<code class="nb-math-error">${escapeHtml(tex.slice(0, 200))}…</code>`;
  if (++mathBudget.count > MAX_MATH_PER_TEXT || performance.now() > mathBudget.deadline) {
    mathBudget.skipped++;
    return `<code class="nb-math-skipped">${escapeHtml(tex.slice(0, 200))}${tex.length > 200 ? '…' : ''}</code>`;
  }
  try {
    return katex.renderToString(tex, {
      displayMode: display,
      throwOnError: false,
      trust: false,
      strict: 'ignore',
      maxSize: 20,
      maxExpand: 500,
      output: 'htmlAndMathml',
    });
  } catch {
    return `<code class="nb-math-error">${escapeHtml(tex)}</code>`;
  }
}

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/**
 * `$x$` (pandoc rules: no space just inside the dollars, no digit right after the closing one,
 * so "$5 and $10" stays text) and `$$x$$` inside a line.
 */
function mathInline(state: StateInline, silent: boolean): boolean {
  const src = state.src;
  const start = state.pos;
  if (src.charCodeAt(start) !== 0x24) return false;
  if (start > 0 && src.charCodeAt(start - 1) === 0x5c) return false;
  if (src.charCodeAt(start + 1) === 0x24) {
    const end = src.indexOf('$$', start + 2);
    if (end < 0 || end > state.posMax - 2 || end === start + 2) return false;
    if (!silent) {
      const t = state.push('math_inline_display', 'math', 0);
      t.content = src.slice(start + 2, end);
      t.markup = '$$';
    }
    state.pos = end + 2;
    return true;
  }
  if (start + 1 >= state.posMax || isSpace(src.charCodeAt(start + 1))) return false;
  let end = start + 1;
  for (;;) {
    end = src.indexOf('$', end);
    if (end < 0 || end >= state.posMax) return false;
    if (src.charCodeAt(end - 1) === 0x5c) {
      end++;
      continue;
    }
    if (isSpace(src.charCodeAt(end - 1)) || isDigit(src.charCodeAt(end + 1))) return false;
    break;
  }
  if (!silent) {
    const t = state.push('math_inline', 'math', 0);
    t.content = src.slice(start + 1, end);
    t.markup = '$';
  }
  state.pos = end + 1;
  return true;
}

/** Lines [from, to) of `src` (at block indent `indent`) hold no closing `$$` and no dedent (reset per render). */
const blockScan = { src: '', indent: 0, from: 0, to: 0 };

/** A paragraph-level `$$ … $$` (on one line or spanning lines). */
function mathBlock(state: StateBlock, startLine: number, endLine: number, silent: boolean): boolean {
  let pos = state.bMarks[startLine] + state.tShift[startLine];
  let max = state.eMarks[startLine];
  if (state.sCount[startLine] - state.blkIndent >= 4) return false;
  if (pos + 2 > max || state.src.slice(pos, pos + 2) !== '$$') return false;
  pos += 2;
  let first = state.src.slice(pos, max);
  let last = '';
  let line = startLine;
  let found = false;
  const m = blockScan;
  const from = startLine + 1;
  let jumped = false;
  if (first.trim().endsWith('$$')) {
    first = first.trim().slice(0, -2);
    found = true;
  } else {
    // Bounded look-ahead, and lines already known to hold no closing `$$` are skipped: this rule
    // is asked again at every line of a paragraph, which would otherwise be quadratic.
    const stop = Math.min(endLine, startLine + MAX_MATH_BLOCK_LINES);
    jumped = m.src === state.src && m.indent === state.blkIndent && from >= m.from && from < m.to;
    if (jumped) line = m.to - 1;
    while (++line < stop) {
      pos = state.bMarks[line] + state.tShift[line];
      max = state.eMarks[line];
      if (pos < max && state.tShift[line] < state.blkIndent) break;
      // O(1) test for a line ending in `$$` (trailing spaces aside) before slicing anything
      let e = max;
      while (e > pos && isSpace(state.src.charCodeAt(e - 1))) e--;
      if (e - pos >= 2 && state.src.charCodeAt(e - 1) === 0x24 && state.src.charCodeAt(e - 2) === 0x24) {
        last = state.src.slice(pos, e - 2).trim();
        found = true;
        break;
      }
    }
  }
  if (!found) {
    if (line > startLine) {
      if (jumped) m.to = Math.max(m.to, line);
      else Object.assign(m, { src: state.src, indent: state.blkIndent, from, to: line });
    }
    return false;
  }
  if (silent) return true;
  state.line = line + 1;
  const t = state.push('math_block', 'math', 0);
  t.block = true;
  t.content = (first.trim() ? first + '\n' : '') + state.getLines(startLine + 1, line, state.tShift[startLine], true) + (last.trim() ? last : '');
  t.map = [startLine, state.line];
  t.markup = '$$';
  return true;
}

function createRenderer(): MarkdownItInstance {
  const md = new MarkdownIt('default', {
    html: false,
    linkify: true,
    typographer: false,
    breaks: false,
    maxNesting: 20,
  });
  md.validateLink = isSafeUrl;
  md.inline.ruler.after('escape', 'math_inline', mathInline);
  md.block.ruler.after('blockquote', 'math_block', mathBlock, { alt: ['paragraph', 'reference', 'blockquote', 'list'] });
  md.renderer.rules.math_inline = (tokens: Token[], idx: number) => renderTex(tokens[idx].content, false);
  md.renderer.rules.math_inline_display = (tokens: Token[], idx: number) => renderTex(tokens[idx].content, true);
  md.renderer.rules.math_block = (tokens: Token[], idx: number) => `<div class="nb-math">${renderTex(tokens[idx].content, true)}</div>\n`;
  const fence = md.renderer.rules.fence!;
  md.renderer.rules.fence = (tokens, idx, options, env, self) => {
    const info = tokens[idx].info.trim().split(/\s+/)[0];
    if (info === 'math') return `<div class="nb-math">${renderTex(tokens[idx].content, true)}</div>\n`;
    return fence(tokens, idx, options, env, self);
  };
  // external links open in a new tab without handing it our window
  const linkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
  md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
    const href = String(tokens[idx].attrGet('href') ?? '');
    if (/^https?:/i.test(href)) {
      tokens[idx].attrSet('target', '_blank');
      tokens[idx].attrSet('rel', 'noopener noreferrer nofollow');
    }
    return linkOpen(tokens, idx, options, env, self);
  };
  return md;
}

let renderer: MarkdownItInstance | null = null;

export function renderMarkdown(src: string, opts: RenderOptions = {}): string {
  let html: string;
  const text = typeof src === 'string' ? src : '';
  if (text.length > MAX_MARKDOWN_CHARS) {
    html = `<p class="nb-error">This text is too long to display (${text.length.toLocaleString('en-US')} characters; the limit is ${MAX_MARKDOWN_CHARS.toLocaleString('en-US')}).</p>`;
  } else {
    try {
      renderer ??= createRenderer();
      mathBudget.count = 0;
      mathBudget.skipped = 0;
      mathBudget.deadline = performance.now() + MATH_BUDGET_MS;
      blockScan.src = '';
      html = renderer.render(text);
      if (mathBudget.skipped > 0) {
        const n = mathBudget.skipped;
        html += `<p class="nb-error">${n.toLocaleString('en-US')} formula${n === 1 ? ' is' : 's are'} shown as TeX source: a text typesets at most ${MAX_MATH_PER_TEXT.toLocaleString('en-US')} formulas (${MATH_BUDGET_MS / 1000} s of typesetting).</p>`;
      }
    } catch {
      html = `<pre class="nb-error">${escapeHtml(text)}</pre>`;
    }
  }
  if (!opts.sanitize) return html;
  try {
    return opts.sanitize(html);
  } catch {
    // a failing sanitizer must not leave unsanitised output behind
    return `<pre class="nb-error">${escapeHtml(text.slice(0, 10000))}</pre>`;
  }
}
