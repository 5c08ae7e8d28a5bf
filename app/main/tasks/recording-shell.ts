// A RemoteShell that writes every command and its full output into a task's log.
import type { ClientChannel } from 'ssh2';
import type { LogStream } from '../inventory/index.js';
import { buildCommand } from '../ssh/shell-quote.js';
import {
  stdoutOf,
  type ExecOptions,
  type ExecResult,
  type RemoteShell,
} from '../ssh/ssh-connection.js';

export type LogSink = (text: string, stream: LogStream) => void;

export class RecordingShell implements RemoteShell {
  constructor(
    private readonly inner: RemoteShell,
    private readonly log: LogSink,
    private readonly signal?: AbortSignal,
  ) {}

  get target(): string {
    return this.inner.target;
  }

  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    this.log(`${this.inner.target}$ ${buildCommand(argv)}`, 'command');
    const result = await this.inner.exec(argv, { signal: this.signal, ...options });
    if (result.stdout) this.log(result.stdout, 'stdout');
    if (result.stderr) this.log(result.stderr, 'stderr');
    this.log(`exit ${result.code ?? result.signal ?? '?'}`, 'info');
    return result;
  }

  async run(argv: readonly string[], options: ExecOptions = {}): Promise<string> {
    return stdoutOf(argv, await this.exec(argv, options));
  }

  openChannel(
    argv: readonly string[],
    pty?: { cols: number; rows: number },
  ): Promise<ClientChannel> {
    this.log(`${this.inner.target}$ ${buildCommand(argv)}`, 'command');
    return this.inner.openChannel(argv, pty);
  }

  openPty(argv: readonly string[], size?: { cols: number; rows: number }): Promise<ClientChannel> {
    this.log(`${this.inner.target}$ ${buildCommand(argv)}`, 'command');
    return this.inner.openPty(argv, size);
  }
}
