/**
 * One entry point per fixture file, whatever it holds. Kinds whose implementation does not exist
 * yet report SKIP with the reason, so the suite always prints one line per file.
 */
import type { GpuContext } from '../gpu/context';
import { openFixture, type FixtureFile } from './fixture-file';
import { checkOpCpu, checkOpGpu, opFixtureImpl, type CheckResult } from './op-check';
import { checkpointChecker } from './checkpoint-check';
import { modelChecker } from './model-check';
import { preprocessChecker } from './preprocess-check';

export type { CheckResult };

/** Reads another fixture file by its path relative to the fixture root (e.g. 'checkpoints/INDEX.json'). */
export type ReadSibling = (relPath: string) => Promise<Uint8Array>;

export interface FixtureChecker {
  /** does this checker own the file? */
  owns(relPath: string, f: FixtureFile | null): boolean;
  cpu(relPath: string, bytes: Uint8Array, f: FixtureFile | null, readSibling?: ReadSibling): CheckResult | Promise<CheckResult>;
  /** absent: the file has no GPU half */
  gpu?(relPath: string, bytes: Uint8Array, f: FixtureFile | null, ctx: GpuContext, readSibling?: ReadSibling): Promise<CheckResult>;
  /** when present: whether this file has a GPU half (default: every owned file when gpu exists) */
  wantsGpu?(relPath: string, f: FixtureFile | null): boolean;
}

const opChecker: FixtureChecker = {
  owns: (_p, f) => Boolean(f && typeof f.meta.op === 'string'),
  cpu: (_p, _b, f) => checkOpCpu(f!),
  gpu: (_p, _b, f, ctx) => checkOpGpu(f!, ctx),
};

/** Later issues append checkers (models, preprocess, checkpoints, key lists) here. */
export const CHECKERS: FixtureChecker[] = [opChecker, checkpointChecker, modelChecker, preprocessChecker];

function tryOpen(relPath: string, bytes: Uint8Array): FixtureFile | null {
  if (!relPath.endsWith('.safetensors')) return null;
  try {
    return openFixture(relPath, bytes);
  } catch {
    return null;
  }
}

function skipReason(relPath: string, f: FixtureFile | null): string {
  if (f?.meta.model) return `model '${String(f.meta.model)}' not implemented`;
  if (relPath.startsWith('preprocess/')) return 'preprocessing not implemented';
  if (relPath.endsWith('.keys.json')) return 'model key lists not implemented';
  if (relPath.startsWith('checkpoints/')) return 'checkpoint loading not implemented';
  return 'no checker for this file';
}

export async function checkFileCpu(relPath: string, bytes: Uint8Array, readSibling?: ReadSibling): Promise<CheckResult> {
  const f = tryOpen(relPath, bytes);
  const c = CHECKERS.find((k) => k.owns(relPath, f));
  if (!c) return { status: 'SKIP', worst: 0, notes: [skipReason(relPath, f)] };
  try {
    return await c.cpu(relPath, bytes, f, readSibling);
  } catch (e) {
    return { status: 'FAIL', worst: Infinity, notes: [`error: ${(e as Error).message}`] };
  }
}

/** Whether the file has a GPU half to run in the browser. */
export function needsGpu(relPath: string, bytes: Uint8Array): boolean {
  const f = tryOpen(relPath, bytes);
  const c = CHECKERS.find((k) => k.owns(relPath, f));
  if (!c?.gpu) return false;
  if (c.wantsGpu) return c.wantsGpu(relPath, f);
  return c !== opChecker || Boolean(f && opFixtureImpl(f));
}

export async function checkFileGpu(relPath: string, bytes: Uint8Array, ctx: GpuContext, readSibling?: ReadSibling): Promise<CheckResult> {
  const f = tryOpen(relPath, bytes);
  const c = CHECKERS.find((k) => k.owns(relPath, f));
  if (!c?.gpu) return { status: 'SKIP', worst: 0, notes: ['no GPU half'] };
  try {
    return await c.gpu(relPath, bytes, f, ctx, readSibling);
  } catch (e) {
    return { status: 'FAIL', worst: Infinity, notes: [`gpu error: ${(e as Error).message}`] };
  }
}
