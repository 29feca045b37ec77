/** What every end-to-end script shares: the artifacts folder and the ok/FAIL report with its summary line. */
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { build, preview } from 'vite';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { launchChromium } from './browser';

export const root = resolve(import.meta.dirname, '..');
export const art = resolve(root, 'artifacts');
mkdirSync(art, { recursive: true });

export interface Report {
  check(name: string, ok: boolean, detail?: string): void;
  /** print `<name>: N passed, N failed` and exit (1 on any failure) */
  finish(): never;
  /** a crash counts as one more failure */
  crash(e: unknown): never;
}

export function createReport(name: string): Report {
  let passed = 0;
  let failed = 0;
  const summary = () => console.log(`${name}: ${passed} passed, ${failed} failed`);
  return {
    check(n, ok, detail = '') {
      if (ok) passed++;
      else failed++;
      console.log(`${ok ? 'ok  ' : 'FAIL'} ${n}${detail ? ` — ${detail}` : ''}`);
    },
    finish() {
      summary();
      process.exit(failed ? 1 : 0);
    },
    crash(e) {
      console.error(e);
      failed++;
      summary();
      process.exit(1);
    },
  };
}

/**
 * The built app served by `vite preview` on a free port, and a Chromium to drive it: builds first
 * unless `--no-build` was passed (or `o.build` is false) and the output folder already holds a
 * build. `close()` ends both.
 */
export async function startBuiltApp(o: { build?: boolean; outDir?: string } = {}): Promise<{ url: string; browser: Browser; close(): Promise<void> }> {
  const outDir = o.outDir ? { outDir: o.outDir } : undefined;
  const built = existsSync(resolve(o.outDir ?? resolve(root, 'dist'), 'index.html'));
  if ((o.build ?? !process.argv.includes('--no-build')) || !built) await build({ root, logLevel: 'warn', ...(outDir ? { build: { ...outDir, emptyOutDir: true } } : {}) });
  const server = await preview({ root, ...(outDir ? { build: outDir } : {}), preview: { port: 0, host: '127.0.0.1' }, logLevel: 'warn' });
  const browser = await launchChromium();
  return {
    url: server.resolvedUrls!.local[0],
    browser,
    async close() {
      await browser.close();
      await new Promise<void>((r) => server.httpServer.close(() => r()));
    },
  };
}

/**
 * A page in a browser context of its own (`options`: viewport, acceptDownloads, …) whose uncaught
 * errors collect in `errors`; `watch(p)` adds another page (e.g. a second tab of `context`).
 */
export async function openPage(browser: Browser, options: BrowserContextOptions): Promise<{ context: BrowserContext; page: Page; errors: string[]; watch(p: Page): Page }> {
  const context = await browser.newContext(options);
  const errors: string[] = [];
  const watch = (p: Page) => {
    p.on('pageerror', (e) => errors.push(e.message));
    return p;
  };
  return { context, page: watch(await context.newPage()), errors, watch };
}
