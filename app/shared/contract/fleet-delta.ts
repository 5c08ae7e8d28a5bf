// What one host's poll changed, as main sends it and the renderer applies it: only VMs that are
// new or differ from what was last sent, and the names of those gone. Both sides compare VMs the
// same way, so an unchanged VM costs nothing on the wire or in the renderer.
import type { FleetVm } from './convirt-contract.js';

/** Whether two polls of a VM would show the same (stats, state and tags alike). */
export function sameFleetVm(a: FleetVm, b: FleetVm): boolean {
  return (
    a.state === b.state &&
    a.uuid === b.uuid &&
    a.vcpus === b.vcpus &&
    a.memoryMiB === b.memoryMiB &&
    a.maxMemoryMiB === b.maxMemoryMiB &&
    a.cpuTimeNs === b.cpuTimeNs &&
    a.cpuPercent === b.cpuPercent &&
    a.diskReadBytes === b.diskReadBytes &&
    a.diskWriteBytes === b.diskWriteBytes &&
    a.netRxBytes === b.netRxBytes &&
    a.netTxBytes === b.netTxBytes &&
    a.tags.length === b.tags.length &&
    a.tags.every((tag, i) => tag === b.tags[i])
  );
}

/**
 * The VMs of `current` that are new or changed against `previous`, the names gone, and what the
 * receiving side holds after them (`held`): `previous`'s own objects for the VMs that did not
 * change, and `previous` itself when nothing did. Main keeps `held` between polls, so a poll that
 * changes nothing leaves nothing new to outlive it (at a thousand hosts, objects kept from one
 * poll to the next are what the garbage collector's old generation fills with).
 */
export function diffHostVms(
  previous: ReadonlyMap<string, FleetVm>,
  current: readonly FleetVm[],
): { changedVms: FleetVm[]; removedVms: string[]; held: ReadonlyMap<string, FleetVm> } {
  const changedVms: FleetVm[] = [];
  const held = new Map<string, FleetVm>();
  for (const vm of current) {
    const before = previous.get(vm.name);
    if (before && sameFleetVm(before, vm)) {
      held.set(vm.name, before);
    } else {
      changedVms.push(vm);
      held.set(vm.name, vm);
    }
  }
  const removedVms = [...previous.keys()].filter((name) => !held.has(name));
  const unchanged = changedVms.length === 0 && removedVms.length === 0;
  return { changedVms, removedVms, held: unchanged ? previous : held };
}
