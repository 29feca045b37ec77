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
await page.goto(`http://127.0.0.1:${port}/${process.argv[3] ?? ''}`);
await page.waitForSelector('[data-testid=gpu-status]', { timeout: 60000 });
await page.click('[data-sample="chelsea.png"]');
await page.waitForSelector('[data-testid=maps] canvas', { timeout: 120000 });
await page.waitForTimeout(1500);
await page.screenshot({ path: out, fullPage: true });
console.log('saved', out);
await browser.close();
await server.close();
