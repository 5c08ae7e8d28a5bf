// One SSH connection per host, shared by everything that talks to it. A dropped connection is
// opened again on next use; after a failed attempt the next one waits (exponential backoff), so
// an unreachable host costs one quick error rather than a connection storm.
import type { SshConnection } from '../ssh/ssh-connection.js';

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

export class HostUnreachableError extends Error {
  constructor(
    readonly host: string,
    readonly retryInMs: number,
    cause: Error,
  ) {
    super(
      `${host} is unreachable (${cause.message}); next attempt in ${Math.ceil(retryInMs / 1000)} s.`,
      { cause },
    );
    this.name = 'HostUnreachableError';
  }
}

interface Entry {
  connection?: SshConnection;
  connecting?: Promise<SshConnection>;
  failures: number;
  lastError?: Error;
  retryAt: number;
}

export class HostConnections {
  private readonly entries = new Map<string, Entry>();

  constructor(
    /** Opens a new, verified connection to the named host. */
    private readonly open: (host: string) => Promise<SshConnection>,
    private readonly backoff: BackoffPolicy = { initialMs: 1000, maxMs: 30_000 },
    private readonly now: () => number = Date.now,
  ) {}

  /** The host's open connection, connecting (again) if needed. */
  async get(host: string): Promise<SshConnection> {
    let entry = this.entries.get(host);
    if (!entry) {
      entry = { failures: 0, retryAt: 0 };
      this.entries.set(host, entry);
    }
    if (entry.connection?.isOpen) return entry.connection;
    if (entry.connecting) return entry.connecting;
    const wait = entry.retryAt - this.now();
    if (wait > 0 && entry.lastError) throw new HostUnreachableError(host, wait, entry.lastError);

    const current = entry;
    current.connecting = this.open(host).then(
      (connection) => {
        // Closed (the host removed) while connecting: nobody will use or close it.
        if (this.entries.get(host) !== current) {
          connection.close();
          throw new Error(`The connection to ${host} was closed.`);
        }
        current.connection = connection;
        current.connecting = undefined;
        current.failures = 0;
        current.lastError = undefined;
        return connection;
      },
      (err: unknown) => {
        const error = err instanceof Error ? err : new Error(String(err));
        current.connecting = undefined;
        current.failures++;
        current.lastError = error;
        const delay = Math.min(
          this.backoff.maxMs,
          this.backoff.initialMs * 2 ** (current.failures - 1),
        );
        current.retryAt = this.now() + delay;
        throw error;
      },
    );
    return current.connecting;
  }

  /** Whether the host has an open connection right now (no attempt is made). */
  isConnected(host: string): boolean {
    return this.entries.get(host)?.connection?.isOpen ?? false;
  }

  /** Forgets a host's failures so the next get() tries at once (e.g. the operator clicked). */
  resetBackoff(host: string): void {
    const entry = this.entries.get(host);
    if (entry) entry.retryAt = 0;
  }

  close(host: string): void {
    this.entries.get(host)?.connection?.close();
    this.entries.delete(host);
  }

  closeAll(): void {
    for (const host of [...this.entries.keys()]) this.close(host);
  }
}
