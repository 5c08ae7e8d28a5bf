// The driver for a host, by its hypervisor: the one place that maps a hypervisor to its driver.
import type { Hypervisor } from '../../shared/domain/host.js';
import type { RemoteShell } from '../ssh/ssh-connection.js';
import type { DriverKind, HypervisorDriver } from './driver.js';
import { KVM_KIND, KvmDriver } from './kvm/kvm-driver.js';
import { XL_KIND, XlDriver } from './xen/xl-driver.js';

/** What a driver needs to know of its host. */
export interface DriverHost {
  hypervisor: Hypervisor;
  useSudo: boolean;
  /** libvirt hosts only: the URI virsh connects to (qemu:///system when null). */
  libvirtUri?: string | null;
}

/** The operator's settings every driver follows (from convirt.conf); built-in ones when unset. */
export interface DriverSettings {
  /** Where xl configurations live on Xen hosts (xenconf_dir). */
  xenconfDir?: string;
  /** The bridge a new VM joins when its request names none (default_bridge_kvm/_xen). */
  defaultBridge?: Partial<Record<Hypervisor, string>>;
  /** Where VMs are saved to files on the hosts (snapshots_dir). */
  snapshotsDir?: string;
}

const DRIVERS: Record<
  Hypervisor,
  {
    kind: DriverKind;
    create(shell: RemoteShell, host: DriverHost, settings: DriverSettings): HypervisorDriver;
  }
> = {
  kvm: {
    kind: KVM_KIND,
    create: (shell, host, settings) =>
      new KvmDriver(shell, {
        sudo: host.useSudo,
        ...(host.libvirtUri ? { uri: host.libvirtUri } : {}),
        preferredBridge: settings.defaultBridge?.kvm,
        snapshotsDir: settings.snapshotsDir,
      }),
  },
  xen: {
    kind: XL_KIND,
    create: (shell, host, settings) =>
      new XlDriver(shell, {
        sudo: host.useSudo,
        configDir: settings.xenconfDir,
        preferredBridge: settings.defaultBridge?.xen,
        snapshotsDir: settings.snapshotsDir,
      }),
  },
};

/** What a hypervisor's driver can do and how it provisions, known without connecting. */
export function driverKind(hypervisor: Hypervisor): DriverKind {
  return DRIVERS[hypervisor].kind;
}

/** The host's driver over `shell`. */
export function driverFor(
  host: DriverHost,
  shell: RemoteShell,
  settings: DriverSettings = {},
): HypervisorDriver {
  return DRIVERS[host.hypervisor].create(shell, host, settings);
}
