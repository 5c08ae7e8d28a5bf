// The fleet engine: hosts in the inventory, one trusted connection each, a driver per hypervisor,
// polling, and every operation as a task. convirtctl, the tests and (through the contract) the UI
// all use this one object.
import type { ClientChannel } from 'ssh2';
import type { HostFacts, Hypervisor } from '../../shared/domain/host.js';
import type { VmAction } from '../../shared/contract/convirt-contract.js';
import {
  RESTORABLE_STATES,
  SAVABLE_STATES,
  type GuestInfo,
  type VmSample,
  type VmState,
} from '../../shared/domain/vm.js';
import { InvalidInputError, validateVmName } from '../../shared/validation/names.js';
import {
  refuseUnsupported,
  requireOperation,
  type CapableDriver,
  type HypervisorDriver,
  type HypervisorVmDetails,
  type OptionalOperation,
} from '../hypervisors/driver.js';
import { driverFor, driverKind, type DriverSettings } from '../hypervisors/drivers.js';
import type { Host, HostInput, Inventory, Task, TaskLogEntry } from '../inventory/index.js';
import type { HostKeyTrust, VerifierOptions } from '../ssh/host-key-trust.js';
import type { RemoteShell, SshConnection } from '../ssh/ssh-connection.js';
import { TaskRunner, type TaskContext } from '../tasks/task-runner.js';
import { FleetPoller } from './fleet-poller.js';
import { HostConnections } from './host-connections.js';
import { HostConnector } from './host-connector.js';
import type { Prompts } from '../ssh/prompts.js';
import type { SshConfig } from '../ssh/ssh-config.js';

export { VM_ACTIONS, type VmAction } from '../../shared/contract/convirt-contract.js';

export interface FleetVm extends VmSample {
  host: string;
}

/** A task that has started: its first record now, its final record when it ends. */
export interface StartedTask {
  task: Task;
  /** Resolves when the task ends, whatever its outcome (see the record's status). */
  finished: Promise<Task>;
}

export interface FleetServiceOptions {
  inventory: Inventory;
  /** xenconf_dir and the default bridges from convirt.conf. */
  drivers?: DriverSettings;
  trust: HostKeyTrust;
  sshConfig?: SshConfig;
  prompts?: Prompts;
  /** convirt.conf's default_ssh_port: the port of a host added without one (default 22). */
  defaultSshPort?: number;
  /** convirt.conf's exec_path: the PATH of every command run on the hosts. */
  execPath?: string;
}

export interface AddHostInput extends Omit<HostInput, 'hypervisor' | 'username'> {
  username?: string;
  /** Detected on the host when not given. */
  hypervisor?: Hypervisor;
}

/** The states in which an action has nothing left to do (reboot always has something). */
const ACTION_DONE_IN: Partial<Record<VmAction, readonly VmState[]>> = {
  start: ['running'],
  shutdown: ['shutoff'],
  destroy: ['shutoff'],
  suspend: ['paused'],
  resume: ['running'],
};

/** Refuses (as bad input: nothing is changed) VM `vm` in `state` unless it is one of `states`. */
export function requireVmState(
  vm: string,
  state: VmState,
  states: readonly VmState[],
  done: string,
): void {
  if (!states.includes(state))
    throw new InvalidInputError('vm', `${vm} is ${stateWords(state)}: it cannot be ${done}.`);
}

async function requireState(
  driver: HypervisorDriver,
  vm: string,
  states: readonly VmState[],
  done: string,
): Promise<void> {
  requireVmState(vm, await driver.state(vm), states, done);
}

function stateWords(state: VmState): string {
  return state === 'shutoff' ? 'shut off' : state;
}

export class FleetService {
  readonly connections: HostConnections;
  readonly poller: FleetPoller;
  readonly tasks: TaskRunner;
  private readonly connector: HostConnector;

  constructor(private readonly options: FleetServiceOptions) {
    this.connector = new HostConnector({
      trust: options.trust,
      ...(options.sshConfig ? { sshConfig: options.sshConfig } : {}),
      ...(options.prompts ? { prompts: options.prompts } : {}),
      ...(options.defaultSshPort !== undefined ? { defaultPort: options.defaultSshPort } : {}),
      ...(options.execPath !== undefined ? { execPath: options.execPath } : {}),
    });
    this.connections = new HostConnections((name) => {
      const host = this.host(name);
      return this.connector.connect(host, {
        acceptFingerprint: host.hostKeyFingerprint ?? undefined,
      });
    });
    this.poller = new FleetPoller({
      connections: this.connections,
      driverFor: (name, ssh) => this.driverOn(this.host(name), ssh),
    });
    this.tasks = new TaskRunner(options.inventory.tasks, options.inventory.audit);
  }

