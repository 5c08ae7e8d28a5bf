// What every command works with: the terminal (or pipes), and how results are printed.
import { createInterface } from 'node:readline/promises';
import type { Task } from '../../shared/domain/inventory.js';
import { validateVmName } from '../../shared/validation/names.js';
import { askHidden } from './hidden-prompt.js';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  interactive: boolean;
}

/** Bad usage or refused input: exit 2, nothing was run. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A cell as text: objects as JSON rather than '[object Object]'. */
function cell(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'object') return JSON.stringify(value);
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return value.toString();
  return JSON.stringify(value) ?? '-';
}

export function table(rows: ReadonlyArray<object>, columns: string[]): string {
  const cells = rows.map((r) => columns.map((c) => cell((r as Record<string, unknown>)[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...cells.map(line)].join('\n');
}

/** Rows as JSON, or as a table of these columns. */
export function printRows(io: Io, json: boolean, rows: ReadonlyArray<object>, columns: string[]) {
  io.out(json ? JSON.stringify(rows) : table(rows, columns));
}

/** Prints a finished task (JSON, or a line); 0 when it succeeded, 1 otherwise. */
export function printTaskOutcome(task: Task, io: Io, json: boolean): number {
  if (json) io.out(JSON.stringify(task));
  else if (task.status === 'succeeded')
    io.out(`${task.kind} ${task.target}: done (task ${task.id})`);
  else io.err(`${task.kind} ${task.target} failed: ${task.error ?? task.status} (task ${task.id})`);
  return task.status === 'succeeded' ? 0 : 1;
}

export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

export async function ask(io: Io, question: string): Promise<string> {
  const rl = createInterface({ input: io.stdin, output: io.stdout });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

/** A password or passphrase, read without echo (see hidden-prompt.ts). */
export function askSecret(io: Io, question: string): Promise<string> {
  return askHidden(io.stdin, io.stdout, question);
}

/** A yes/no question on the terminal; no is the default. */
export async function askYes(io: Io, question: string): Promise<boolean> {
  return /^y(es)?$/i.test((await ask(io, `${question} [y/N] `)).trim());
}

/**
 * Whether the operator confirmed (with --yes, or at the terminal); without a terminal and
 * without --yes, refused. `doing` and `question`: `Deleting X`, `Delete X`.
 */
export async function confirmed(
  io: Io,
  yes: boolean,
  doing: string,
  question: string,
): Promise<boolean> {
  if (yes) return true;
  if (!io.interactive)
    throw new UsageError(`${doing} needs --yes when there is no terminal to ask.`);
  return askYes(io, `${question}?`);
}

export function splitVmRef(ref: string | undefined): { host: string; vm: string } {
  const slash = (ref ?? '').indexOf('/');
  if (!ref || slash <= 0)
    throw new UsageError(`Expected HOST/VM, got ${JSON.stringify(ref ?? '')}.`);
  return { host: ref.slice(0, slash), vm: validateVmName(ref.slice(slash + 1)) };
}
