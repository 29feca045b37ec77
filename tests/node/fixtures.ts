/** Fixture folder for tests: $ATTN_FIXTURES or ../shared/fixtures. */
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const FIXTURES = resolve(process.env.ATTN_FIXTURES ?? resolve(__dirname, '../../../shared/fixtures'));

export function fixtureBytes(rel: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, rel)));
}

export function fixtureFiles(dir: string, re: RegExp): string[] {
  return readdirSync(join(FIXTURES, dir)).filter((f) => re.test(f)).map((f) => `${dir}/${f}`);
}
