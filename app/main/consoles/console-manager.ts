// Consoles of VMs (serial text, graphical VNC bytes) and the local terminal, each identified by a
// consoleId and delivered to the client that opened it, with flow control.
//
// Every console of a host travels over that host's ONE SSH connection: the serial console is a
// pty channel running `virsh console --force` (or `xl console`), the graphical console a tunnel
// (direct-tcpip channel) to the VM's VNC display on the host's side, carrying raw RFB bytes that
// the client's VNC viewer speaks. Nothing is needed on the host beyond libvirt and sshd.
import { randomUUID } from 'node:crypto';
import type { ClientChannel } from 'ssh2';
import type { ConsoleKind } from '../../shared/contract/convirt-contract.js';
import { validateVmName } from '../../shared/validation/names.js';
import type { FleetService } from '../fleet/fleet-service.js';
import { channelExit, type SshConnection } from '../ssh/ssh-connection.js';
import { FlowControl, type FlowStats } from './flow-control.js';
import { InputGate, SERIAL_CONSOLE_READY } from './input-gate.js';
import { spawnLocalShell } from './local-terminal.js';
import { OutputBatcher } from '../../shared/consoles/output-batcher.js';

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

const DEFAULT_SIZE: ConsoleSize = { cols: 80, rows: 24 };

/** What a console reads from and writes to: an SSH channel or a local pty. */
interface ConsoleSource {
  write(data: Uint8Array): void;
  resize(size: ConsoleSize): void;
  pause(): void;
  resume(): void;
  close(): void;
}

interface OpenConsole {
  id: string;
  sink: ConsoleSink;
  /** "the serial console of web1/db2", for messages. */
  title: string;
  source: ConsoleSource;
  flow: FlowControl;
  gate: InputGate;
  /** What goes to the sink: the source's chunks, gathered while output flows. */
  output: OutputBatcher;
  connection?: SshConnection;
}

/** How a console's source reports what it does, wired up by the opener. */
interface SourceEvents {
  data(chunk: Uint8Array): void;
  /** The source ended on its own; `detail` says how (exit status), if known. */
  ended(detail?: string): void;
}

function channelSource(channel: ClientChannel, events: SourceEvents): ConsoleSource {
  channel.on('data', (d: Buffer) => events.data(d));
  channel.stderr.on('data', (d: Buffer) => events.data(d));
  void channelExit(channel).then(({ code, signal }) =>
    events.ended(code ? `exit status ${code}` : signal ? `signal ${signal}` : undefined),
  );
  return {
    write: (data) => channel.write(data),
    resize: ({ cols, rows }) => channel.setWindow(rows, cols, 0, 0),
    pause: () => channel.pause(),
    resume: () => channel.resume(),
    close: () => channel.close(),
  };
}

export class ConsoleManager {
  private readonly consoles = new Map<string, OpenConsole>();
  /** Connections whose close is already watched (once each, however many consoles). */
  private readonly watched = new WeakSet<SshConnection>();

  constructor(readonly options: ConsoleManagerOptions) {}

  async openVmConsole(
    sink: ConsoleSink,
    host: string,
    vm: string,
    kind: ConsoleKind,
    size?: ConsoleSize,
  ): Promise<{ consoleId: string }> {
    validateVmName(vm);
    const { fleet } = this.options;
    fleet.host(host); // an unknown host is refused before any connection
    const connection = await fleet.connections.get(host);
    if (kind === 'serial') {
      const channel = await fleet.openConsole(host, vm, size ?? DEFAULT_SIZE);
      return this.attach(
        sink,
        `the serial console of ${host}/${vm}`,
        { connection, ready: SERIAL_CONSOLE_READY },
        (events) => channelSource(channel, events),
      );
    }
    // Hosts whose hypervisor has no graphical console are refused before anything runs on them.
    const driver = await fleet.driverWith(host, 'graphicalConsole', connection);
    const endpoint = await driver.graphicalConsole(vm, `${host}/${vm}`);
    if (endpoint.kind === 'socket') {
      throw new Error(
        `The VNC display of ${host}/${vm} listens on a UNIX socket (${endpoint.path}); ConVirt reaches VNC displays that listen on a TCP port.`,
      );
    }
    const channel = await connection.openTunnel(endpoint.address, endpoint.port);
    return this.attach(sink, `the graphical console of ${host}/${vm}`, { connection }, (events) =>
      channelSource(channel, events),
    );
  }

  async openLocalTerminal(sink: ConsoleSink, size?: ConsoleSize): Promise<{ consoleId: string }> {
    if (!this.options.localTerminal) {
      throw new Error('The local terminal is not enabled here (it is a desktop feature).');
    }
    const pty = await spawnLocalShell(size ?? DEFAULT_SIZE);
    return this.attach(sink, 'the local terminal', {}, (events) => {
      pty.onData((d: string | Buffer) =>
        events.data(typeof d === 'string' ? Buffer.from(d, 'utf8') : d),
      );
      pty.onExit(({ exitCode, signal }) =>
        events.ended(
          exitCode ? `exit status ${exitCode}` : signal ? `signal ${signal}` : undefined,
        ),
      );
      return {
        write: (data) => pty.write(Buffer.from(data.buffer, data.byteOffset, data.byteLength)),
        resize: ({ cols, rows }) => pty.resize(cols, rows),
        pause: () => pty.pause(),
        resume: () => pty.resume(),
        close: () => pty.kill(),
      };
    });
  }

