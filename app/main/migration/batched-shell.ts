// A host's read-only check commands sent as ONE remote command: every command started in the
// same turn of the event loop goes into one shell script, run side by side there, each one's
// output in its own section. Starting a command costs a round trip and the login shell of the
// host's user (0.85 s on a host whose login shell runs `pyenv init`); a batch pays that once.
import { randomBytes } from 'node:crypto';
import type { ClientChannel } from 'ssh2';
import { cleanupOnExit } from '../ssh/exit-traps.js';
import { buildCommand } from '../ssh/shell-quote.js';
import {
  stdoutOf,
  type ExecOptions,
  type ExecResult,
  type RemoteShell,
} from '../ssh/ssh-connection.js';

interface Queued {
  argv: readonly string[];
  stdin?: string | Buffer;
  signal?: AbortSignal;
  resolve: (result: ExecResult) => void;
  reject: (err: Error) => void;
}

/**
 * The script that runs `commands` side by side and prints, for each in order, its output, error
 * output and exit status between marker lines.
 */
export function batchScript(
  commands: ReadonlyArray<{ argv: readonly string[]; stdin?: string | Buffer }>,
  marker: string,
): string {
  const lines = [
    't=$(mktemp -d) || exit 1',
    // SIGPIPE when the channel dies mid-batch, too, ends in the folder's removal.
    cleanupOnExit('rm -rf "$t"'),
  ];
  commands.forEach(({ argv, stdin }, i) => {
    // Input, when given, is an argument to printf: quoted like the rest, exact to the byte.
    const command =
      stdin === undefined
        ? `${buildCommand(argv)} </dev/null`
        : `${buildCommand(['printf', '%s', stdin.toString()])} | ${buildCommand(argv)}`;
    lines.push(`{ ${command}; echo $? >"$t/${i}.c"; } >"$t/${i}.o" 2>"$t/${i}.e" &`);
  });
  lines.push('wait');
  commands.forEach((_, i) => {
    lines.push(
      `printf '%s\\n' '${marker} ${i} out'; cat "$t/${i}.o"`,
      `printf '\\n%s\\n' '${marker} ${i} err'; cat "$t/${i}.e"`,
      `printf '\\n%s %s\\n' '${marker} ${i} code' "$(cat "$t/${i}.c")"`,
    );
  });
  return lines.join('\n');
}

/** The results of a batch's commands from its output (see batchScript). */
export function parseBatchOutput(output: string, count: number, marker: string): ExecResult[] {
  const results: ExecResult[] = [];
  for (let i = 0; i < count; i++) {
    const out = `${marker} ${i} out\n`;
    const err = `\n${marker} ${i} err\n`;
    const code = `\n${marker} ${i} code `;
    const start = output.indexOf(out);
    const errAt = output.indexOf(err, start);
    const codeAt = output.indexOf(code, errAt);
    if (start < 0 || errAt < 0 || codeAt < 0) throw new Error(`command ${i} did not report`);
    const status = Number.parseInt(output.slice(codeAt + code.length), 10);
    results.push({
      code: Number.isNaN(status) ? null : status,
      signal: null,
      stdout: output.slice(start + out.length, errAt),
      stderr: output.slice(errAt + err.length, codeAt),
    });
  }
  return results;
}

const cancelled = (argv: readonly string[]) => new Error(`Cancelled: ${buildCommand(argv)}`);

/**
 * A RemoteShell whose commands started in the same turn of the event loop run as one remote
 * command. For read-only checks: they run at once, in no given order; a cancelled one is answered
 * at once but runs on with its batch.
 */
export class BatchedShell implements RemoteShell {
  private queue: Queued[] = [];

  constructor(private readonly shell: RemoteShell) {}

  get target(): string {
    return this.shell.target;
  }

  exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const { stdin, signal, ...unsupported } = options;
    const refused = Object.entries(unsupported).flatMap(([name, value]) =>
      value === undefined || value === false ? [] : [name],
    );
    // An option a batch cannot honour is refused, not dropped without a word.
    if (refused.length > 0)
      return Promise.reject(
        new Error(`A batched check command takes no ${refused.join(', ')}: ${buildCommand(argv)}`),
      );
    if (signal?.aborted) return Promise.reject(cancelled(argv));
    return new Promise((resolve, reject) => {
      if (this.queue.length === 0) setImmediate(() => this.flush());
      this.queue.push({
        argv,
        ...(stdin !== undefined ? { stdin } : {}),
        ...(signal !== undefined ? { signal } : {}),
        resolve,
        reject,
      });
    });
  }

  async run(argv: readonly string[], options: ExecOptions = {}): Promise<string> {
    return stdoutOf(argv, await this.exec(argv, options));
  }

  openChannel(
    argv: readonly string[],
    pty?: { cols: number; rows: number },
  ): Promise<ClientChannel> {
    return this.shell.openChannel(argv, pty);
  }

  openPty(argv: readonly string[], size?: { cols: number; rows: number }): Promise<ClientChannel> {
    return this.shell.openPty(argv, size);
  }

  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 1) {
      const [only] = batch as [Queued];
      const options = {
        ...(only.stdin !== undefined ? { stdin: only.stdin } : {}),
        ...(only.signal !== undefined ? { signal: only.signal } : {}),
      };
      this.shell.exec(only.argv, options).then(only.resolve, only.reject);
      return;
    }
    // A batch runs to its end for the others (read-only, short); a command cancelled meanwhile
    // is answered at once, as SshConnection does.
    const unwatch = batch.map((q) => {
      const onAbort = () => q.reject(cancelled(q.argv));
      if (q.signal?.aborted) onAbort();
      q.signal?.addEventListener('abort', onAbort, { once: true });
      return () => q.signal?.removeEventListener('abort', onAbort);
    });
    const marker = `@@convirt-batch-${randomBytes(8).toString('hex')}@@`;
    this.shell
      .run(['sh', '-c', batchScript(batch, marker)])
      .then((output) => parseBatchOutput(output, batch.length, marker))
      .then(
        (results) => batch.forEach((q, i) => q.resolve(results[i]!)),
        (err: unknown) => {
          const failure = err instanceof Error ? err : new Error(String(err));
          batch.forEach((q) => q.reject(failure));
        },
      )
      .finally(() => unwatch.forEach((stop) => stop()));
  }
}
