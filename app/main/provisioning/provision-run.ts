// What every provisioning task does the same way, whatever the VM's source (an appliance of the
// image store, or a template / ISO registered by URL) and whatever the hypervisor (its driver
// knows the difference): commands logged to the task, the checks of the host's survey (name free,
// disks free, the bridge, free space), making disks, defining the VM, and undoing everything the
// task made when it fails.
import type { Host } from '../../shared/domain/inventory.js';
import { MAKING_ON_HOST, REMOVED_FROM_HOST } from '../inventory/index.js';
import { InvalidInputError } from '../../shared/validation/names.js';
import type { DiskSpec } from '../hypervisors/disk-commands.js';
import type { HypervisorDriver } from '../hypervisors/driver.js';
import { driverFor, type DriverSettings } from '../hypervisors/drivers.js';
import { ReconnectingShell } from '../ssh/reconnecting-shell.js';
import type { RemoteShell } from '../ssh/ssh-connection.js';
import { RecordingShell } from '../tasks/recording-shell.js';
import type { TaskContext } from '../tasks/task-runner.js';
import type { HostSurvey } from './host-survey.js';
import { UndoList } from './undo-list.js';

const MiB = 1024 * 1024;

export abstract class ProvisionRun {
  protected readonly prefix: string[];
  /** Each step is in the task log before its thing is made: a killed ConVirt can name it. */
  protected readonly undo: UndoList;
  protected shell!: RemoteShell;
  /** The host's driver on `shell`. */
  protected driver!: HypervisorDriver;
  /** The same host, logged but not tied to the task's cancel signal: undo must run after a cancel. */
  protected cleanup!: RemoteShell;
  protected step = 'checking the host';

  constructor(
    protected readonly ctx: TaskContext,
    protected readonly host: Host,
    protected readonly name: string,
  ) {
    this.prefix = host.useSudo ? ['sudo', '-n'] : [];
    this.undo = new UndoList((what) => ctx.log(`${MAKING_ON_HOST}${what}`));
  }

  /** Opens the host's connection for this task: `shell` (cancellable), `cleanup`, `driver`. */
  protected async attach(
    connect: (host: string) => Promise<RemoteShell>,
    drivers: DriverSettings | undefined,
  ): Promise<void> {
    const connection = await connect(this.host.name);
    this.shell = this.ctx.record(connection);
    // Clean-up reconnects: the connection dying in the middle must not leave the task's things.
    this.cleanup = new RecordingShell(
      new ReconnectingShell(connection, () => connect(this.host.name)),
      (text, stream) => this.ctx.log(text, stream),
    );
    this.driver = driverFor(this.host, this.shell, drivers);
  }

  protected cmd(...argv: string[]): Promise<string> {
    return this.shell.run([...this.prefix, ...argv]);
  }

  protected async undoCmd(...argv: string[]): Promise<void> {
    await this.cleanup.run([...this.prefix, ...argv]);
  }

  /**
   * The survey's verdict before anything is made: the name and the disk paths are free, and the
   * bridge (the one asked for, else the preferred one, else the first) exists. Returns the bridge.
   */
  protected checkSurvey(
    survey: HostSurvey,
    taken: boolean,
    paths: readonly string[],
    bridgeParam: string | undefined,
  ): string {
    if (taken)
      throw new InvalidInputError(
        'name',
        `A VM named ${this.name} already exists on ${this.host.name}.`,
      );
    for (const path of paths)
      if (survey.existing.has(path))
        throw new InvalidInputError('name', `${path} already exists on ${this.host.name}.`);
    const preferred = this.driver.provisioning.preferredBridge;
    const bridge = bridgeParam ?? survey.bridges.find((b) => b === preferred) ?? survey.bridges[0];
    if (!bridge)
      throw new InvalidInputError(
        'bridge',
        `${this.host.name} has no network bridge: create one or pass bridge=NAME.`,
      );
    if (!survey.bridges.includes(bridge))
      throw new InvalidInputError(
        'bridge',
        `bridge: ${this.host.name} has no bridge ${bridge} (it has: ${survey.bridges.join(', ') || 'none'}).`,
      );
    return bridge;
  }

  /** Refuses when the bytes needed in the surveyed folders exceed the free space of their mounts. */
  protected requireFreeSpace(
    free: HostSurvey['free'],
    needs: ReadonlyArray<readonly [dir: string, bytes: number]>,
  ): void {
    const need = new Map<string, number>();
    for (const [dir, bytes] of needs) {
      const mount = free.get(dir)?.mount ?? dir;
      need.set(mount, (need.get(mount) ?? 0) + bytes);
    }
    for (const [mount, bytes] of need) {
      const available = [...free.values()].find((f) => f.mount === mount)?.bytes ?? Infinity;
      if (bytes > available)
        throw new InvalidInputError(
          'disk',
          `Not enough free space on ${this.host.name}:${mount}: ${Math.ceil(bytes / MiB)} MiB needed, ${Math.floor(available / MiB)} MiB free.`,
        );
    }
  }

  /** Removes the file at `path` when the task fails; registered before the file exists. */
  protected undoFile(path: string): void {
    this.undo.add(`file ${path}`, () => this.undoCmd('rm', '-f', '--', path));
  }

  /** Makes a disk the way the host's hypervisor does (see disk-commands.ts). */
  protected async makeDisk(spec: DiskSpec): Promise<void> {
    // Registered before the file exists: a cancel may land while it is being made.
    this.undoFile(spec.path);
    for (const argv of this.driver.diskCommands(spec)) await this.cmd(...argv);
  }

  /** Defines the VM from its configuration, in the hypervisor's format. */
  protected async defineVm(config: string): Promise<void> {
    await this.driver.defineNew(this.name, config, {
      cleanupShell: this.cleanup,
      undo: (label, remove) => this.undo.add(label, remove),
      log: (text) => this.ctx.log(text),
    });
  }

  /** Runs before the undo steps of a failed task (an appliance's error hook). */
  protected async beforeUndo(): Promise<void> {}

  protected async rollBack(reason: string): Promise<void> {
    this.ctx.log(`Provisioning failed while ${this.step}: ${reason}`, 'stderr');
    await this.beforeUndo();
    const { removed, failed } = await this.undo.undo();
    this.ctx.log(
      removed.length
        ? `${REMOVED_FROM_HOST}\n${removed.map((r) => `  ${r}`).join('\n')}`
        : 'Nothing had been made on the host.',
    );
    if (failed.length)
      this.ctx.log(`Could not remove:\n${failed.map((f) => `  ${f}`).join('\n')}`, 'stderr');
  }
}
