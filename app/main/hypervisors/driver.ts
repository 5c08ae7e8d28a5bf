// One interface for every hypervisor ConVirt drives. A driver turns operations into argument
// lists run over the host's SSH connection and parses what comes back; it holds no connection
// state of its own beyond the connection it was given.
import type { VmDetails } from '../../shared/contract/convirt-contract.js';
import type { HostFacts, Hypervisor } from '../../shared/domain/host.js';
import type { GuestInfo, VmSample, VmState } from '../../shared/domain/vm.js';
import type { XlUnsupported } from '../../shared/domain/xen-limits.js';
import type { RemoteShell } from '../ssh/ssh-connection.js';
import type { DiskSpec, DiskTools } from './disk-commands.js';
import type { VncEndpoint } from './kvm/vnc-endpoint.js';
import type { MigrationEndpoint } from './migration-endpoint.js';

/**
 * An operation this host's hypervisor cannot do, with the reason in the operator's words.
 * Refused before anything runs on the host.
 */
export class NotSupportedError extends Error {
  constructor(
    readonly operation: string,
    readonly hypervisor: Hypervisor,
    reason: string,
  ) {
    super(reason);
    this.name = 'NotSupportedError';
  }
}

/** The raw counters of one poll, before rates are computed. */
export type PolledVm = Omit<VmSample, 'cpuPercent'>;

export interface ShutdownOptions {
  /** Through the guest agent when it is connected, else ACPI. */
  mode?: 'agent' | 'acpi' | 'auto';
}

/**
 * Operations that not every hypervisor offers: what xl lacks, and migration, which every
 * driver has today but a driver may lack (the migration checks refuse it with the reason).
 */
export type OptionalOperation = XlUnsupported | 'migration';

/** Why this hypervisor lacks each optional operation it lacks, in the operator's words. */
export type NotSupported = Readonly<Partial<Record<OptionalOperation, string>>>;

/** What a VM's details hold that only its hypervisor knows. */
export type HypervisorVmDetails = Pick<
  VmDetails,
  | 'autostart'
  | 'isoPath'
  | 'hasGuestAgentChannel'
  | 'hasGraphics'
  | 'snapshots'
  | 'hypervisor'
  | 'notSupported'
  | 'configFile'
  | 'savedState'
>;

/** The format of a VM's configuration on this hypervisor (an appliance's vm_conf.template). */
export type VmConfigFormat = 'libvirt-xml' | 'xl';

/**
 * How provisioning works on a hypervisor, known before connecting: what requests can be checked
 * against without a round trip to the host.
 */
export interface ProvisioningProfile {
  configFormat: VmConfigFormat;
  /** Where VMs' disks go when nothing else says. */
  disksDir: string;
  /** Where verified images are cached when the default host paths are in use. */
  imageCache: string;
  /**
   * The bridge taken when the request names none and the host has it (convirt.conf's
   * default_bridge_kvm / default_bridge_xen).
   */
  preferredBridge: string;
  /** Formats of disk images the host can make VMs' disks from. */
  imageFormats: readonly ('raw' | 'qcow2')[];
  /** The format of an empty disk. */
  emptyDiskFormat: 'raw' | 'qcow2';
  /** Whether filesystems can be made from an appliance's tarball (mkfs) here. */
  filledDisks: boolean;
  /** Why templates and ISOs by URL do not provision here; undefined when they do. */
  urlTemplatesRefused?: string;
  /** The tools disks are made with. */
  diskTools: DiskTools;
  /**
   * The VM's configuration (an appliance's substituted vm_conf.template) with its disks at
   * `devices` (logical volumes) attached as block devices, the way this hypervisor wants them.
   */
  blockDeviceConfig(config: string, devices: readonly string[]): string;
}

/** What a driver's defineNew needs from the provisioning task around it. */
export interface DefineSteps {
  /** The host's connection not tied to the task's cancel signal: undo runs after a cancel. */
  cleanupShell: RemoteShell;
  /** Records how to remove something, before it is made (a cancel may land while it is). */
  undo(label: string, remove: () => Promise<void>): void;
  log(text: string): void;
}

/** The static side of a driver: its hypervisor, what it lacks and how it provisions. */
export interface DriverKind {
  readonly hypervisor: Hypervisor;
  readonly notSupported: NotSupported;
  readonly provisioning: ProvisioningProfile;
}

export interface HypervisorDriver extends DriverKind {
  /** The ONE remote command that returns every domain's state and statistics. */
  pollArgv(): string[];
  /** Parses the output of pollArgv(). */
  parsePoll(stdout: string): PolledVm[];
  /**
   * A cheaper way to get the same output (e.g. through a session kept open on the host); when
   * present, the poller uses it instead of running pollArgv() each cycle, and parses it with
   * parsePoll() in its own time (see TurnBudget).
   */
  pollOutput?(): Promise<string>;
  /** Releases what the driver holds open on the host. */
  dispose?(): void;

