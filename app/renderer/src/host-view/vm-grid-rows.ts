// Filtering and sorting of the VM grid's rows, kept apart from the component so it stays cheap to
// reason about: one filter pass and one sort over the keys, no copies of the VMs.
import type { FleetVm } from '../../../shared/contract/convirt-contract.js';
import { vmOf, type VmKey, type VmsByHost } from '../store/vm-key.js';

export const GRID_COLUMNS = ['name', 'host', 'state', 'vcpus', 'memory', 'cpu', 'tags'] as const;
export type GridColumn = (typeof GRID_COLUMNS)[number];
export interface GridSort {
  column: GridColumn;
  direction: 'ascending' | 'descending';
}

/**
 * A string that sorts like compareNames under plain `<` (digit runs padded, case folded), so a
 * 50,000-row sort compares strings, not collations. Cached: names repeat across polls.
 */
const naturalKeys = new Map<string, string>();
function naturalKey(text: string): string {
  let key = naturalKeys.get(text);
  if (key === undefined) {
    key = text.toLowerCase().replace(/\d+/g, (digits) => digits.padStart(16, '0'));
    if (naturalKeys.size > 500_000) naturalKeys.clear();
    naturalKeys.set(text, key);
  }
  return key;
}

/** The value a row sorts by in `column`: a number, or a natural-order string. */
function sortValue(vm: FleetVm, column: GridColumn): number | string {
  switch (column) {
    case 'name':
      return naturalKey(vm.name);
    case 'host':
      return naturalKey(vm.host);
    case 'state':
      return vm.state;
    case 'vcpus':
      return vm.vcpus;
    case 'memory':
      return vm.memoryMiB;
    case 'cpu':
      return vm.cpuPercent ?? -1;
    case 'tags':
      return naturalKey(vm.tags.join(','));
  }
}

export function gridRows(
  keys: readonly VmKey[],
  vmsByHost: VmsByHost,
  filter: string,
  sort: GridSort,
): VmKey[] {
  const needle = filter.trim().toLowerCase();
  const kept: VmKey[] = [];
  const values: Array<number | string> = [];
  for (const key of keys) {
    const vm = vmOf(vmsByHost, key)!;
    if (needle && !matches(vm, needle)) continue;
    kept.push(key);
    values.push(sortValue(vm, sort.column));
  }
  // Sort positions by plain values (no lookups or collations in the comparator, no object per
  // row); ties keep the order of `keys` (host, then name).
  const order = kept.map((_, i) => i);
  const sign = sort.direction === 'ascending' ? 1 : -1;
  order.sort((a, b) => {
    const x = values[a]!;
    const y = values[b]!;
    return sign * (x < y ? -1 : x > y ? 1 : 0) || a - b;
  });
  return order.map((i) => kept[i]!);
}

function matches(vm: FleetVm, needle: string): boolean {
  return (
    vm.name.toLowerCase().includes(needle) ||
    vm.state.includes(needle) ||
    vm.host.toLowerCase().includes(needle) ||
    vm.tags.some((t) => t.toLowerCase().includes(needle))
  );
}
