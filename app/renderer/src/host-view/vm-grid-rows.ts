// Filtering and sorting of the VM grid's rows, kept apart from the component so it stays cheap to
// reason about: one filter pass and one sort over the keys, no copies of the VMs.
import type { FleetVm } from '../../../shared/contract/convirt-contract.js';
import { naturalKey } from '../common/compare.js';
import type { HostVms, VmKey, VmsByHost } from '../store/vm-key.js';

export const GRID_COLUMNS = ['name', 'host', 'state', 'vcpus', 'memory', 'cpu', 'tags'] as const;
export type GridColumn = (typeof GRID_COLUMNS)[number];
export interface GridSort {
  column: GridColumn;
  direction: 'ascending' | 'descending';
}

/** The value a row sorts by in a column of numbers. */
function numberValue(vm: FleetVm, column: 'vcpus' | 'memory' | 'cpu'): number {
  if (column === 'vcpus') return vm.vcpus;
  if (column === 'memory') return vm.memoryMiB;
  return vm.cpuPercent ?? -1;
}

/** The value a row sorts by in a column of words: a natural-order string. */
function textValue(vm: FleetVm, column: 'name' | 'host' | 'state' | 'tags'): string {
  if (column === 'name') return naturalKey(vm.name);
  if (column === 'host') return naturalKey(vm.host);
  if (column === 'state') return vm.state;
  return naturalKey(vm.tags.join(','));
}

export function gridRows(
  keys: readonly VmKey[],
  vmsByHost: VmsByHost,
  filter: string,
  sort: GridSort,
): VmKey[] {
  const needle = filter.trim().toLowerCase();
  const kept: VmKey[] = [];
  const vms: FleetVm[] = [];
  // Keys come host by host: look the host up once per run of its keys.
  let host = '';
  let hostVms: HostVms | undefined;
  for (const key of keys) {
    if (!(key.startsWith(host) && key.charCodeAt(host.length) === SLASH)) {
      host = key.slice(0, key.indexOf('/'));
      hostVms = vmsByHost[host];
    }
    const vm = hostVms?.[key];
    if (!vm || (needle && !matches(vm, needle))) continue;
    kept.push(key);
    vms.push(vm);
  }
  const order = sortedPositions(vms, sort);
  const rows = new Array<VmKey>(order.length);
  for (let i = 0; i < order.length; i++) rows[i] = kept[order[i]!]!;
  return rows;
}

const SLASH = '/'.charCodeAt(0);

/**
 * The positions of `vms` in sorted order: plain values compared (numbers in a typed array), no
 * lookups, collations or object per row in the comparator; ties keep their order (host, then name).
 */
function sortedPositions(vms: readonly FleetVm[], { column, direction }: GridSort): Uint32Array {
  const order = new Uint32Array(vms.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  const sign = direction === 'ascending' ? 1 : -1;
  if (column === 'vcpus' || column === 'memory' || column === 'cpu') {
    const values = new Float64Array(vms.length);
    for (let i = 0; i < values.length; i++) values[i] = numberValue(vms[i]!, column);
    return order.sort((a, b) => sign * (values[a]! - values[b]!) || a - b);
  }
  const values = vms.map((vm) => textValue(vm, column));
  return order.sort((a, b) => {
    const x = values[a]!;
    const y = values[b]!;
    return sign * (x < y ? -1 : x > y ? 1 : 0) || a - b;
  });
}

function matches(vm: FleetVm, needle: string): boolean {
  return (
    vm.name.toLowerCase().includes(needle) ||
    vm.state.includes(needle) ||
    vm.host.toLowerCase().includes(needle) ||
    vm.tags.some((t) => t.toLowerCase().includes(needle))
  );
}
