// noVNC's RFB class talks to a WebSocket-like channel (send, close, binaryType, protocol,
// readyState, onopen, onmessage, onerror, onclose). This one carries the RFB bytes over the
// contract's console methods and events instead of a WebSocket: the graphical console's tunnel
// to the VM's VNC display ends in main, on the host's SSH connection.
import type { ConvirtClient } from '../../../shared/contract/convirt-contract.js';
import { ConsoleConnection } from './console-connection.js';

type ReadyState = 'connecting' | 'open' | 'closing' | 'closed';

export class VncChannel {
  // Fields noVNC checks for and assigns (own properties, as on a WebSocket object).
  binaryType = 'arraybuffer';
  protocol = '';
  readyState: ReadyState = 'connecting';
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: { data: ArrayBuffer }) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  onclose: ((event: { code: number; reason: string; wasClean: boolean }) => void) | null = null;

  private connection: ConsoleConnection | null = null;
  /** Output that came with openConsole's answer, before noVNC was told the channel is open. */
  private early: Array<() => void> = [];
  /** Why the console ended, for the view (null: closed on request). */
  closeReason: string | null = null;

  constructor(client: ConvirtClient, target: { host: string; vm: string }) {
    ConsoleConnection.open(client, { ...target, kind: 'graphics' }, undefined, {
      data: (data, done) => {
        // noVNC copies the bytes into its receive queue and decodes them before returning.
        const deliver = () => {
          this.onmessage?.({ data: data.slice().buffer });
          done();
        };
        if (this.readyState === 'connecting') this.early.push(deliver);
        else deliver();
      },
      closed: (reason) => this.finish(reason),
    }).then(
      (connection) => {
        if (this.readyState !== 'connecting') {
          connection.close();
          return;
        }
        this.connection = connection;
        this.readyState = 'open';
        this.onopen?.(new Event('open'));
        for (const deliver of this.early.splice(0)) deliver();
      },
      (err: unknown) => {
        this.onerror?.(new Event('error'));
        this.finish(err instanceof Error ? err.message : String(err));
      },
    );
  }

  send(data: ArrayBuffer | Uint8Array): void {
    const bytes = data instanceof Uint8Array ? data.slice() : new Uint8Array(data.slice(0));
    this.connection?.send(bytes);
  }

  close(): void {
    if (this.readyState === 'closed') return;
    this.readyState = 'closing';
    if (this.connection) this.connection.close();
    else this.finish(null);
  }

  private finish(reason: string | null): void {
    if (this.readyState === 'closed') return;
    this.readyState = 'closed';
    this.closeReason = reason;
    this.onclose?.({ code: reason ? 1006 : 1000, reason: reason ?? '', wasClean: !reason });
  }
}
