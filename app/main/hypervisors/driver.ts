// One interface for every hypervisor ConVirt drives. A driver turns operations into argument
// lists run over the host's SSH connection and parses what comes back; it holds no connection
// state of its own beyond the connection it was given.
import type { HostFacts, Hypervisor } from '../../shared/domain/host.js';
import type { GuestInfo, VmSample, VmState } from '../../shared/domain/vm.js';

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

export interface HypervisorDriver {
  readonly hypervisor: Hypervisor;

  /** The ONE remote command that returns every domain's state and statistics. */
  pollArgv(): string[];
  /** Parses the output of pollArgv(). */
  parsePoll(stdout: string): PolledVm[];
  /**
   * A cheaper way to do the same poll (e.g. through a session kept open on the host); when
   * present, the poller uses it instead of running pollArgv() each cycle.
   */
  poll?(): Promise<PolledVm[]>;
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
}
