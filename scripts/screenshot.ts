/** Dev helper: open the app (dev server) in headless Chromium, pick a sample, screenshot. */
import { createServer } from 'vite';
import { resolve } from 'node:path';
import { launchChromium } from './browser';

const out = process.argv[2] ?? 'artifacts/app.png';
const server = await createServer({ configFile: resolve(import.meta.dirname, '../vite.config.ts'), server: { port: 0, host: '127.0.0.1', hmr: false, watch: { ignored: ['**/*'] } }, logLevel: 'error' });
await server.listen();
const port = (server.httpServer!.address() as { port: number }).port;
const browser = await launchChromium();
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
page.on('console', (m) => console.log(`[page] ${m.type()}: ${m.text()}`));
page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
await page.goto(`http://127.0.0.1:${port}/#explore`);
await page.waitForSelector('[data-testid=gpu-status]', { timeout: 60000 });
await page.click('[data-sample="chelsea.png"]');
await page.waitForSelector('[data-testid=maps] canvas', { timeout: 120000 });
for (const op of process.argv.slice(3)) {
  await page.selectOption('[data-testid=op-select]', op);
  await page.waitForFunction((o) => (window as unknown as { __attnLastView?: { op: string } }).__attnLastView?.op === o, op, { timeout: 120000 });
  await page.waitForTimeout(800);
  const path = out.replace(/\.png$/, `-${op}.png`);
  await page.screenshot({ path, fullPage: true });
  console.log('saved', path);
}
if (process.argv.length <= 3) {
  await page.waitForTimeout(1000);
  await page.screenshot({ path: out, fullPage: true });
  console.log('saved', out);
}
await browser.close();
await server.close();
