// The contract's implementation: ConvirtService on top of the fleet engine, the inventory and the
// console manager. ConvirtBackend holds what all clients share (polling, host states, secrets,
// task events); attach() gives each client (a window, a WebSocket) its own service object with its
// own focus, consoles and secret questions, and a close() for when it goes away.
import type {
  AppInfo,
  ConvirtContract,
  ConvirtService,
  FleetSnapshot,
  HostView,
  VmDetails,
} from '../../shared/contract/convirt-contract.js';
import { ContractError, type EventSink } from '../../shared/contract/define.js';
import { APP_INFO } from '../../shared/app-info.js';
import { XL_UNSUPPORTED } from '../../shared/domain/xen-limits.js';
import { InvalidInputError, validateVmName } from '../../shared/validation/names.js';
import type { ConsoleManager, ConsoleSink } from '../consoles/console-manager.js';
import type { UrlTemplateService } from '../templates/url-template-service.js';
import type { FleetService, StartedTask } from '../fleet/fleet-service.js';
import { applianceInfo } from '../image-store/appliance-info.js';
import type { FleetProvisioning } from '../provisioning/fleet-provisioning.js';
import { templateParams } from '../provisioning/template-provisioning.js';
import type { Inventory, TagTarget, Task, TaskLogEntry } from '../inventory/index.js';
import { toContractError } from './contract-errors.js';
import { FleetState } from './fleet-state.js';
import type { SshSecrets } from '../secrets/ssh-secrets.js';
import type { SecretVault } from '../secrets/vault.js';
import { templateView, urlCheckView } from './template-views.js';
import type { SecretAsker, SecretRequests } from './secret-requests.js';

export type ClientEvents = EventSink<ConvirtContract>;

export interface ConvirtBackendOptions {
  fleet: FleetService;
  inventory: Inventory;
  consoles: ConsoleManager;
  /** The image store and the provisioning of VMs from its appliances. */
  provisioning: Pick<FleetProvisioning, 'store' | 'service'>;
  /** Templates and ISOs by URL, and the certificates for their downloads. */
  templates: UrlTemplateService;
  mode: AppInfo['mode'];
  version: string;
  /** Whether openLocalTerminal is served. */
  localTerminal: boolean;
  /** Every host is polled this often while a client is connected. */
  pollIntervalMs?: number;
  /** Hosts some client focuses on are polled this often. */
  fastPollIntervalMs?: number;
  /** The questions asked of clients (SSH secrets, the vault's master passphrase). */
  secrets: SecretRequests;
  /** SSH secrets kept for the session or remembered (FleetService asks through its prompts). */
  sshSecrets: SshSecrets;
  /** ConVirt's secret store, unlocked when the first client arrives if it exists. */
  vault?: SecretVault;
}

/** One client's view of the service. */
export interface ClientSession {
  readonly service: ConvirtService;
  /** The client went away: its consoles close, its focus and questions are dropped. */
  close(): void;
}

interface Client extends SecretAsker {
  emit: ClientEvents;
}

type VmRef = { host: string; vm: string };

/** The service as written here: a method may answer at once; attach() makes every one async. */
type Implementation = {
  [K in keyof ConvirtService]: (
    ...args: Parameters<ConvirtService[K]>
  ) => ReturnType<ConvirtService[K]> | Awaited<ReturnType<ConvirtService[K]>>;
};

export class ConvirtBackend {
  private readonly clients = new Set<Client>();
  readonly secrets: SecretRequests;
  readonly state: FleetState;
  private readonly unlisten: Array<() => void> = [];

