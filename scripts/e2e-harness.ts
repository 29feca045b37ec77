/** What every end-to-end script shares: the artifacts folder and the ok/FAIL report with its summary line. */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

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
