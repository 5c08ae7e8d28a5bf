// A VM is known by its host and name; the grid and tree list VMs by this one string key, and the
// store holds them per host, by key (a host's poll then copies that host's VMs, not the fleet's;
// looked up by the same key strings the lists hold, which the engine hashes once).
import type { FleetVm } from '../../../shared/contract/convirt-contract.js';

export type VmKey = `${string}/${string}`;

/** One host's VMs, by key. */
export type HostVms = Readonly<Record<VmKey, FleetVm>>;
/** Every host's VMs, by host name. */
export type VmsByHost = Readonly<Record<string, HostVms>>;

export function vmKey(host: string, vm: string): VmKey {
  return `${host}/${vm}`;
}

export function splitVmKey(key: string): { host: string; vm: string } {
  const slash = key.indexOf('/');
  return { host: key.slice(0, slash), vm: key.slice(slash + 1) };
}

/** The VM with this key, if the fleet holds it. */
export function vmOf(vmsByHost: VmsByHost, key: VmKey): FleetVm | undefined {
  return vmsByHost[key.slice(0, key.indexOf('/'))]?.[key];
}