  hostFacts(): Promise<HostFacts>;

  /** The VM's state now, from one cheap command (a VM the host does not run is `shutoff`). */
  state(name: string): Promise<VmState>;

  start(name: string): Promise<void>;
  shutdown(name: string, options?: ShutdownOptions): Promise<void>;
  reboot(name: string): Promise<void>;
  /** Force off. */
  destroy(name: string): Promise<void>;
  suspend(name: string): Promise<void>;
  resume(name: string): Promise<void>;

  /** The argv that attaches to the VM's serial console (run on a pseudo-terminal). */
  consoleArgv(name: string): string[];

  /** Guest agent information, or null when the VM has no agent or it does not answer. */
  guestInfo(name: string): Promise<GuestInfo | null>;

  /** What the VM's details hold that only the hypervisor knows. */
  vmDetails(name: string): Promise<HypervisorVmDetails>;
  /**
   * Saves the running (or paused) VM's memory to its file in snapshots_dir, which must not exist
   * yet; the VM stops. Returns the file.
   */
  saveState(name: string): Promise<string>;
  /** Brings the VM back from the file saveState wrote, then removes it. Returns the file. */
  restoreState(name: string): Promise<string>;
  /** Whether the hypervisor has a VM of this name (running or not). */
  exists(name: string): Promise<boolean>;
  /** Changes vCPUs and memory; returns what changed, one line each, in words. */
  setResources(name: string, change: { vcpus?: number; memoryMiB?: number }): Promise<string[]>;
  /**
   * Deletes a stopped VM; with `removeDisks`, its disk files too, except those another VM still
   * needs (reported as kept).
   */
  deleteVm(
    name: string,
    options?: { removeDisks?: boolean },
  ): Promise<{ removed: string[]; kept: string[] }>;
  /** The commands that make a disk on this host (see disk-commands.ts). */
  diskCommands(spec: DiskSpec): string[][];
  /**
   * Defines a new VM `name` from its configuration in this hypervisor's format (an appliance's
   * substituted vm_conf.template, or a built domain). Never replaces an existing VM.
   */
  defineNew(name: string, config: string, steps: DefineSteps): Promise<void>;

  // Optional operations: present exactly when `notSupported` has no reason for them.
  snapshotCreate?(name: string, snapshot: string, options?: { quiesce?: boolean }): Promise<void>;
  snapshotList?(name: string): Promise<Array<{ name: string; createdAt: string; state: string }>>;
  snapshotRevert?(name: string, snapshot: string): Promise<void>;
  snapshotDelete?(name: string, snapshot: string): Promise<void>;
  setAutostart?(name: string, enabled: boolean): Promise<void>;
  setIso?(name: string, isoPath: string | null): Promise<void>;
  addGuestAgentChannel?(name: string): Promise<boolean>;
  setUserPassword?(name: string, user: string, password: string): Promise<void>;
  clone?(name: string, newName: string, mode: 'overlay' | 'full'): Promise<string[]>;
  /** Where the running VM's graphical console (VNC) listens, seen from the host. */
  graphicalConsole?(name: string, subject?: string): Promise<VncEndpoint>;
  /** What moving a VM to or from this host needs of its hypervisor (migration-endpoint.ts). */
  migrationEndpoint?(): MigrationEndpoint;
}

type OptionalMethod = {
  [K in keyof HypervisorDriver]-?: undefined extends HypervisorDriver[K] ? K : never;
}[keyof HypervisorDriver];

/** A driver whose optional operations are all there (checked by requireOperation). */
export type CapableDriver = HypervisorDriver & Required<Pick<HypervisorDriver, OptionalMethod>>;

/**
 * Refuses `operation` when this kind of driver lacks it, with its reason, before anything runs
 * on the host. `subject` (the host's name) starts the message.
 */
export function refuseUnsupported(
  kind: DriverKind,
  operation: OptionalOperation,
  subject: string,
): void {
  const reason = kind.notSupported[operation];
  if (reason !== undefined)
    throw new NotSupportedError(operation, kind.hypervisor, `${subject}: ${reason}`);
}

/** The driver with its optional operations, once `operation` is known to be among them. */
export function requireOperation(
  driver: HypervisorDriver,
  operation: OptionalOperation,
  subject: string,
): CapableDriver {
  refuseUnsupported(driver, operation, subject);
  return driver as CapableDriver;
}

/** A hypervisor's profile with the operator's bridge preference, when there is one. */
export function withPreferredBridge(
  profile: ProvisioningProfile,
  preferredBridge: string | undefined,
): ProvisioningProfile {
  return preferredBridge ? { ...profile, preferredBridge } : profile;
}
