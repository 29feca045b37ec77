#!/usr/bin/env node
/**
 * `npm test`: typecheck, unit tests (Node), GPU tests (Chromium, WebGPU), the parity suite and the
 * end-to-end tests of the built app (explorer, notebooks), in that order. Each suite runs even if an earlier one failed;
 * the last line sums every test: `tests: N passed, N failed`.
 *
 * Tiers marked `slow` (the HiLo sweep, FLOPs vs latency and backbone comparison e2e: ~5 min on a
 * 2-core machine) run only with ATTN_SLOW=1, which also enlarges the adversarial suites; this keeps
 * CI on a clean 2-core machine under its 30-minute budget.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';

mkdirSync('artifacts', { recursive: true });
const suites = [
  { name: 'typecheck', cmd: ['npx', 'tsc', '-p', 'tsconfig.json', '--noEmit'] },
  { name: 'unit (node)', cmd: ['npx', 'vitest', 'run', '--project', 'node', '--reporter=default', '--reporter=json', '--outputFile.json=artifacts/vitest-node.json'], json: 'artifacts/vitest-node.json' },
  { name: 'gpu (chromium)', cmd: ['npx', 'vitest', 'run', '--project', 'browser', '--reporter=default', '--reporter=json', '--outputFile.json=artifacts/vitest-browser.json'], json: 'artifacts/vitest-browser.json' },
  { name: 'parity', cmd: ['npx', 'vite-node', 'scripts/parity.ts'], summary: /^parity: (\d+) passed, (\d+) failed/m },
  { name: 'e2e', cmd: ['npx', 'vite-node', 'scripts/e2e.ts'], summary: /^e2e: (\d+) passed, (\d+) failed/m },
  { name: 'e2e knobs', cmd: ['npx', 'vite-node', 'scripts/e2e-ops.ts', '--no-build'], summary: /^e2e-ops: (\d+) passed, (\d+) failed/m },
  { name: 'e2e sweep', slow: true, cmd: ['npx', 'vite-node', 'scripts/e2e-sweep.ts', '--no-build'], summary: /^e2e-sweep: (\d+) passed, (\d+) failed/m },
  { name: 'e2e notebook', cmd: ['npx', 'vite-node', 'scripts/e2e-notebook.ts'], summary: /^e2e-notebook: (\d+) passed, (\d+) failed/m },
  { name: 'e2e code cells', cmd: ['npx', 'vite-node', 'scripts/e2e-code.ts', '--no-build'], summary: /^e2e-code: (\d+) passed, (\d+) failed/m },
  { name: 'e2e classify', cmd: ['npx', 'vite-node', 'scripts/e2e-classify.ts', '--no-build'], summary: /^e2e-classify: (\d+) passed, (\d+) failed/m },
  { name: 'e2e downloads', cmd: ['npx', 'vite-node', 'scripts/e2e-downloads.ts', '--no-build'], summary: /^e2e-downloads: (\d+) passed, (\d+) failed/m },
  { name: 'e2e network knobs', cmd: ['npx', 'vite-node', 'scripts/e2e-network-knobs.ts', '--no-build'], summary: /^e2e-network-knobs: (\d+) passed, (\d+) failed/m },
  { name: 'e2e flops vs latency', slow: true, cmd: ['npx', 'vite-node', 'scripts/e2e-flops-latency.ts', '--no-build'], summary: /^e2e-flops-latency: (\d+) passed, (\d+) failed/m },
  { name: 'e2e built app (sub-path, offline, device loss, no WebGPU)', cmd: ['npx', 'vite-node', 'scripts/e2e-app.ts', '--no-build'], summary: /^e2e-app: (\d+) passed, (\d+) failed/m },
  { name: 'e2e compare backbones', slow: true, cmd: ['npx', 'vite-node', 'scripts/e2e-compare.ts'], summary: /^e2e-compare: (\d+) passed, (\d+) failed/m },
];
const SLOW = process.env.ATTN_SLOW === '1';
let passed = 0;
let failed = 0;
const lines = [];
const skipped = [];
for (const s of suites) {
  if (s.slow && !SLOW) {
    skipped.push(s.name);
    continue;
  }
  const t0 = Date.now();
  const r = spawnSync(s.cmd[0], s.cmd.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 2 ** 20 });
  process.stdout.write(r.stdout ?? '');
  let p = 0;
  let f = 0;
  if (s.json && existsSync(s.json)) {
    const j = JSON.parse(readFileSync(s.json, 'utf8'));
    p = j.numPassedTests;
    f = j.numFailedTests;
  } else if (s.summary) {
    const m = s.summary.exec(r.stdout ?? '');
    if (m) [p, f] = [Number(m[1]), Number(m[2])];
  } else p = r.status === 0 ? 1 : 0;
  if (r.status !== 0 && f === 0) f = 1; // a suite that crashed counts as a failure
  passed += p;
  failed += f;
  lines.push(`${r.status === 0 ? 'ok  ' : 'FAIL'} ${s.name}: ${p} passed, ${f} failed (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
}
if (skipped.length) lines.push(`skip ${skipped.join(', ')} (slow tiers: ATTN_SLOW=1 npm test runs them)`);
console.log('\n' + lines.join('\n'));
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
