import type { Duplex } from 'node:stream';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import { buildCommand } from './shell-quote.js';
import { withExecPath } from '../config/apply.js';
import {
  HostKeyRejectedError,
  keyAlgorithm,
  sha256Fingerprint,
  type HostKeyVerifier,
  type PresentedHostKey,
} from './host-key.js';
import { ChannelLimiter } from './channel-limiter.js';

export interface SshAuth {
  privateKey?: Buffer | string;
  passphrase?: string;
  password?: string;
  /** Path of an ssh-agent socket (usually SSH_AUTH_SOCK). */
  agent?: string;
}

export interface SshConnectionOptions {
  host: string;
  port: number;
  username: string;
  auth: SshAuth;
  verifyHostKey: HostKeyVerifier;
  /** Channels (exec, shell, SFTP) open at once; OpenSSH's MaxSessions default is 10. */
  maxChannels?: number;
  keepaliveIntervalMs?: number;
  readyTimeoutMs?: number;
  /** An already open stream to the host, e.g. a tunnel through a jump host (ProxyJump). */
  sock?: Duplex;
  /** convirt.conf's exec_path: the PATH of every command run here; unset keeps the login's. */
  execPath?: string;
}

export interface ExecOptions {
  /** Bytes written to the command's standard input, then closed. */
  stdin?: string | Buffer;
  /**
   * Leave the command's standard input open until it ends, so the host sees it end if ConVirt's
   * connection goes first (see stop-with-connection.ts). Not with `stdin`.
   */
  holdStdinOpen?: boolean;
  signal?: AbortSignal;
}

export interface ExecResult {
  /** Exit status, or null when the command was killed by a signal or the channel closed early. */
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

export class RemoteCommandError extends Error {
  constructor(
    readonly command: string,
    readonly result: ExecResult,
  ) {
    const detail = result.stderr.trim() || result.stdout.trim() || 'no output';
    super(
      `Remote command failed (exit ${result.code ?? result.signal ?? '?'}): ${command}\n${detail}`,
    );
    this.name = 'RemoteCommandError';
  }
}

export class ConnectionLostError extends Error {
  constructor(target: string) {
    super(`The SSH connection to ${target} was lost.`);
    this.name = 'ConnectionLostError';
  }
}

/**
 * The command line sent to a host for `argv`: quoted, with exec_path as its PATH when one is set
 * (around the whole command, so outside any sudo in it).
 */
export function remoteCommandLine(argv: readonly string[], execPath?: string): string {
  return buildCommand(execPath === undefined ? argv : withExecPath(execPath, argv));
}

/** What drivers and services need from a host: commands and long-running channels. */
/** `run`'s answer for every RemoteShell: the output, or a RemoteCommandError for a non-zero exit. */
export function stdoutOf(argv: readonly string[], result: ExecResult): string {
  if (result.code !== 0) throw new RemoteCommandError(buildCommand(argv), result);
  return result.stdout;
}

export interface RemoteShell {
  readonly target: string;
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  run(argv: readonly string[], options?: ExecOptions): Promise<string>;
  openChannel(
    argv: readonly string[],
    pty?: { cols: number; rows: number },
  ): Promise<ClientChannel>;
  openPty(argv: readonly string[], size?: { cols: number; rows: number }): Promise<ClientChannel>;
}

/** How a channel's command ended: its exit status, or the signal that ended it. */
export interface ChannelExit {
  code: number | null;
  signal: string | null;
}

const channelExits = new WeakMap<ClientChannel, Promise<ChannelExit>>();

/** Starts recording how `channel`'s command ends; resolved when the channel closes. */
function recordExit(channel: ClientChannel): Promise<ChannelExit> {
  let exit: ChannelExit = { code: null, signal: null };
  channel.on('exit', (code: number | null, signal?: string) => {
    exit = { code: code ?? null, signal: signal ?? null };
  });
  const closed = new Promise<ChannelExit>((resolve) => channel.once('close', () => resolve(exit)));
  channelExits.set(channel, closed);
  return closed;
}

/**
 * How the command of a channel from openChannel ended, once the channel has closed. Recorded
 * from the moment ssh2 opened it (startExec says why): a short command's exit often arrives
 * while the caller is still awaiting something else (a disk copy's source `cat` ended before its
 * writer's channel was open, and the copy failed with "exit null").
 */
export function channelExit(channel: ClientChannel): Promise<ChannelExit> {
  return channelExits.get(channel) ?? recordExit(channel);
}

/** "exit 3", "signal PIPE", or "no exit status" (the connection was lost, or the channel closed). */
export function describeExit({ code, signal }: ChannelExit): string {
  if (code !== null) return `exit ${code}`;
  return signal ? `signal ${signal}` : 'no exit status';
}

/**
 * Ends a channel whose command may still run. OpenSSH confirms a session's close (and the
 * connection's slot is given back) only once its command has exited, so it is signalled first.
 */
export function terminateChannel(channel: ClientChannel): void {
  try {
    channel.signal('TERM');
  } catch {
    // the channel is already closing
  }
  channel.close();
}

/**
 * One SSH connection to one host, shared by every command, console and transfer for it.
 * Channel opens are queued so the server's session limit is never hit.
 */
export class SshConnection implements RemoteShell {
  private closed = false;
  private readonly inFlight = new Set<(err: Error) => void>();

