// A host's shell for work that must still reach the host after its connection dropped: a task's
// clean-up after the SSH connection died in the middle of it. A command that finds the
// connection lost is run once more on a fresh one (`reopen`); anything else is the caller's.
import type { ClientChannel } from 'ssh2';
import {
  ConnectionLostError,
  type ExecOptions,
  type ExecResult,
  type RemoteShell,
} from './ssh-connection.js';

export class ReconnectingShell implements RemoteShell {
  constructor(
    private current: RemoteShell,
    private readonly reopen: () => Promise<RemoteShell>,
  ) {}

  get target(): string {
    return this.current.target;
  }

  private async again<T>(attempt: (shell: RemoteShell) => Promise<T>): Promise<T> {
    const shell = this.current;
    try {
      return await attempt(shell);
    } catch (err) {
      if (!(err instanceof ConnectionLostError)) throw err;
      // Another call may have reconnected meanwhile.
      if (this.current === shell) this.current = await this.reopen();
      return attempt(this.current);
    }
  }

  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    return this.again((shell) => shell.exec(argv, options));
  }

  run(argv: readonly string[], options?: ExecOptions): Promise<string> {
    return this.again((shell) => shell.run(argv, options));
  }

  openChannel(
    argv: readonly string[],
    pty?: { cols: number; rows: number },
  ): Promise<ClientChannel> {
    return this.again((shell) => shell.openChannel(argv, pty));
  }

  openPty(argv: readonly string[], size?: { cols: number; rows: number }): Promise<ClientChannel> {
    return this.again((shell) => shell.openPty(argv, size));
  }
}
