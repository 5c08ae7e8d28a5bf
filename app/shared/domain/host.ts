export const HYPERVISORS = ['kvm', 'xen'] as const;
export type Hypervisor = (typeof HYPERVISORS)[number];

export interface StoragePoolInfo {
  name: string;
  type: string;
  path: string | null;
  active: boolean;
  capacityBytes: number | null;
  availableBytes: number | null;
}

export interface NetworkInfo {
  name: string;
  /** The host bridge the network uses (e.g. virbr0, xenbr0, br0). */
  bridge: string | null;
  active: boolean;
}

export interface HostFacts {
  hostname: string;
  hypervisor: Hypervisor;
  hypervisorVersion: string;
  cpuCount: number;
  cpuModel: string;
  memoryTotalMiB: number;
  memoryFreeMiB: number;
  storagePools: StoragePoolInfo[];
  networks: NetworkInfo[];
  /** Hypervisor-specific capabilities, e.g. Xen's `xen_caps` or libvirt's guest arches. */
  capabilities: string[];
}
