// Filtering and sorting of the VM grid's rows, kept apart from the component so it stays cheap to
// reason about: one filter pass and one sort over the keys, no copies of the VMs.
import { compareNames } from '../common/compare.js';
import type { FleetVm } from '../../../shared/contract/convirt-contract.js';
import type { VmKey } from '../store/vm-key.js';

export const GRID_COLUMNS = ['name', 'host', 'state', 'vcpus', 'memory', 'cpu', 'tags'] as const;
export type GridColumn = (typeof GRID_COLUMNS)[number];
export interface GridSort {
  column: GridColumn;
  direction: 'ascending' | 'descending';
}

function compare(a: FleetVm, b: FleetVm, column: GridColumn): number {
  switch (column) {
    case 'name':
      return compareNames(a.name, b.name);
    case 'host':
      return compareNames(a.host, b.host);
    case 'state':
      return compareNames(a.state, b.state);
    case 'vcpus':
      return a.vcpus - b.vcpus;
    case 'memory':
      return a.memoryMiB - b.memoryMiB;
    case 'cpu':
      return (a.cpuPercent ?? -1) - (b.cpuPercent ?? -1);
    case 'tags':
      return compareNames(a.tags.join(','), b.tags.join(','));
  }
}

export function gridRows(
  keys: readonly VmKey[],
  vms: Record<VmKey, FleetVm>,
  filter: string,
  sort: GridSort,
): VmKey[] {
  const needle = filter.trim().toLowerCase();
  const kept = needle
    ? keys.filter((key) => {
        const vm = vms[key]!;
        return (
          vm.name.toLowerCase().includes(needle) ||
          vm.state.includes(needle) ||
          vm.host.toLowerCase().includes(needle) ||
          vm.tags.some((t) => t.toLowerCase().includes(needle))
        );
      })
    : [...keys];
  const sign = sort.direction === 'ascending' ? 1 : -1;
  kept.sort(
    (a, b) => sign * compare(vms[a]!, vms[b]!, sort.column) || (a < b ? -1 : a > b ? 1 : 0),
  );
  return kept;
}
