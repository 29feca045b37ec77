/**
 * The messages between the page (host.ts) and the code worker (sandbox.ts). Everything is plain
 * structured-clone data: the worker never sees the page, the DOM, the GPU device or a function.
 *
 *   page → worker  run    one cell: its compiled body, its `$name` arguments, the file line of its
 *                         first body line (for error lines) and the result size limit
 *                  reply  the answer to an engine call the worker made (value or error message)
 *   worker → page  call   an engine call (`run`, `photo`, `model.layer`, …) for the page to do
 *                  log    a console.log from the cell
 *                  done   the cell's result, or its error with the file line
 *
 * The worker keeps no state between runs (results live on the page and come back as arguments),
 * so a worker that is killed — a runaway loop — is replaced without losing anything.
 */

/** The engine calls a cell can make (API names in sandbox.ts). */
export const ENGINE_METHODS = ['ops', 'run', 'macs', 'photo', 'model.info', 'model.classify', 'model.layer'] as const;
export type EngineMethod = (typeof ENGINE_METHODS)[number];

export interface RunMessage {
  type: 'run';
  runId: number;
  /** the body to compile (CodeCell.compiled) */
  source: string;
  /** `$name`s, in the order of `args` */
  argNames: string[];
  args: unknown[];
  /** the file line of the body's first line */
  line0: number;
  /** results larger than this (bytes, estimated) are refused */
  maxResultBytes: number;
}

export interface ReplyMessage {
  type: 'reply';
  callId: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

export type ToWorker = RunMessage | ReplyMessage;

export interface CallMessage {
  type: 'call';
  runId: number;
  callId: number;
  method: EngineMethod;
  args: unknown[];
}

export interface LogMessage {
  type: 'log';
  runId: number;
  text: string;
}

/** 'upstream': not run because a cell it reads has no result (set on the page, never by the worker) */
export type CellErrorKind = 'syntax' | 'runtime' | 'timeout' | 'size' | 'clone' | 'worker' | 'upstream';

export interface CellError {
  kind: CellErrorKind;
  message: string;
  /** file line (1-based) when known */
  line?: number;
  column?: number;
}

export type DoneMessage = { type: 'done'; runId: number; ok: true; value: unknown; bytes: number; ms: number } | { type: 'done'; runId: number; ok: false; error: CellError; ms: number };

export type FromWorker = CallMessage | LogMessage | DoneMessage | { type: 'ready' };