  private constructor(
    private readonly client: Client,
    private readonly limiter: ChannelLimiter,
    readonly target: string,
    readonly hostKey: PresentedHostKey,
    private readonly execPath: string | undefined,
  ) {
    client.on('close', () => {
      this.closed = true;
      const lost = new ConnectionLostError(target);
      for (const fail of this.inFlight) fail(lost);
      this.inFlight.clear();
    });
  }

  static connect(options: SshConnectionOptions): Promise<SshConnection> {
    const client = new Client();
    const target = `${options.username}@${options.host}:${options.port}`;
    let presented: PresentedHostKey | undefined;
    let rejection: Error | undefined;

    const config: ConnectConfig = {
      host: options.host,
      port: options.port,
      username: options.username,
      keepaliveInterval: options.keepaliveIntervalMs ?? 15_000,
      keepaliveCountMax: 3,
      readyTimeout: options.readyTimeoutMs ?? 20_000,
      // Runs before any credential is sent; a refusal ends the handshake.
      hostVerifier: (blob: Buffer, verify: (ok: boolean) => void) => {
        const key: PresentedHostKey = {
          host: options.host,
          port: options.port,
          algorithm: keyAlgorithm(blob),
          fingerprint: sha256Fingerprint(blob),
          blob,
        };
        presented = key;
        Promise.resolve()
          .then(() => options.verifyHostKey(key))
          .then(
            (ok) => {
              if (!ok) rejection = new HostKeyRejectedError(key, 'not trusted');
              verify(ok);
            },
            (err: unknown) => {
              rejection = err instanceof Error ? err : new HostKeyRejectedError(key, String(err));
              verify(false);
            },
          )
          // An answer that comes after the host hung up has no handshake left to go to.
          .catch(() => undefined);
      },
    };
    if (options.auth.privateKey !== undefined) config.privateKey = options.auth.privateKey;
    if (options.auth.passphrase !== undefined) config.passphrase = options.auth.passphrase;
    if (options.auth.password !== undefined) config.password = options.auth.password;
    if (options.auth.agent !== undefined) config.agent = options.auth.agent;
    if (options.sock !== undefined) config.sock = options.sock;

    return new Promise((resolve, reject) => {
      const onError = (err: Error) => {
        client.removeListener('error', onError);
        client.removeListener('ready', onReady);
        client.removeListener('close', onClose);
        // ssh2 may report the failure again as the socket closes ("Connection lost before
        // handshake" after a handshake timeout); unheard, that second 'error' would be thrown.
        client.on('error', () => undefined);
        client.end();
        reject(rejection ?? new Error(`Cannot connect to ${target}: ${err.message}`));
      };
      // ssh2 reports no error when the server hangs up after its version line but before the
      // handshake ends, and stops its ready timer: without this, the connect would never settle.
      const onClose = () =>
        onError(new Error('the server closed the connection during the handshake'));
      const onReady = () => {
        client.removeListener('error', onError);
        client.removeListener('close', onClose);
        // Later errors surface through 'close' and the operations in flight.
        client.on('error', () => undefined);
        resolve(
          new SshConnection(
            client,
            new ChannelLimiter(options.maxChannels ?? 8),
            target,
            presented!,
            options.execPath,
          ),
        );
      };
      client.once('error', onError);
      client.once('ready', onReady);
      client.once('close', onClose);
      client.connect(config);
    });
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Channels open now (each holds one of the connection's slots until it closes). */
  get heldChannels(): number {
    return this.limiter.inUse;
  }

  /** Calls `listener` once the connection has closed, for whatever reason. */
  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.client.once('close', listener);
  }

  /**
   * Opens an exec channel and hands it to `wire` at once, inside ssh2's callback. The listeners
   * must be on before control returns to the event loop: ssh2 parses every message of a socket
   * read in one go, so a short command's exit status can arrive in the same read as the exec's
   * confirmation, and ssh2 emits 'exit' right then. A listener added after an `await` (a
   * microtask later) misses it, and the command looks as if it ended without a status; that
   * happened under load, when reads bundle more messages.
   *
   * OpenSSH may still count a session that has just closed against its MaxSessions for a moment
   * and refuse the open; that refusal is retried after a short wait.
   */
  private async startExec<T>(
    command: string,
    pty: { cols: number; rows: number } | undefined,
    wire: (channel: ClientChannel) => T,
  ): Promise<T> {
    const options = pty ? { pty: { term: 'xterm-256color', ...pty } } : {};
    for (let attempt = 0; ; attempt++) {
      try {
        return await new Promise<T>((resolve, reject) => {
          if (this.closed) return reject(new ConnectionLostError(this.target));
          // A channel still opening when the socket closes fails with ssh2's "No response
          // from server": it is the connection that was lost, and callers recognize that.
          this.client.exec(command, options, (err, channel) =>
            err
              ? reject(this.closed ? new ConnectionLostError(this.target) : err)
              : resolve(wire(channel)),
          );
        });
      } catch (err) {
        const refused = err instanceof Error && /Channel open failure/.test(err.message);
        if (!refused || this.closed || attempt >= 6) throw err;
        await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
      }
    }
  }

  /** Runs an argument list on the host and collects its output. */
  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    if (options.holdStdinOpen && options.stdin !== undefined)
      throw new Error('An exec cannot both write its input and hold it open.');
    // Messages name the command as the caller wrote it, not its exec_path wrapping.
    const command = buildCommand(argv);
    return this.limiter.run(async () => {
      if (options.signal?.aborted) throw new Error(`Cancelled: ${command}`);
      // Wrapped in an object so the channel's result is not awaited inside startExec.
      const { result } = await this.startExec(
        remoteCommandLine(argv, this.execPath),
        undefined,
        (channel) => ({
          result: this.collect(channel, command, options),
        }),
      );
      return result;
    });
  }

