/**
 * Build-time (Node) half of the offline app shell: emits `sw.js` — src/app-shell/sw.ts compiled,
 * preceded by the list of files to precache and a version that changes whenever any of them does
 * (so a new deploy installs a new worker and drops the old cache). Paths are relative to the
 * build's root, so the worker works from any sub-path.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { transformWithOxc, type Plugin } from 'vite';

/** Files the shell does not need offline: font formats a WebGPU browser never picks over woff2, source maps; `_headers` (host configuration that hosts do not serve: one 404 would fail the whole install). */
const SKIP = /\.(woff|ttf|map)$|(^|\/)_headers$/;

function walk(dir: string, root = dir): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p, root) : [relative(root, p).split('\\').join('/')];
  });
}

export function appShellPlugin(): Plugin {
  let publicDir = '';
  return {
    name: 'attn-app-shell',
    apply: 'build',
    // after vite:build-html has put index.html into the bundle
    enforce: 'post',
    configResolved(c) {
      publicDir = c.publicDir;
    },
    async generateBundle(_opts, bundle) {
      const hash = createHash('sha256');
      const files: string[] = [];
      for (const [name, chunk] of Object.entries(bundle).sort(([a], [b]) => a.localeCompare(b))) {
        if (SKIP.test(name)) continue;
        files.push(name);
        hash.update(name).update(chunk.type === 'chunk' ? chunk.code : chunk.source);
      }
      for (const name of publicDir ? walk(publicDir).sort() : []) {
        if (SKIP.test(name) || name.endsWith('.md')) continue;
        files.push(name);
        hash.update(name).update(readFileSync(resolve(publicDir, name)));
      }
      const src = readFileSync(resolve(import.meta.dirname, 'sw.ts'), 'utf8');
      const { code } = await transformWithOxc(src, 'sw.ts', { lang: 'ts' });
      const script = code.replace(/^export\s*\{\s*\};?.*$/m, '');
      if (/^\s*(import|export)\b/m.test(script)) this.error('src/app-shell/sw.ts must stay a plain script (no imports or exports)');
      if (!files.includes('index.html')) this.error('the app shell has no index.html to precache');
      const version = hash.digest('hex').slice(0, 16);
      this.emitFile({
        type: 'asset',
        fileName: 'sw.js',
        source: `const SHELL_VERSION = ${JSON.stringify(version)};\nconst SHELL_FILES = ${JSON.stringify(files)};\n${script}`,
      });
    },
  };
}
