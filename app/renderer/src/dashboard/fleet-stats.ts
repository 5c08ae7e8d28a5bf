// The numbers on the dashboard, computed from the store in one pass over hosts and VMs.
import type { FleetVm, HostView } from '../../../shared/contract/convirt-contract.js';
import { VM_STATES, type VmState } from '../../../shared/domain/vm.js';
import type { VmKey } from '../store/vm-key.js';

export interface HostLoad {
  name: string;
  status: HostView['status'];
  /** Share of the host's CPUs used by its VMs, 0 to 1; null without facts. */
  cpu: number | null;
  memoryUsedMiB: number | null;
  memoryTotalMiB: number | null;
}

export interface FleetStats {
  hostsUp: number;
  hostsDown: number;
  hostsConnecting: number;
  vmsByState: Record<VmState, number>;
  vmCount: number;
  hostLoads: HostLoad[];
  busiest: FleetVm[];
}

export function fleetStats(
  hosts: Record<string, HostView>,
  hostNames: string[],
  vms: Record<VmKey, FleetVm>,
  vmKeysByHost: Record<string, VmKey[]>,
  busiestCount = 10,
): FleetStats {
  const vmsByState = Object.fromEntries(VM_STATES.map((s) => [s, 0])) as Record<VmState, number>;
  const stats: FleetStats = {
    hostsUp: 0,
    hostsDown: 0,
    hostsConnecting: 0,
    vmsByState,
    vmCount: 0,
    hostLoads: [],
    busiest: [],
  };
  const busy: FleetVm[] = [];
  for (const name of hostNames) {
    const host = hosts[name]!;
    if (host.status === 'connected') stats.hostsUp++;
    else if (host.status === 'unreachable') stats.hostsDown++;
    else stats.hostsConnecting++;
    let cpuPercent = 0;
    let vmMemory = 0;
    for (const key of vmKeysByHost[name] ?? []) {
      const vm = vms[key]!;
      vmsByState[vm.state]++;
      stats.vmCount++;
      if (vm.state === 'running') vmMemory += vm.memoryMiB;
      if (vm.cpuPercent !== null) {
        cpuPercent += vm.cpuPercent;
        if (vm.state === 'running') busy.push(vm);
      }
    }
    const facts = host.facts;
    stats.hostLoads.push({
      name,
      status: host.status,
      cpu: facts && facts.cpuCount > 0 ? cpuPercent / (facts.cpuCount * 100) : null,
      memoryUsedMiB: facts ? facts.memoryTotalMiB - facts.memoryFreeMiB : vmMemory || null,
      memoryTotalMiB: facts ? facts.memoryTotalMiB : null,
    });
  }
  busy.sort((a, b) => (b.cpuPercent ?? 0) - (a.cpuPercent ?? 0));
  stats.busiest = busy.slice(0, busiestCount);
  return stats;
}