  /** Gathers an exec channel's output and exit status until it closes. */
  private collect(channel: ClientChannel, command: string, options: ExecOptions) {
    return new Promise<ExecResult>((resolve, reject) => {
      const fail = (err: Error) => reject(err);
      this.inFlight.add(fail);
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let code: number | null = null;
      let signal: string | null = null;
      // Settle now rather than when the command would have ended.
      const onAbort = () => {
        this.inFlight.delete(fail);
        terminateChannel(channel);
        reject(new Error(`Cancelled: ${command}`));
      };
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      channel.on('data', (d: Buffer) => stdout.push(d));
      channel.stderr.on('data', (d: Buffer) => stderr.push(d));
      channel.on('exit', (c: number | null, s?: string) => {
        code = c;
        signal = s ?? null;
      });
      channel.on('close', () => {
        this.inFlight.delete(fail);
        options.signal?.removeEventListener('abort', onAbort);
        if (options.signal?.aborted) return reject(new Error(`Cancelled: ${command}`));
        resolve({
          code,
          signal,
          stdout: Buffer.concat(stdout).toString('utf8'),
          stderr: Buffer.concat(stderr).toString('utf8'),
        });
      });
      if (!options.holdStdinOpen) channel.end(options.stdin);
    });
  }

  /** Like exec, but a non-zero exit becomes a RemoteCommandError; returns stdout. */
  async run(argv: readonly string[], options: ExecOptions = {}): Promise<string> {
    return stdoutOf(argv, await this.exec(argv, options));
  }

  /**
   * Starts a long-running command and returns its channel (consoles, persistent sessions),
   * on a pseudo-terminal when `pty` is given. The channel keeps its slot until it closes.
   */
  async openChannel(
    argv: readonly string[],
    pty?: { cols: number; rows: number },
  ): Promise<ClientChannel> {
    const release = await this.limiter.acquire();
    try {
      return await this.startExec(remoteCommandLine(argv, this.execPath), pty, (channel) => {
        channel.once('close', release);
        void recordExit(channel);
        return channel;
      });
    } catch (err) {
      release();
      throw err;
    }
  }

  /**
   * A TCP stream from the host to `host:port` as the host sees it (ProxyJump, VNC displays on
   * the host's loopback). Counts as a channel of this connection.
   */
  async openTunnel(host: string, port: number): Promise<ClientChannel> {
    const release = await this.limiter.acquire();
    return new Promise((resolve, reject) => {
      if (this.closed) {
        release();
        return reject(new ConnectionLostError(this.target));
      }
      this.client.forwardOut('127.0.0.1', 0, host, port, (err, channel) => {
        if (err) {
          release();
          if (this.closed) return reject(new ConnectionLostError(this.target));
          return reject(
            new Error(
              `Cannot open a tunnel from ${this.target} to ${host}:${port}: ${err.message}`,
            ),
          );
        }
        channel.once('close', release);
        resolve(channel);
      });
    });
  }

  /** An interactive command on a pseudo-terminal (consoles). */
  openPty(
    argv: readonly string[],
    size: { cols: number; rows: number } = { cols: 80, rows: 24 },
  ): Promise<ClientChannel> {
    return this.openChannel(argv, size);
  }

  close(): void {
    this.client.end();
  }
}
