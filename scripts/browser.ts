/** Headless Debian Chromium with WebGPU (SwiftShader on a CPU machine) for scripts and tests. */
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_ARGS } from '../vite.config';

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    headless: true,
  });
}
