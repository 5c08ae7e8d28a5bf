// Consoles of VMs (serial text, graphical VNC bytes) and the local terminal, each identified by a
// consoleId and delivered to the client that opened it, with flow control.
// SKELETON: the consoles branch replaces this with the real implementation; the signatures are the
// agreement between app/main/services (which serves the contract) and this folder.
import type { ConsoleKind } from '../../shared/contract/convirt-contract.js';
import type { FleetService } from '../fleet/fleet-service.js';

/** Where a console's output goes: one per client (an Electron window or a WebSocket). */
export interface ConsoleSink {
  data(consoleId: string, data: Uint8Array): void;
  closed(consoleId: string, reason: string | null): void;
}

export interface ConsoleSize {
  cols: number;
  rows: number;
}

export interface ConsoleManagerOptions {
  fleet: FleetService;
  /** Whether openLocalTerminal is allowed (desktop; browser mode only when enabled). */
  localTerminal: boolean;
}

export class ConsoleManager {
  constructor(readonly options: ConsoleManagerOptions) {}

  openVmConsole(
    _sink: ConsoleSink,
    _host: string,
    _vm: string,
    _kind: ConsoleKind,
    _size?: ConsoleSize,
  ): Promise<{ consoleId: string }> {
    return Promise.reject(new Error('Consoles are not available in this build yet.'));
  }

  openLocalTerminal(_sink: ConsoleSink, _size?: ConsoleSize): Promise<{ consoleId: string }> {
    return Promise.reject(new Error('The local terminal is not available in this build yet.'));
  }

  input(_consoleId: string, _data: Uint8Array): void {}
  resize(_consoleId: string, _cols: number, _rows: number): void {}
  /** The client processed `bytes` more bytes of this console's data. */
  ack(_consoleId: string, _bytes: number): void {}
  close(_consoleId: string): void {}
  /** A client went away: close every console it opened. */
  closeAllFor(_sink: ConsoleSink): void {}
  dispose(): void {}
}
