// The numbers on the dashboard, computed from the store in one pass over hosts (each host's VM
// figures kept while its VMs do not change).
import type { FleetVm, HostView } from '../../../shared/contract/convirt-contract.js';
import { VM_STATES, type VmState } from '../../../shared/domain/vm.js';
import type { HostVms, VmsByHost } from '../store/vm-key.js';

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

/** One host's VM figures. */
interface HostVmSummary {
  byState: Partial<Record<VmState, number>>;
  count: number;
  cpuPercent: number;
  runningMemoryMiB: number;
  /** Running VMs with a CPU figure, busiest first. */
  busiest: FleetVm[];
}

/**
 * Computed once per VM map: a poll makes a new map only for a host whose VMs changed, so the
 * dashboard of a big fleet goes over the hosts that reported, not over 50,000 VMs.
 */
const summaries = new WeakMap<HostVms, HostVmSummary>();
function summaryOf(vms: HostVms): HostVmSummary {
  let summary = summaries.get(vms);
  if (summary) return summary;
  summary = { byState: {}, count: 0, cpuPercent: 0, runningMemoryMiB: 0, busiest: [] };
  for (const vm of Object.values(vms)) {
    summary.byState[vm.state] = (summary.byState[vm.state] ?? 0) + 1;
    summary.count++;
    if (vm.state === 'running') summary.runningMemoryMiB += vm.memoryMiB;
    if (vm.cpuPercent !== null) {
      summary.cpuPercent += vm.cpuPercent;
      if (vm.state === 'running') summary.busiest.push(vm);
    }
  }
  summary.busiest.sort(busierFirst);
  summaries.set(vms, summary);
  return summary;
}

const busierFirst = (a: FleetVm, b: FleetVm) => (b.cpuPercent ?? 0) - (a.cpuPercent ?? 0);
const NO_VMS: HostVms = {};

export function fleetStats(
  hosts: Record<string, HostView>,
  hostNames: string[],
  vmsByHost: VmsByHost,
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
    const summary = summaryOf(vmsByHost[name] ?? NO_VMS);
    for (const [state, count] of Object.entries(summary.byState) as [VmState, number][]) {
      vmsByState[state] += count;
    }
    stats.vmCount += summary.count;
    busy.push(...summary.busiest.slice(0, busiestCount));
    const facts = host.facts;
    stats.hostLoads.push({
      name,
      status: host.status,
      cpu: facts && facts.cpuCount > 0 ? summary.cpuPercent / (facts.cpuCount * 100) : null,
      memoryUsedMiB: facts
        ? facts.memoryTotalMiB - facts.memoryFreeMiB
        : summary.runningMemoryMiB || null,
      memoryTotalMiB: facts ? facts.memoryTotalMiB : null,
    });
  }
  busy.sort(busierFirst);
  stats.busiest = busy.slice(0, busiestCount);
  return stats;
}
