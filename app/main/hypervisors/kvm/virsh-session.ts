// A virsh process kept open on the host, fed commands on its standard input. Polling through it
// costs no new SSH session, no process start and no new libvirt connection per cycle: about a
// tenth of the host CPU of one `virsh` run per poll. Only for constant command lines (the poll):
// anything carrying a user value goes through SshConnection.run as a quoted argument list.
// virsh outlives its libvirt connection (libvirtd restarted): it then prints its errors and
// nothing else, and reconnects at the next command. Its error output is merged into its
// standard output, so a batch's errors arrive before its end marker and fail that batch instead
// of reading as a host without VMs.
import type { ClientChannel } from 'ssh2';
import { ChannelLimiter } from '../../ssh/channel-limiter.js';
import { channelExit, describeExit, type RemoteShell } from '../../ssh/ssh-connection.js';

export class VirshSessionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VirshSessionError';
  }
}

export interface VirshSessionTimeouts {
  /** For a batch on a session already running. */
  answerMs: number;
  /** For the first batch: the host's login shell, then virsh, start before it is answered. */
  startMs: number;
  /** A starting session holds its start-up slot until it first answers, or this long at most. */
  startSlotMs: number;
}

const DEFAULT_TIMEOUTS: VirshSessionTimeouts = {
  answerMs: 30_000,
  startMs: 60_000,
  startSlotMs: 2_000,
};

/**
 * Session start-ups of the whole process: a fleet's sessions start a few at a time rather than
 * a hundred login shells at once. A slow host gives its slot up after `startSlotMs`, so it only
 * delays the others that long.
 */
const processStartups = new ChannelLimiter(8);

/** Runs the rest of its arguments with their standard error on standard output. */
const MERGE_STDERR = ['sh', '-c', 'exec "$@" 2>&1', 'sh'];

/**
 * virsh's own notes on its connection, printed as errors: that the connection was lost (the
 * command after it reconnects, or fails with its own error) and that it was made again.
 */
const CONNECTION_NOTE = /^error: (?:Disconnected from .* due to .*|Reconnected to the hypervisor)$/;

/** virsh's prompt with the command it echoes, each on a line of its own. */
const PROMPT_LINES = /^virsh # .*(?:\n|$)/gm;

/** The error lines of a batch's output, virsh's connection notes left out. */
function virshErrors(lines: readonly string[]): string[] {
  return lines.filter((line) => line.startsWith('error: ') && !CONNECTION_NOTE.test(line));
}

export class VirshSession {
  private channel?: ClientChannel;
  private stdout = '';
  private stderr = '';
  private batch = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private pending?: { marker: RegExp; resolve: (out: string) => void; reject: (e: Error) => void };
  private readonly timeouts: VirshSessionTimeouts;

  constructor(
    private readonly ssh: RemoteShell,
    /** The virsh argv without a command, e.g. ['virsh', '-q', '-c', uri]. */
    private readonly argv: readonly string[],
    timeouts: Partial<VirshSessionTimeouts> = {},
    private readonly startups: ChannelLimiter = processStartups,
  ) {
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...timeouts };
  }

  /** Runs constant virsh command lines, in order, and returns their combined output. */
  run(commands: readonly string[]): Promise<string> {
    const result = this.queue.then(() => this.runNow(commands));
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async runNow(commands: readonly string[]): Promise<string> {
    if (this.channel) {
      return this.send(this.channel, commands, this.timeouts.answerMs, 'did not answer');
    }
    return this.startups.runStaggered(async () => {
      const channel = await this.open();
      return this.send(channel, commands, this.timeouts.startMs, 'did not start');
    }, this.timeouts.startSlotMs);
  }

  private async open(): Promise<ClientChannel> {
    const channel = await this.ssh.openChannel([...MERGE_STDERR, ...this.argv]);
    this.channel = channel;
    this.stdout = '';
    this.stderr = '';
    // A dropped channel's late output or close must not reach the session that follows it.
    channel.on('data', (d: Buffer) => {
      if (this.channel === channel) this.onData(d.toString('utf8'));
    });
    channel.stderr.on('data', (d: Buffer) => {
      if (this.channel === channel) this.stderr += d.toString('utf8');
    });
    channel.on('error', (err: Error) =>
      this.drop(channel, new VirshSessionError(`virsh on ${this.ssh.target}: ${err.message}`)),
    );
    // How virsh ended (a signal: its sshd killed the session, as when sshd restarts) is part of
    // the reason the operator sees.
    const exit = channelExit(channel);
    channel.on('close', () => {
      void exit.then((ended) => {
        const output = this.stderr.trim() || this.stdout.replaceAll('virsh #', '').trim();
        this.drop(
          channel,
          new VirshSessionError(
            `virsh on ${this.ssh.target} ended (${describeExit(ended)})${output ? `: ${output}` : ''}`,
          ),
        );
      });
    });
    return channel;
  }

  /** Ends `channel` if it is still the session's, failing the batch waiting on it. */
  private drop(channel: ClientChannel, reason: Error): void {
    if (this.channel !== channel) return;
    this.channel = undefined;
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(reason);
    channel.close();
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
    // virsh echoes each command after its prompt when stdin is not a terminal. One pass over the
    // answer, and lines are looked at one by one only when it holds an error (a thousand hosts'
    // answers go through here every cycle).
    const answer = out.replace(PROMPT_LINES, '');
    if (!answer.includes('error: ')) {
      pending.resolve(answer);
      return;
    }
    const lines = answer.split('\n');
    const errors = virshErrors(lines);
    if (errors.length > 0) {
      pending.reject(new VirshSessionError(`virsh on ${this.ssh.target}: ${errors.join(' ')}`));
    } else {
      pending.resolve(lines.filter((line) => !CONNECTION_NOTE.test(line)).join('\n'));
    }
  }

  private send(
    channel: ClientChannel,
    commands: readonly string[],
    timeoutMs: number,
    failure: string,
  ): Promise<string> {
    const marker = `@@convirt-end-${++this.batch}@@`;
    this.stderr = '';
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          this.drop(
            channel,
            new VirshSessionError(
              `virsh on ${this.ssh.target} ${failure} within ${timeoutMs / 1000} s`,
            ),
          ),
        timeoutMs,
      );
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
    const channel = this.channel;
    if (!channel) return;
    channel.end('quit\n');
    this.drop(channel, new VirshSessionError(`virsh on ${this.ssh.target}: session closed`));
  }
}
