/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { playwright } from '@vitest/browser-playwright';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { resolve, relative, sep } from 'node:path';
import { appShellPlugin } from './src/app-shell/build-plugin.js';

/** Where the reference fixtures live ($ATTN_FIXTURES, default ../shared/fixtures). */
export const FIXTURES_DIR = resolve(process.env.ATTN_FIXTURES ?? resolve(import.meta.dirname, '../shared/fixtures'));

/**
 * Serves the fixture folder read-only at /@fixtures/ for the browser halves of the test suite
 * (dev server only; never part of the build). Paths outside the folder are refused.
 */
function fixturesPlugin(): Plugin {
  return {
    name: 'attn-fixtures',
    apply: 'serve',
    configureServer(server) {
      server.middlewares.use('/@fixtures/', (req, res) => {
        const rel = decodeURIComponent((req.url ?? '/').split('?')[0]).replace(/^\/+/, '');
        const file = resolve(FIXTURES_DIR, rel);
        const inside = relative(FIXTURES_DIR, file);
        if (inside.startsWith('..') || inside.includes(`..${sep}`) || !existsSync(file) || !statSync(file).isFile()) {
          res.statusCode = 404;
          res.end('not found');
          return;
        }
        res.setHeader('content-type', 'application/octet-stream');
        res.setHeader('content-length', String(statSync(file).size));
        createReadStream(file).pipe(res);
      });
    },
  };
}

/**
 * The built app gets a strict Content-Security-Policy: no inline or foreign script can run, so
 * nothing inside a notebook, checkpoint or link can execute in the page. (Dev mode needs Vite's
 * inline preamble, so the policy is added at build time only.)
 */
export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  // KaTeX's small fonts are inlined by Vite as data: URLs (a font cannot run anything)
  "font-src 'self' data:",
  "img-src 'self' blob: data:",
  "connect-src 'self' https: blob: data:",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-src 'none'",
  "form-action 'none'",
].join('; ');

/**
 * The code-cell worker's own policy (README "Code cells"): it may compile the notebook's code
 * ('unsafe-eval' — a same-origin URL worker takes its CSP from its own response, not from the
 * page's meta tag) and nothing else: no connections, no foreign or inline script, no import().
 */
export const CODE_WORKER_CSP = ["default-src 'none'", "script-src 'self' 'unsafe-eval'"].join('; ');
/** The code worker's URL in the dev server (/src/notebook/code/code-worker.ts) and in the build (/assets/code-worker-HASH.js). */
export const isCodeWorkerPath = (url: string) => /\/code-worker(?:-[\w-]+\.js|\.ts)(?:\?|$)/.test(url);

function codeWorkerCspPlugin(): Plugin {
  const header = (req: { url?: string }, res: { setHeader(k: string, v: string): void }, next: () => void) => {
    if (isCodeWorkerPath(req.url ?? '')) res.setHeader('Content-Security-Policy', CODE_WORKER_CSP);
    next();
  };
  return {
    name: 'attn-code-worker-csp',
    configureServer: (server) => void server.middlewares.use(header),
    configurePreviewServer: (server) => void server.middlewares.use(header),
    // static hosts that read a _headers file (Netlify, Cloudflare Pages) get the same header
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: '_headers', source: `/assets/code-worker-*\n  Content-Security-Policy: ${CODE_WORKER_CSP}\n` });
    },
  };
}

function cspPlugin(): Plugin {
  return {
    name: 'attn-csp',
    apply: 'build',
    transformIndexHtml: (html) => html.replace('<head>', `<head>\n    <meta http-equiv="Content-Security-Policy" content="${CSP}" />`),
  };
}

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
];

export default defineConfig({
  // relative to index.html: the build works at a domain root and under any sub-path alike
  base: './',
  plugins: [react(), fixturesPlugin(), cspPlugin(), codeWorkerCspPlugin(), appShellPlugin()],
  server: { fs: { allow: ['.', FIXTURES_DIR] } },
  // Pre-bundle every dependency up front: a discovery mid-test reloads the page under the test.
  optimizeDeps: {
    include: ['react', 'react-dom', 'react-dom/client', 'react/jsx-runtime', 'react/jsx-dev-runtime', 'zustand', 'd3', 'fflate', 'yaml', 'markdown-it', 'katex', 'dompurify', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm'],
  },
  build: { target: 'es2022', chunkSizeWarningLimit: 4000 },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          environment: 'node',
          include: ['tests/node/**/*.test.ts'],
          testTimeout: 120_000,
        },
      },
      {
        extends: true,
        // ATTN_SLOW=1: the browser suites' slow tier (full-size variants on SwiftShader)
        define: { __ATTN_SLOW__: JSON.stringify(process.env.ATTN_SLOW === '1') },
        test: {
          name: 'browser',
          include: ['tests/browser/**/*.test.ts'],
          testTimeout: 300_000,
          browser: {
            enabled: true,
            headless: true,
            provider: playwright({
              launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
