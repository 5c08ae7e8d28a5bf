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

/** The VMs of `current` that are new or changed against `previous`, and the names gone. */
export function diffHostVms(
  previous: ReadonlyMap<string, FleetVm>,
  current: readonly FleetVm[],
): { changedVms: FleetVm[]; removedVms: string[] } {
  const changedVms = current.filter((vm) => {
    const before = previous.get(vm.name);
    return !before || !sameFleetVm(before, vm);
  });
  const present = new Set(current.map((vm) => vm.name));
  const removedVms = [...previous.keys()].filter((name) => !present.has(name));
  return { changedVms, removedVms };
}