  private get inventory(): Inventory {
    return this.options.inventory;
  }

  host(name: string): Host {
    const host = this.inventory.hosts.get(name);
    if (!host) throw new InvalidInputError('host', `No host named ${JSON.stringify(name)}.`);
    return host;
  }

  private driverOn(host: Host, shell: RemoteShell): HypervisorDriver {
    return driverFor(host, shell, this.options.drivers);
  }

  /** The host, unless its hypervisor lacks `operation` (refused with the reason). */
  private refuseUnsupported(hostName: string, operation: OptionalOperation): Host {
    const host = this.host(hostName);
    refuseUnsupported(driverKind(host.hypervisor), operation, hostName);
    return host;
  }

  /** The host's driver for `operation`; hosts whose hypervisor lacks it are refused. */
  async driverWith(
    hostName: string,
    operation: OptionalOperation,
    shell?: RemoteShell,
  ): Promise<CapableDriver> {
    const host = this.refuseUnsupported(hostName, operation);
    const driver = this.driverOn(host, shell ?? (await this.connections.get(hostName)));
    return requireOperation(driver, operation, hostName);
  }

  /**
   * Adds a host: connects, checks its key (an unknown key must be confirmed, a changed one is
   * refused), detects the hypervisor, and stores it. Nothing is stored when any step fails.
   */
  async addHost(
    input: AddHostInput,
    verify: VerifierOptions = {},
  ): Promise<{ host: Host; facts: HostFacts }> {
    if (this.inventory.hosts.get(input.name)) {
      throw new InvalidInputError('name', `A host named ${input.name} already exists.`);
    }
    const ssh = await this.connector.connect(input, verify);
    try {
      const hypervisor =
        input.hypervisor ?? (input.libvirtUri ? 'kvm' : await detectHypervisor(ssh));
      const draft = { ...input, hypervisor, username: input.username ?? ssh.target.split('@')[0]! };
      const facts = await this.driverOn(
        { ...draft, useSudo: !!input.useSudo } as Host,
        ssh,
      ).hostFacts();
      const host = this.inventory.hosts.add(
        { ...draft, hostKeyFingerprint: ssh.hostKey.fingerprint },
        this.options.defaultSshPort,
      );
      this.inventory.audit.record({ action: 'host.add', target: host.name, outcome: 'ok' });
      return { host, facts };
    } finally {
      ssh.close();
    }
  }

  /** The server pool at a path like `Datacenter/Rack 1`, created (with its parents) if missing. */
  ensureGroupPath(path: string): number {
    const groups = this.inventory.groups;
    let parent: number | null = null;
    for (const name of path.split('/').filter(Boolean)) {
      const existing = groups.list().find((g) => g.name === name && g.parentId === parent);
      parent = existing ? existing.id : groups.create(name, parent).id;
    }
    if (parent === null)
      throw new InvalidInputError('group', `Invalid group ${JSON.stringify(path)}.`);
    return parent;
  }

  groupPath(id: number): string {
    return this.inventory.groups.path(id);
  }

  listHosts(): Host[] {
    return this.inventory.hosts.list();
  }

  async hostFacts(name: string): Promise<HostFacts> {
    const host = this.host(name);
    return this.driverOn(host, await this.connections.get(name)).hostFacts();
  }

  /**
   * Accepts the new key of a host whose key changed (the operator checked `fingerprint` with the
   * host's administrator): it replaces the old one in ConVirt's store and the inventory, and the
   * host is connected again at once. A key other than `fingerprint` is still refused.
   */
  async acceptHostKey(name: string, fingerprint: string): Promise<Host> {
    const host = this.host(name);
    this.connections.close(name);
    const ssh = await this.connector.connect(host, {
      acceptFingerprint: fingerprint,
      replaceFingerprint: fingerprint,
    });
    try {
      const updated = this.inventory.hosts.update(name, {
        hostKeyFingerprint: ssh.hostKey.fingerprint,
      });
      this.inventory.audit.record({
        action: 'host.accept-key',
        target: name,
        outcome: 'ok',
        detail: { fingerprint: ssh.hostKey.fingerprint },
      });
      return updated;
    } finally {
      ssh.close();
    }
  }

  removeHost(name: string): void {
    this.host(name);
    this.poller.forget(name);
    this.connections.close(name);
    this.inventory.hosts.remove(name);
    this.inventory.audit.record({ action: 'host.remove', target: name, outcome: 'ok' });
  }

