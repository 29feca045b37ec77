/**
 * Command line classifier on the app's engine (src/cli/classify-cli.ts):
 *   npm run classify -- --weights FILE --image PNG_OR_JPG... [--model VARIANT] [--knob name=value ...]
 *                       [--scope all|stage:N|block:N] [--json] [--cpu]
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatText, parseArgs, runClassify, UsageError, USAGE } from '../src/cli/classify-cli';

async function main(): Promise<number> {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    const msg = (e as Error).message;
    process.stderr.write(msg ? `classify: ${msg}\n${USAGE}\n` : `${USAGE}\n`);
    return e instanceof UsageError && !msg ? 0 : 2;
  }
  try {
    const zoo = JSON.parse(readFileSync(resolve(import.meta.dirname, '../public/zoo.json'), 'utf8')) as unknown;
    const r = await runClassify(opts, zoo);
    process.stdout.write(`${opts.json ? JSON.stringify(r, null, 1) : formatText(r)}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`classify: ${(e as Error).message.split('\n')[0]}\n`);
    return 1;
  }
}

main().then((code) => process.exit(code));