  constructor(private readonly options: ConvirtBackendOptions) {
    this.secrets = options.secrets;
    this.state = new FleetState(options.fleet, options.inventory);
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

  private broadcast: ClientEvents = (event, payload) => {
    for (const client of this.clients) client.emit(event, payload);
  };

  attach(emit: ClientEvents): ClientSession {
    const client: Client = {
      emit,
      secretRequested: (request) => emit('secretRequested', request),
    };
    const first = this.clients.size === 0;
    this.clients.add(client);
    this.secrets.addClient(client);
    const consoles = new Set<string>();
    const sink: ConsoleSink = {
      data: (consoleId, data) => emit('consoleData', { consoleId, data }),
      closed: (consoleId, reason) => {
        consoles.delete(consoleId);
        emit('consoleClosed', { consoleId, reason });
      },
    };
    let focus: Array<() => void> = [];
    if (first) this.startPolling();
    if (first) this.unlockVault(client);

    const impl = this.serviceFor(client, sink, consoles, (hosts) => {
      focus.forEach((leave) => leave());
      focus = hosts.map((host) => this.options.fleet.poller.subscribe(host));
    });
    // Every call runs as this client (so SSH questions reach it) and fails with contract errors.
    const service = Object.fromEntries(
      Object.entries(impl).map(([name, fn]) => [
        name,
        async (...args: unknown[]) => {
          try {
            return await this.secrets.runAs(client, () =>
              (fn as (...a: unknown[]) => Promise<unknown>)(...args),
            );
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
        this.options.consoles.closeAllFor(sink);
        this.secrets.removeClient(client);
        this.clients.delete(client);
        if (this.clients.size === 0) this.options.fleet.poller.stop();
      },
    };
  }

  /**
   * A passphrase-protected store asks its passphrase once, up front, rather than in the middle of
   * a deployment; a refusal leaves it locked (what needs it then fails, saying so).
   */
  private unlockVault(client: Client): void {
    if (!this.options.vault?.exists()) return;
    this.openVaultFor(client).catch((err: unknown) => console.warn((err as Error).message));
  }

  /** Unlocks (or creates) the secret store, asking `client`; refused: a clear error. */
  private async openVaultFor(client: Client): Promise<void> {
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

  dispose(): void {
    this.options.fleet.poller.stop();
    this.secrets.cancelAll();
    this.unlisten.forEach((off) => off());
    this.state.dispose();
  }

  /** Polls the host soon after a task on it ends, so the new state shows without waiting. */
  private repollAfter(host: string, started: StartedTask) {
    const poll = () => this.options.fleet.poller.pollAll([host]);
    void started.finished.then(poll, poll);
    return started.task;
  }

  /** Refuses a new VM's name its host already shows (the task's own check looks again). */
  private requireFreeVmName(host: string, name: string): void {
    if (this.state.vm(host, name)) {
      throw new InvalidInputError('name', `${host} already has a VM named ${name}.`);
    }
  }

  private requireVm({ host, vm }: VmRef): void {
    this.options.fleet.host(host);
    validateVmName(vm);
  }

  /**
   * Refuses VMs that are not there, so no task runs for them: a VM the last poll did not show is
   * looked for in a fresh poll of its host (one remote request per host).
   */
  private async requireExistingVms(refs: readonly VmRef[]): Promise<void> {
    refs.forEach((ref) => this.requireVm(ref));
    const unseen = refs.filter((ref) => !this.state.vm(ref.host, ref.vm));
    const hosts = [...new Set(unseen.map((ref) => ref.host))];
    const polls = await Promise.all(hosts.map((host) => this.options.fleet.poller.pollHost(host)));
    for (const { host, vm } of unseen) {
      if (!polls[hosts.indexOf(host)]!.vms.some((v) => v.name === vm)) {
        throw new InvalidInputError('vm', `${host} has no VM named ${vm}.`);
      }
    }
  }

  /** Starts a task on an existing VM; its host is polled again when it ends. */
  private async startOnVm(ref: VmRef, start: () => StartedTask): Promise<Task> {
    await this.requireExistingVms([ref]);
    return this.repollAfter(ref.host, start());
  }

  private ownedConsole(consoles: Set<string>, consoleId: string): string {
    if (!consoles.has(consoleId)) {
      throw new ContractError({ code: 'not-found', message: 'No such console is open here.' });
    }
    return consoleId;
  }

  private setTags(target: TagTarget, tags: string[]): void {
    const { inventory } = this.options;
    inventory.transaction(() => {
      const wanted = new Set(tags);
      for (const tag of inventory.tags.list(target)) {
        if (!wanted.has(tag)) inventory.tags.remove(target, tag);
      }
      for (const tag of wanted) inventory.tags.add(target, tag);
    });
  }

  private serviceFor(
    client: Client,
    sink: ConsoleSink,
    consoles: Set<string>,
    setFocus: (hosts: string[]) => void,
  ): Implementation {
    const { fleet, inventory, consoles: manager, templates } = this.options;
    const changed = () => this.broadcast('fleetChanged', undefined);
    const templatesChanged = () => this.broadcast('templatesChanged', undefined);
    const hostView = (name: string): HostView => this.state.hostView(fleet.host(name));

    return {
      appInfo: () => ({
        name: APP_INFO.name,
        version: this.options.version,
        mode: this.options.mode,
        localTerminal: this.options.localTerminal,
      }),

      getFleet: (): FleetSnapshot => ({
        groups: inventory.groups.list(),
        hosts: inventory.hosts.list().map((host) => this.state.hostView(host)),
        vms: this.state.vms(),
      }),
      setFocus: (hosts) => {
        hosts.forEach((host) => fleet.host(host));
        setFocus(hosts);
      },
      refreshHost: async (host) => {
        fleet.host(host);
        fleet.connections.resetBackoff(host);
        if (!fleet.connections.isConnected(host)) this.state.connecting(host);
        await fleet.poller.pollAll([host]);
      },
      hostFacts: async (host) => {
        const facts = await fleet.hostFacts(host);
        this.state.setFacts(host, facts);
        return facts;
      },

      addHost: async (input) => {
        const { group, acceptFingerprint, ...endpoint } = input;
        const { host, facts } = await fleet.addHost(
          endpoint,
          acceptFingerprint ? { acceptFingerprint } : {},
        );
        // The pool is created only once the host is in: a refused host leaves nothing behind.
        if (group) inventory.hosts.moveToGroup(host.name, fleet.ensureGroupPath(group));
        this.state.setFacts(host.name, facts);
        changed();
        void fleet.poller.pollAll([host.name]);
        // A host added later gets the certificates uploaded for downloads by URL too: a task,
        // so a failure (a client key the locked secret store holds) is seen, not swallowed.
        if (templates.listCertificates().length > 0) {
          void fleet.tasks
            .run('certificates.install', host.name, () =>
              templates.installCertificatesOn(host.name),
            )
            .result.catch(() => {
              // In the task's record; the host itself is in.
            });
        }
        return hostView(host.name);
      },
      removeHost: (host) => {
        fleet.removeHost(host);
        this.state.forget(host);
        changed();
      },
      moveHost: (host, groupId) => {
        inventory.hosts.moveToGroup(fleet.host(host).name, groupId);
        changed();
      },
      createGroup: (name, parentId) => {
        const group = inventory.groups.create(name, parentId);
        changed();
        return group;
      },
      renameGroup: (id, name) => {
        inventory.groups.rename(id, name);
        changed();
      },
      deleteGroup: (id) => {
        inventory.groups.remove(id);
        changed();
      },
      setHostTags: (host, tags) => {
        this.setTags({ kind: 'host', id: fleet.host(host).name }, tags);
        changed();
      },
      setVmTags: (ref, tags) => {
        this.requireVm(ref);
        this.setTags({ kind: 'vm', id: `${ref.host}/${ref.vm}` }, tags);
        changed();
      },
      answerSecret: (requestId, secret, options) =>
        this.secrets.answer(client, requestId, secret, options?.remember === true),
      listRememberedSecrets: () => this.options.sshSecrets.remembered(),
      forgetSecret: (id) => {
        if (!this.options.sshSecrets.forget(id)) {
          throw new ContractError({ code: 'not-found', message: 'No such remembered secret.' });
        }
      },

      vmAction: (ref, action) =>
        this.startOnVm(ref, () => fleet.vmAction(ref.host, ref.vm, action)),
      bulkVmAction: async (refs, action) => {
        // Every reference is checked before the first task starts: bad input runs nothing.
        await this.requireExistingVms(refs);
        return refs.map(({ host, vm }) => this.repollAfter(host, fleet.vmAction(host, vm, action)));
      },
      vmDetails: async ({ host, vm }): Promise<VmDetails> => {
        const info = await fleet.vmInfo(host, vm);
        const tags = inventory.tags.list({ kind: 'vm', id: `${host}/${vm}` });
        const base = { ...info, tags };
        if (fleet.host(host).hypervisor === 'xen') {
          return {
            ...base,
            autostart: null,
            isoPath: null,
            hasGuestAgentChannel: false,
            hasGraphics: false,
            snapshots: [],
            hypervisor: 'xen',
            notSupported: XL_UNSUPPORTED,
            configFile: await fleet.xlConfigFile(host, vm),
          };
        }
        const driver = await fleet.kvm(host, 'snapshot');
        const [doc, autostart, snapshots] = await Promise.all([
          driver.document(vm),
          driver.autostart(vm),
          driver.snapshotList(vm),
        ]);
        const cdrom = doc.disks().find((disk) => disk.device === 'cdrom');
        return {
          ...base,
          autostart,
          isoPath: cdrom?.source ?? null,
          hasGuestAgentChannel: doc.hasGuestAgentChannel(),
          hasGraphics: doc.hasGraphics(),
          snapshots,
          hypervisor: 'kvm',
          notSupported: {},
          configFile: null,
        };
      },
      setVmResources: (ref, change) => {
        if (change.vcpus === undefined && change.memoryMiB === undefined) {
          throw new InvalidInputError('change', 'Give vCPUs, memory or both.');
        }
        return this.startOnVm(ref, () => fleet.setResources(ref.host, ref.vm, change));
      },
      setAutostart: (ref, enabled) =>
        this.startOnVm(ref, () => fleet.setAutostart(ref.host, ref.vm, enabled)),
      setIso: (ref, isoPath) => this.startOnVm(ref, () => fleet.setIso(ref.host, ref.vm, isoPath)),
      createSnapshot: (ref, name, options) =>
        this.startOnVm(ref, () => fleet.snapshot(ref.host, ref.vm, 'create', name, options)),
      revertSnapshot: (ref, name) =>
        this.startOnVm(ref, () => fleet.snapshot(ref.host, ref.vm, 'revert', name)),
      deleteSnapshot: (ref, name) =>
        this.startOnVm(ref, () => fleet.snapshot(ref.host, ref.vm, 'delete', name)),
      cloneVm: (ref, newName, mode) =>
        this.startOnVm(ref, () => fleet.clone(ref.host, ref.vm, newName, mode)),
      deleteVm: (ref, options) =>
        this.startOnVm(ref, () => fleet.deleteVm(ref.host, ref.vm, options)),

      listAppliances: () => {
        const { store } = this.options.provisioning;
        const defaultName = store.defaultName();
        return store.list().map((a) => applianceInfo(a, a.name === defaultName));
      },
      provisionVm: (host, appliance, name, params, options) => {
        this.requireFreeVmName(host, name);
        // Every parameter is checked here, before the task starts or anything runs on the host.
        const { task, result } = this.options.provisioning.service.provision({
          host,
          appliance,
          name,
          params,
          start: options.start === true,
        });
        // The poll after the task shows the new VM in the tree, or its absence after a failure.
        return this.repollAfter(host, { task, finished: result.then(() => task) });
      },
      provisionFromTemplate: async (host, template, name, params, options) => {
        this.requireFreeVmName(host, name);
        // The task's own checks first (template, hypervisor, values), so a bad request says what
        // is wrong with it rather than that the host is down.
        templateParams(templates.get(template), fleet.host(host), params);
        if (!fleet.connections.isConnected(host)) {
          throw new InvalidInputError(
            'host',
            `${host} is not connected: it downloads the template itself, so it must be up. Try again once the fleet tree shows it connected.`,
          );
        }
        // Header values are in the secret store: a locked store asks this client first.
        const summary = templates.list().find((t) => t.name === template);
        if (summary?.headerNames.length) await this.openVaultFor(client);
        const { task, result } = this.options.provisioning.service.provision({
          host,
          template,
          name,
          params,
          start: options.start === true,
        });
        // The pool's copy stays even when the VM fails: the templates' pools may have changed.
        void result.then(templatesChanged, templatesChanged);
        return this.repollAfter(host, { task, finished: result.then(() => task) });
      },

      listTasks: (limit) => inventory.tasks.list({ limit: limit ?? 100 }),
      taskLog: (taskId, afterSeq) =>
        inventory.tasks.log(taskId, afterSeq === undefined ? {} : { afterSeq }),
      cancelTask: (taskId) => {
        if (fleet.tasks.cancel(taskId)) return;
        const task = fleet.task(taskId).task;
        throw new ContractError({
          code: 'failed',
          message: `Task ${task.kind} ${task.target} is ${task.status}: nothing to cancel.`,
        });
      },

      openConsole: async ({ host, vm }, kind, size) => {
        this.requireVm({ host, vm });
        const opened = await manager.openVmConsole(sink, host, vm, kind, size);
        consoles.add(opened.consoleId);
        return opened;
      },
      openLocalTerminal: async (size) => {
        if (!this.options.localTerminal) {
          throw new ContractError({
            code: 'unauthorized',
            message:
              'The local terminal is off. In browser mode, start ConVirt with --enable-local-terminal.',
          });
        }
        const opened = await manager.openLocalTerminal(sink, size);
        consoles.add(opened.consoleId);
        return opened;
      },
      consoleInput: (consoleId, data) =>
        manager.input(this.ownedConsole(consoles, consoleId), data),
      consoleResize: (consoleId, cols, rows) =>
        manager.resize(this.ownedConsole(consoles, consoleId), cols, rows),
      consoleAck: (consoleId, bytes) => manager.ack(this.ownedConsole(consoles, consoleId), bytes),
      closeConsole: (consoleId) => {
        manager.close(this.ownedConsole(consoles, consoleId));
        consoles.delete(consoleId);
      },

      listTemplates: () => templates.list().map(templateView),
      registerTemplate: async (request) => {
        // Header values go into the secret store: a locked (or not yet created) passphrase store
        // asks this client for its master passphrase now, before the task starts.
        // So does a client certificate's key for a download into the local image store.
        if (request.headers?.length || (request.clientCertificate && !request.directDownload))
          await this.openVaultFor(client);
        const { task, result } = templates.registerAsTask(fleet.tasks, request);
        void result.then(templatesChanged, () => {
          // The task's failure is in its record and log.
        });
        return task;
      },
      checkTemplateUrl: async (url, headers, hypervisor) =>
        urlCheckView(await templates.checkUrl(url, headers, hypervisor)),
      removeTemplate: (name) => {
        const removed = templates.remove(name);
        templatesChanged();
        return removed;
      },
      listCertificates: () => templates.listCertificates(),
      addCertificate: async (upload) => {
        // A client certificate's key goes into the secret store: this client may be asked.
        if (upload.kind === 'client') await this.openVaultFor(client);
        const added = await templates.addCertificate(upload);
        templatesChanged();
        return added;
      },
      removeCertificate: async (name) => {
        const kind = templates.listCertificates().find((c) => c.name === name)?.kind;
        if (kind === 'client') await this.openVaultFor(client);
        const removed = await templates.removeCertificate(name);
        templatesChanged();
        return removed;
      },
    };
  }
}
