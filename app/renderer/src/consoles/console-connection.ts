// One console as the renderer sees it: opens it through the contract, delivers its data (even
// data that arrives before openConsole has answered), acknowledges what the view has processed,
// and reports its end. The serial and graphical views both build on it.
import type { ConsoleKind, ConvirtClient } from '../../../shared/contract/convirt-contract.js';

/** A VM's serial or graphical console, or the local terminal. */
export type ConsoleTarget = { host: string; vm: string; kind: ConsoleKind } | { local: true };

export interface ConsoleHandlers {
  /** A chunk of output; call `done` once it has been processed (rendered), to acknowledge it. */
  data(data: Uint8Array, done: () => void): void;
  /** The console ended: reason null when closed on request, else why. */
  closed(reason: string | null): void;
}

export class ConsoleConnection {
  private consoleId: string | null = null;
  /** Events that came before openConsole answered, keyed by console id. */
  private early: Array<{ consoleId: string; data?: Uint8Array; reason?: string | null }> = [];
  private readonly unsubscribe: Array<() => void> = [];
  private unacked = 0;
  private ackScheduled = false;
  private ended = false;

  private constructor(
    private readonly client: ConvirtClient,
    private readonly handlers: ConsoleHandlers,
  ) {
    this.unsubscribe.push(
      client.on('consoleData', ({ consoleId, data }) => {
        if (this.consoleId === null) this.early.push({ consoleId, data });
        else if (consoleId === this.consoleId) this.deliver(data);
      }),
      client.on('consoleClosed', ({ consoleId, reason }) => {
        if (this.consoleId === null) this.early.push({ consoleId, reason });
        else if (consoleId === this.consoleId) this.end(reason);
      }),
    );
  }

  /** Opens the console; rejects with the host's plain error when it cannot. */
  static async open(
    client: ConvirtClient,
    target: ConsoleTarget,
    size: { cols: number; rows: number } | undefined,
    handlers: ConsoleHandlers,
  ): Promise<ConsoleConnection> {
    const connection = new ConsoleConnection(client, handlers);
    try {
      const { consoleId } =
        'local' in target
          ? await client.openLocalTerminal(size)
          : await client.openConsole({ host: target.host, vm: target.vm }, target.kind, size);
      connection.started(consoleId);
      return connection;
    } catch (err) {
      connection.detach();
      throw err;
    }
  }

  private started(consoleId: string): void {
    this.consoleId = consoleId;
    for (const event of this.early.splice(0)) {
      if (event.consoleId !== consoleId) continue;
      if (event.data) this.deliver(event.data);
      else this.end(event.reason ?? null);
    }
  }

  get isOpen(): boolean {
    return this.consoleId !== null && !this.ended;
  }

  private deliver(data: Uint8Array): void {
    if (this.ended) return;
    this.handlers.data(data, () => this.processed(data.byteLength));
  }

  /** Acknowledges processed bytes, several chunks in one call. */
  private processed(bytes: number): void {
    this.unacked += bytes;
    if (this.ackScheduled) return;
    this.ackScheduled = true;
    queueMicrotask(() => {
      this.ackScheduled = false;
      const bytes = this.unacked;
      this.unacked = 0;
      if (this.isOpen && bytes > 0) this.client.consoleAck(this.consoleId!, bytes).catch(() => {});
    });
  }

  private end(reason: string | null): void {
    if (this.ended) return;
    this.ended = true;
    this.detach();
    this.handlers.closed(reason);
  }

  private detach(): void {
    for (const off of this.unsubscribe.splice(0)) off();
  }

  send(data: Uint8Array): void {
    if (this.isOpen) this.client.consoleInput(this.consoleId!, data).catch(() => {});
  }

  resize(cols: number, rows: number): void {
    if (this.isOpen) this.client.consoleResize(this.consoleId!, cols, rows).catch(() => {});
  }

  /** Closes the console on the host; the view is told through `closed(null)`. */
  close(): void {
    if (!this.isOpen) return;
    const id = this.consoleId!;
    this.end(null);
    this.client.closeConsole(id).catch(() => {});
  }
}
