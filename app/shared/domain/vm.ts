/** The states ConVirt reports, whichever hypervisor a host runs. */
export const VM_STATES = [
  'running',
  'paused',
  'shutoff',
  'crashed',
  'pmsuspended',
  'unknown',
] as const;
export type VmState = (typeof VM_STATES)[number];

/** A VM is saved to a file from these states (save stops it), and restored when shut off. */
export const SAVABLE_STATES: readonly VmState[] = ['running', 'paused'];
export const RESTORABLE_STATES: readonly VmState[] = ['shutoff'];

/**
 * One VM as a poll sees it. Counters are cumulative since the VM started; rates (cpuPercent)
 * come from two samples and are null on the first.
 */
export interface VmSample {
  name: string;
  uuid: string | null;
  state: VmState;
  vcpus: number;
  memoryMiB: number;
  maxMemoryMiB: number | null;
  /** Cumulative guest CPU time, nanoseconds; null when the hypervisor does not say. */
  cpuTimeNs: number | null;
  /** Share of ONE host CPU used since the previous sample (100 = one full core). */
  cpuPercent: number | null;
  diskReadBytes: number | null;
  diskWriteBytes: number | null;
  netRxBytes: number | null;
  netTxBytes: number | null;
}

export interface GuestInterface {
  name: string;
  mac: string | null;
  /** CIDR notation, e.g. `192.0.2.10/24`. */
  addresses: string[];
}

/** What the QEMU guest agent reports; null when no agent answers. */
export interface GuestInfo {
  osName: string | null;
  kernelRelease: string | null;
  hostname: string | null;
  interfaces: GuestInterface[];
}