  /**
   * Every VM of the given hosts (all by default), one poll per host. Unreachable hosts throw.
   * With `sampleMs`, polls twice that far apart so rates (CPU %) have a value.
   */
  async listVms(hostNames?: string[], sampleMs?: number): Promise<FleetVm[]> {
    const names = hostNames ?? this.listHosts().map((h) => h.name);
    names.forEach((n) => this.host(n));
    if (sampleMs) {
      await this.poller.pollAll(names);
      await new Promise((r) => setTimeout(r, sampleMs));
    }
    const results = await this.poller.pollAll(names);
    const vms: FleetVm[] = [];
    for (const [host, result] of results) {
      if (result instanceof Error) throw result;
      vms.push(...result.vms.map((vm) => ({ host, ...vm })));
    }
    return vms;
  }

  async vmInfo(hostName: string, vm: string): Promise<FleetVm & { guest: GuestInfo | null }> {
    validateVmName(vm);
    const sample = (await this.listVms([hostName])).find((v) => v.name === vm);
    if (!sample) throw new InvalidInputError('vm', `${hostName} has no VM named ${vm}.`);
    const driver = this.driverOn(this.host(hostName), await this.connections.get(hostName));
    const guest = sample.state === 'running' ? await driver.guestInfo(vm) : null;
    return { ...sample, guest };
  }

  /** What the VM's details hold that only its hypervisor knows (snapshots, autostart ...). */
  async vmDetails(hostName: string, vm: string): Promise<HypervisorVmDetails> {
    validateVmName(vm);
    const driver = this.driverOn(this.host(hostName), await this.connections.get(hostName));
    return driver.vmDetails(vm);
  }

  /** Starts a lifecycle action as a task. */
  vmAction(hostName: string, vm: string, action: VmAction): StartedTask {
    validateVmName(vm);
    const host = this.host(hostName);
    return this.startTask(`vm.${action}`, `${hostName}/${vm}`, async (ctx) => {
      const driver = this.driverOn(host, ctx.record(await this.connections.get(hostName)));
      // A bulk start over a selection that includes running VMs should not fail on those.
      const state = ACTION_DONE_IN[action] && (await driver.state(vm));
      if (state && ACTION_DONE_IN[action]?.includes(state)) {
        ctx.log(`${vm} is already ${stateWords(state)}: nothing to do.`);
        return;
      }
      await driver[action](vm);
    });
  }

  /** Starts `work` as a task; `finished` resolves with the task's final record, never rejects. */
  private startTask(
    kind: string,
    target: string,
    work: (ctx: TaskContext) => Promise<unknown>,
  ): StartedTask {
    const { task, result } = this.tasks.run(kind, target, work);
    const finished = result.then(
      () => this.inventory.tasks.get(task.id)!,
      () => this.inventory.tasks.get(task.id)!,
    );
    return { task, finished };
  }

  /** Starts `work` on the host's driver as a task whose log records every command. */
  private driverTask<T>(
    kind: string,
    hostName: string,
    vm: string,
    work: (
      driver: HypervisorDriver,
      log: (text: string) => void,
      progress: TaskContext['progress'],
    ) => Promise<T>,
    options: { record?: boolean } = {},
  ): StartedTask {
    validateVmName(vm);
    const host = this.host(hostName);
    return this.startTask(kind, `${hostName}/${vm}`, async (ctx) => {
      const ssh = await this.connections.get(hostName);
      const driver = this.driverOn(host, options.record === false ? ssh : ctx.record(ssh));
      const value = await work(
        driver,
        (text) => ctx.log(text),
        (fraction, message) => ctx.progress(fraction, message),
      );
      if (value !== undefined) ctx.log(typeof value === 'string' ? value : JSON.stringify(value));
      return value;
    });
  }

  /** A task of an optional operation; refused (no task) with the reason where it is lacking. */
  private optionalTask<T>(
    kind: string,
    operation: OptionalOperation,
    hostName: string,
    vm: string,
    work: (driver: CapableDriver, log: (text: string) => void) => Promise<T>,
    options: { record?: boolean } = {},
  ): StartedTask {
    validateVmName(vm);
    this.refuseUnsupported(hostName, operation);
    return this.driverTask(
      kind,
      hostName,
      vm,
      (d, log) => work(requireOperation(d, operation, hostName), log),
      options,
    );
  }

  snapshot(
    hostName: string,
    vm: string,
    op: 'create' | 'revert' | 'delete',
    snapshot: string,
    options: { quiesce?: boolean } = {},
  ): StartedTask {
    validateVmName(snapshot);
    return this.optionalTask(`vm.snapshot.${op}`, 'snapshot', hostName, vm, (driver) =>
      op === 'create'
        ? driver.snapshotCreate(vm, snapshot, options)
        : op === 'revert'
          ? driver.snapshotRevert(vm, snapshot)
          : driver.snapshotDelete(vm, snapshot),
    );
  }

