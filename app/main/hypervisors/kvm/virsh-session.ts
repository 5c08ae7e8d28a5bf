// A virsh process kept open on the host, fed commands on its standard input. Polling through it
// costs no new SSH session, no process start and no new libvirt connection per cycle: about a
// tenth of the host CPU of one `virsh` run per poll. Only for constant command lines (the poll):
// anything carrying a user value goes through SshConnection.run as a quoted argument list.
import type { ClientChannel } from 'ssh2';
import type { RemoteShell } from '../../ssh/ssh-connection.js';

export class VirshSessionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VirshSessionError';
  }
}

export class VirshSession {
  private channel?: ClientChannel;
  private opening?: Promise<ClientChannel>;
  private stdout = '';
  private stderr = '';
  private batch = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private pending?: { marker: RegExp; resolve: (out: string) => void; reject: (e: Error) => void };

  constructor(
    private readonly ssh: RemoteShell,
    /** The virsh argv without a command, e.g. ['virsh', '-q', '-c', uri]. */
    private readonly argv: readonly string[],
    private readonly timeoutMs = 30_000,
  ) {}

  /** Runs constant virsh command lines, in order, and returns their combined output. */
  run(commands: readonly string[]): Promise<string> {
    const result = this.queue.then(() => this.runNow(commands));
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async open(): Promise<ClientChannel> {
    if (this.channel) return this.channel;
    this.opening ??= this.ssh.openChannel(this.argv).then((channel) => {
      channel.on('data', (d: Buffer) => this.onData(d.toString('utf8')));
      channel.stderr.on('data', (d: Buffer) => (this.stderr += d.toString('utf8')));
      channel.on('close', () => {
        this.channel = undefined;
        const pending = this.pending;
        this.pending = undefined;
        pending?.reject(new VirshSessionError(`virsh ended: ${this.stderr.trim() || 'closed'}`));
      });
      this.channel = channel;
      return channel;
    });
    try {
      return await this.opening;
    } finally {
      this.opening = undefined;
    }
  }

  private onData(text: string): void {
    this.stdout += text;
    const pending = this.pending;
    if (!pending) return;
    const m = pending.marker.exec(this.stdout);
    if (!m) return;
    const out = this.stdout.slice(0, m.index);
    this.stdout = this.stdout.slice(m.index + m[0].length);
    this.pending = undefined;
    // virsh echoes each command after its prompt when stdin is not a terminal.
    pending.resolve(
      out
        .split('\n')
        .filter((line) => !line.startsWith('virsh # '))
        .join('\n'),
    );
  }

  private async runNow(commands: readonly string[]): Promise<string> {
    const channel = await this.open();
    const marker = `@@convirt-end-${++this.batch}@@`;
    this.stderr = '';
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        channel.close();
        reject(new VirshSessionError(`virsh did not answer within ${this.timeoutMs / 1000} s`));
      }, this.timeoutMs);
      this.pending = {
        // The marker at the start of a line: the echoed command line (`virsh # echo MARKER`)
        // never matches. virsh prints its next prompt right after it, with no newline between.
        marker: new RegExp(`(?:^|\\n)${marker}`),
        resolve: (out) => {
          clearTimeout(timer);
          resolve(out);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      channel.write(`${commands.join('\n')}\necho ${marker}\n`);
    });
  }

  close(): void {
    this.channel?.end('quit\n');
    this.channel?.close();
  }
}
