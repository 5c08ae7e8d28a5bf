// The contract's backend. ConvirtBackend holds what all clients share (polling, host states,
// secrets, task events); attach() gives each client (a window, a WebSocket, convirtctl) its own
// service with its own focus, consoles and secret questions, and a close() for when it goes away.
// What each method does is in ./api/, one file per area.
import { convirtContract, type ConvirtService } from '../../shared/contract/convirt-contract.js';
import { parseArgs } from '../../shared/contract/define.js';
import type { ConsoleSink } from '../consoles/console-manager.js';
import type { Task, TaskLogEntry } from '../inventory/index.js';
import { implementation } from './api/index.js';
import type { CallingClient, ClientEvents } from './api/context.js';
import type { ConvirtBackendOptions } from './backend-options.js';
import { toContractError } from './contract-errors.js';
import { PerfHistoryStore } from '../fleet/perf-history.js';
import { FleetState } from './fleet-state.js';
import { secretStoreNeed } from './secret-store-rules.js';
import type { SecretAsker, SecretRequests } from './secret-requests.js';
import { TaskOutcomes } from './task-outcomes.js';
import { VmChecks } from './vm-checks.js';

export type { ClientEvents } from './api/context.js';
export type { ConvirtBackendOptions } from './backend-options.js';

/** One client's view of the service. */
export interface ClientSession {
  readonly service: ConvirtService;
  /** The client went away: its consoles close, its focus and questions are dropped. */
  close(): void;
}

export class ConvirtBackend {
  private readonly clients = new Set<CallingClient>();
  readonly secrets: SecretRequests;
  readonly state: FleetState;
  private readonly checks: VmChecks;
  private readonly outcomes: TaskOutcomes;
  private readonly unlisten: Array<() => void> = [];

  constructor(private readonly options: ConvirtBackendOptions) {
    this.secrets = options.secrets;
    this.state = new FleetState(
      options.fleet,
      options.inventory,
      new PerfHistoryStore(options.perfHistoryDir),
    );
    this.checks = new VmChecks(options, this.state);
    this.outcomes = new TaskOutcomes(options.fleet, this.checks);
    const { fleet } = options;
    this.state.on('hostPolled', (payload) => this.broadcast('hostPolled', payload));
    const taskUpdated = (task: Task) => this.broadcast('taskUpdated', task);
    const taskLog = ({ taskId, entry }: { taskId: string; entry: TaskLogEntry }) =>
      this.broadcast('taskLog', { taskId, entries: [entry] });
    fleet.tasks.on('update', taskUpdated);
    fleet.tasks.on('log', taskLog);
    this.unlisten.push(() => {
      fleet.tasks.off('update', taskUpdated);
      fleet.tasks.off('log', taskLog);
    });
  }

  /** Events every client is told. */
  private broadcast: ClientEvents = (event, payload) => {
    for (const client of this.clients) client.emit(event, payload);
  };

  /** After an automatic update of the image lists: every client fetches them again. */
  broadcastImageListsChanged(): void {
    this.broadcast('imageListsChanged', undefined);
    this.broadcast('templatesChanged', undefined);
  }

  attach(emit: ClientEvents): ClientSession {
    const { fleet, consoles: manager } = this.options;
    let focus: Array<() => void> = [];
    const consoleSink: ConsoleSink = {
      data: (consoleId, data) => emit('consoleData', { consoleId, data }),
      closed: (consoleId, reason) => {
        client.consoles.delete(consoleId);
        emit('consoleClosed', { consoleId, reason });
      },
    };
    const client: CallingClient = {
      emit,
      secretRequested: (request) => emit('secretRequested', request),
      consoleSink,
      consoles: new Set(),
      setFocus: (hosts) => {
        focus.forEach((leave) => leave());
        focus = hosts.map((host) => fleet.poller.subscribe(host));
      },
    };
    const first = this.clients.size === 0;
    this.clients.add(client);
    this.secrets.addClient(client);
    if (first && !this.options.oneShot) {
      this.startPolling();
      this.unlockVault(client);
    }

    const impl = implementation({
      options: this.options,
      fleet,
      inventory: this.options.inventory,
      templates: this.options.templates,
      state: this.state,
      checks: this.checks,
      outcomes: this.outcomes,
      client,
      broadcast: this.broadcast,
    });
    // Every call is checked against the contract's argument schemas (in-process clients such as
    // convirtctl get the transports' checks too: bad input is refused before anything, even before
    // the secret store is asked for), runs as this client (so questions reach it), first unlocks
    // the secret store if it needs it, and fails with contract errors.
    const service = Object.fromEntries(
      Object.entries(impl).map(([name, fn]) => [
        name,
        async (...args: unknown[]) => {
          try {
            parseArgs(convirtContract.methods[name as keyof ConvirtService], name, args);
            return await this.secrets.runAs(client, async () => {
              await this.storeFor(client, name as keyof ConvirtService, args);
              return (fn as (...a: unknown[]) => unknown)(...args);
            });
          } catch (err) {
            throw toContractError(err);
          }
        },
      ]),
    ) as unknown as ConvirtService;

    let closed = false;
    return {
      service,
      close: () => {
        if (closed) return;
        closed = true;
        focus.forEach((leave) => leave());
        manager.closeAllFor(consoleSink);
        this.secrets.removeClient(client);
        this.clients.delete(client);
        if (this.clients.size === 0) fleet.poller.stop();
      },
    };
  }

  /** Unlocks the secret store before a call that needs it (secret-store-rules.ts). */
  private async storeFor(
    client: SecretAsker,
    method: keyof ConvirtService,
    args: unknown[],
  ): Promise<void> {
    const need = secretStoreNeed(this.options.templates, method, args as never);
    if (need === 'required') await this.openVaultFor(client);
    if (need === 'wanted') await this.openVaultFor(client).catch(() => undefined);
  }

  /**
   * A passphrase-protected store asks its passphrase once, up front, rather than in the middle of
   * a deployment; a refusal leaves it locked (what needs it then fails, saying so).
   */
  private unlockVault(client: SecretAsker): void {
    if (!this.options.vault?.exists()) return;
    this.openVaultFor(client).catch((err: unknown) => console.warn((err as Error).message));
  }

  /** Unlocks (or creates) the secret store, asking `client`; refused: a clear error. */
  private async openVaultFor(client: SecretAsker): Promise<void> {
    const vault = this.options.vault;
    if (!vault || vault.isUnlocked) return;
    await this.secrets.runAs(client, () => vault.unlock());
  }

  private startPolling(): void {
    const { fleet, inventory } = this.options;
    fleet.poller.start(
      () => inventory.hosts.list().map((h) => h.name),
      this.options.pollIntervalMs,
      this.options.fastPollIntervalMs,
    );
  }

  /** Stops at once; resolved once the performance history held in memory is written. */
  dispose(): Promise<void> {
    this.options.fleet.poller.stop();
    this.secrets.cancelAll();
    this.unlisten.forEach((off) => off());
    return this.state.dispose();
  }
}