  setAutostart(hostName: string, vm: string, enabled: boolean): StartedTask {
    return this.optionalTask('vm.autostart', 'autostart', hostName, vm, (d) =>
      d.setAutostart(vm, enabled),
    );
  }

  setResources(
    hostName: string,
    vm: string,
    change: { vcpus?: number; memoryMiB?: number },
  ): StartedTask {
    return this.driverTask('vm.resources', hostName, vm, async (d, log) => {
      for (const line of await d.setResources(vm, change)) log(line);
    });
  }

  setIso(hostName: string, vm: string, isoPath: string | null): StartedTask {
    return this.optionalTask(isoPath ? 'vm.iso.attach' : 'vm.iso.eject', 'iso', hostName, vm, (d) =>
      d.setIso(vm, isoPath),
    );
  }

  addGuestAgentChannel(hostName: string, vm: string): StartedTask {
    return this.optionalTask('vm.agent-channel', 'guestAgent', hostName, vm, async (d) =>
      (await d.addGuestAgentChannel(vm)) ? 'guest agent channel added' : 'already present',
    );
  }

  clone(hostName: string, vm: string, newName: string, mode: 'overlay' | 'full'): StartedTask {
    validateVmName(newName);
    return this.optionalTask('vm.clone', 'clone', hostName, vm, (d) => d.clone(vm, newName, mode));
  }

  deleteVm(hostName: string, vm: string, options: { removeDisks?: boolean } = {}): StartedTask {
    return this.driverTask('vm.delete', hostName, vm, (d) => d.deleteVm(vm, options));
  }

  /**
   * Saves the running (or paused) VM's memory to its file in snapshots_dir on the host; the VM
   * stops. Refused, with nothing changed, when the VM is not running or already has a file.
   */
  saveVmState(hostName: string, vm: string): StartedTask {
    return this.driverTask('vm.save', hostName, vm, async (d, log, progress) => {
      progress(0, `Checking ${vm}`);
      await requireState(d, vm, SAVABLE_STATES, 'saved');
      progress(0.1, `Saving the memory of ${vm}`);
      const file = await d.saveState(vm);
      progress(1, `Saved to ${file}`);
      log(`${vm} saved to ${file} and stopped: restore brings it back.`);
    });
  }

  /** Brings a VM back from its file in snapshots_dir (removed once it runs again). */
  restoreVmState(hostName: string, vm: string): StartedTask {
    return this.driverTask('vm.restore', hostName, vm, async (d, log, progress) => {
      progress(0, `Checking ${vm}`);
      await requireState(d, vm, RESTORABLE_STATES, 'restored');
      progress(0.1, `Restoring ${vm}`);
      const file = await d.restoreState(vm);
      progress(1, `Restored from ${file}`);
      log(`${vm} restored from ${file}; the file was removed.`);
    });
  }

  /** The password never enters a task log: this task does not record its command. */
  setUserPassword(hostName: string, vm: string, user: string, password: string): StartedTask {
    return this.optionalTask(
      'vm.guest.password',
      'guestAgent',
      hostName,
      vm,
      async (d, log) => {
        await d.setUserPassword(vm, user, password);
        log(`password of ${user} set through the guest agent`);
      },
      { record: false },
    );
  }

  async snapshotList(hostName: string, vm: string) {
    return (await this.driverWith(hostName, 'snapshot')).snapshotList(vm);
  }

  /** The VM's serial console on a pseudo-terminal over the host's connection. */
  async openConsole(
    hostName: string,
    vm: string,
    size?: { cols: number; rows: number },
  ): Promise<ClientChannel> {
    const host = this.host(hostName);
    const ssh = await this.connections.get(hostName);
    return ssh.openPty(this.driverOn(host, ssh).consoleArgv(vm), size);
  }

  listTasks(limit = 50): Task[] {
    return this.inventory.tasks.list({ limit });
  }

  task(id: string): { task: Task; log: TaskLogEntry[] } {
    const task = this.inventory.tasks.get(id);
    if (!task) throw new InvalidInputError('task', `No task ${id}.`);
    return { task, log: this.inventory.tasks.log(id) };
  }

  close(): void {
    this.poller.dispose();
    this.connections.closeAll();
  }
}

/** xl means a Xen dom0 (driven by xl); otherwise libvirt's virsh. */
export async function detectHypervisor(ssh: SshConnection): Promise<Hypervisor> {
  const out = await ssh.run([
    'sh',
    '-c',
    'command -v xl >/dev/null 2>&1 && echo xl; command -v virsh >/dev/null 2>&1 && echo virsh; exit 0',
  ]);
  if (out.includes('xl')) return 'xen';
  if (out.includes('virsh')) return 'kvm';
  throw new Error(`Neither virsh (libvirt) nor xl (Xen) was found on ${ssh.target}.`);
}