  /** Registers a console whose source `open` wires its events to this manager. */
  private attach(
    sink: ConsoleSink,
    title: string,
    { connection, ready }: { connection?: SshConnection; ready?: RegExp | undefined },
    open: (events: SourceEvents) => ConsoleSource,
  ): { consoleId: string } {
    const id = randomUUID();
    // The source may emit as soon as it is wired; the record exists before that.
    const pending: { console?: OpenConsole } = {};
    const source = open({
      data: (chunk) => {
        if (pending.console) this.deliver(pending.console, chunk);
      },
      ended: (detail) => {
        const current = pending.console;
        if (current && this.consoles.get(id) === current) {
          const how = detail ? ` (${detail})` : '';
          this.finish(current, `${capitalize(title)} ended${how}.`);
        }
      },
    });
    const entry: OpenConsole = {
      id,
      sink,
      title,
      source,
      flow: new FlowControl(source),
      gate: new InputGate((data) => source.write(data), ready),
      output: new OutputBatcher((data) => this.send(entry, data)),
      ...(connection ? { connection } : {}),
    };
    pending.console = entry;
    this.consoles.set(id, entry);
    if (connection) this.watch(connection);
    return { consoleId: id };
  }

  /** Ends every console of a connection that drops, saying so. */
  private watch(connection: SshConnection): void {
    if (this.watched.has(connection)) return;
    this.watched.add(connection);
    connection.onClose(() => {
      for (const entry of [...this.consoles.values()]) {
        if (entry.connection === connection) {
          this.finish(
            entry,
            `The SSH connection to ${connection.target} was lost; ${entry.title} ended.`,
          );
        }
      }
    });
  }

  private deliver(entry: OpenConsole, chunk: Uint8Array): void {
    if (this.consoles.get(entry.id) !== entry || chunk.byteLength === 0) return;
    entry.gate.output(chunk);
    // Counted as it arrives, gathered or not: flow control pauses the source on time.
    entry.flow.sent(chunk.byteLength);
    entry.output.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }

  private send(entry: OpenConsole, data: Uint8Array): void {
    try {
      entry.sink.data(entry.id, data);
    } catch {
      // The client is gone: nobody will read or acknowledge this console any more.
      this.finish(entry, null, { notify: false });
    }
  }

  /** Forgets a console, closes its source and tells its client why (null: it asked). */
  private finish(entry: OpenConsole, reason: string | null, { notify = true } = {}): void {
    if (this.consoles.get(entry.id) !== entry) return;
    this.consoles.delete(entry.id);
    // The last output reaches the client before the word that the console ended.
    if (notify) entry.output.flush();
    entry.output.dispose();
    try {
      entry.source.close();
    } catch {
      // already closed
    }
    if (notify) {
      try {
        entry.sink.closed(entry.id, reason);
      } catch {
        // the client is gone
      }
    }
  }

  private get(consoleId: string): OpenConsole {
    const entry = this.consoles.get(consoleId);
    if (!entry) throw new Error(`No open console ${consoleId}: it has been closed.`);
    return entry;
  }

  input(consoleId: string, data: Uint8Array): void {
    this.get(consoleId).gate.input(data);
  }

  resize(consoleId: string, cols: number, rows: number): void {
    if (!(Number.isInteger(cols) && Number.isInteger(rows) && cols > 0 && rows > 0)) {
      throw new Error(`Invalid console size ${cols}x${rows}.`);
    }
    this.get(consoleId).source.resize({ cols, rows });
  }

  /** The client processed `bytes` more bytes of this console's data. */
  ack(consoleId: string, bytes: number): void {
    // An ack may cross the console's close on the way: not an error.
    this.consoles.get(consoleId)?.flow.acked(bytes);
  }

  close(consoleId: string): void {
    const entry = this.consoles.get(consoleId);
    if (entry) this.finish(entry, null);
  }

  /** A client went away: close every console it opened. */
  closeAllFor(sink: ConsoleSink): void {
    for (const entry of [...this.consoles.values()]) {
      if (entry.sink === sink) this.finish(entry, null, { notify: false });
    }
  }

  /** Flow-control counters of an open console (tests, benchmarks). */
  stats(consoleId: string): FlowStats | undefined {
    return this.consoles.get(consoleId)?.flow.stats();
  }

  get openCount(): number {
    return this.consoles.size;
  }

  dispose(): void {
    for (const entry of [...this.consoles.values()]) this.finish(entry, null, { notify: false });
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
