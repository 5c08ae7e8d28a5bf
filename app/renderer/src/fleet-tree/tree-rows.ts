// The fleet tree as a flat list of visible rows (data center > pools > hosts > VMs), computed from
// the store: flat so the tree can be virtualized and walked with the arrow keys.
import { compareNames } from '../common/compare.js';
import type { FleetVm, HostView } from '../../../shared/contract/convirt-contract.js';
import type { Group } from '../../../shared/domain/inventory.js';
import type { VmState } from '../../../shared/domain/vm.js';
import { vmOf, type HostVms, type VmKey, type VmsByHost } from '../store/vm-key.js';

export type TreeFilter = 'all' | 'running' | 'stopped' | 'unreachable';

interface RowBase {
  id: string;
  level: number;
  /** Position among siblings (1-based) and the siblings' count, for aria-posinset/setsize. */
  posInSet: number;
  setSize: number;
  parentId: string | null;
}

export type TreeRow =
  | (RowBase & { kind: 'datacenter'; expanded: boolean; hostCount: number; upCount: number })
  | (RowBase & {
      kind: 'pool';
      groupId: number;
      name: string;
      expanded: boolean;
      hostCount: number;
      upCount: number;
    })
  | (RowBase & {
      kind: 'host';
      host: HostView;
      expanded: boolean;
      vmCount: number;
      /** The host's VMs: the row counts those running when it is drawn (see runningCount). */
      vms: HostVms | undefined;
    })
  | (RowBase & { kind: 'vm'; key: VmKey; vm: FleetVm });

export interface TreeInput {
  groups: Record<number, Group>;
  hosts: Record<string, HostView>;
  hostNames: string[];
  vmsByHost: VmsByHost;
  vmKeysByHost: Record<string, VmKey[]>;
  /** Row ids that are expanded; the data center and pools are expanded unless listed collapsed. */
  expanded: ReadonlySet<string>;
  collapsed: ReadonlySet<string>;
  query: string;
  filter: TreeFilter;
}

export const DATACENTER_ID = 'datacenter';
export const poolRowId = (groupId: number) => `pool:${groupId}`;
export const hostRowId = (host: string) => `host:${host}`;
export const vmRowId = (key: VmKey) => `vm:${key}`;

const STOPPED: ReadonlySet<VmState> = new Set(['shutoff', 'crashed']);

function vmPassesFilter(vm: FleetVm, filter: TreeFilter): boolean {
  if (filter === 'running') return vm.state === 'running';
  if (filter === 'stopped') return STOPPED.has(vm.state);
  return true;
}

/**
 * A host's running VMs, counted once per VM map (a poll makes a new map only for a host whose VMs
 * changed) and only for the host rows drawn: a fleet of 50,000 VMs is not counted to show a tree.
 */
const runningCounts = new WeakMap<HostVms, number>();
export function runningCount(vms: HostVms | undefined): number {
  if (!vms) return 0;
  let count = runningCounts.get(vms);
  if (count === undefined) {
    count = 0;
    for (const vm of Object.values(vms)) if (vm.state === 'running') count++;
    runningCounts.set(vms, count);
  }
  return count;
}

function matches(text: string, tags: string[], query: string): boolean {
  return text.toLowerCase().includes(query) || tags.some((t) => t.toLowerCase().includes(query));
}

/** The server pool path of a group, e.g. `Datacenter/Rack 1`. */
export function groupPath(groups: Record<number, Group>, id: number): string {
  const names: string[] = [];
  for (let g = groups[id]; g; g = g.parentId === null ? undefined : groups[g.parentId]) {
    names.unshift(g.name);
    if (names.length > 64) break; // a cycle would be a bug in main; never loop forever
  }
  return names.join('/');
}

export function buildTreeRows(input: TreeInput): TreeRow[] {
  const query = input.query.trim().toLowerCase();
  const filtering = query !== '' || input.filter !== 'all';
  const isOpen = (id: string, byDefault: boolean) =>
    filtering || (byDefault ? !input.collapsed.has(id) : input.expanded.has(id));

  // Which VMs and hosts survive the search and filter.
  const visibleVms = new Map<string, VmKey[]>();
  const visibleHosts = new Set<string>();
  for (const name of input.hostNames) {
    const host = input.hosts[name]!;
    if (input.filter === 'unreachable' && host.status !== 'unreachable') continue;
    const hostMatches = query === '' || matches(name, host.tags, query);
    const all = input.vmKeysByHost[name] ?? [];
    const keys = filtering
      ? all.filter((key) => {
          const vm = vmOf(input.vmsByHost, key)!;
          return (
            vmPassesFilter(vm, input.filter) && (hostMatches || matches(vm.name, vm.tags, query))
          );
        })
      : all;
    const vmFilterHidesHost =
      (input.filter === 'running' || input.filter === 'stopped') && !keys.length;
    if ((hostMatches || keys.length > 0) && !vmFilterHidesHost) {
      visibleHosts.add(name);
      visibleVms.set(name, keys);
    }
  }

  const childPools = new Map<number | null, Group[]>();
  for (const g of Object.values(input.groups)) {
    const parent = g.parentId !== null && input.groups[g.parentId] ? g.parentId : null;
    const list = childPools.get(parent) ?? [];
    list.push(g);
    childPools.set(parent, list);
  }
  for (const list of childPools.values()) list.sort((a, b) => compareNames(a.name, b.name));
  const hostsIn = new Map<number | null, string[]>();
  for (const name of input.hostNames) {
    const groupId = input.hosts[name]!.groupId;
    const key = groupId !== null && input.groups[groupId] ? groupId : null;
    const list = hostsIn.get(key) ?? [];
    list.push(name);
    hostsIn.set(key, list);
  }

  // Host counts per pool, nested pools included.
  const countCache = new Map<number | null, { hosts: number; up: number }>();
  const countUnder = (groupId: number | null): { hosts: number; up: number } => {
    const cached = countCache.get(groupId);
    if (cached) return cached;
    const names = (hostsIn.get(groupId) ?? []).filter((n) => visibleHosts.has(n));
    const total = { hosts: names.length, up: 0 };
    for (const n of names) if (input.hosts[n]!.status === 'connected') total.up++;
    for (const child of childPools.get(groupId) ?? []) {
      const c = countUnder(child.id);
      total.hosts += c.hosts;
      total.up += c.up;
    }
    countCache.set(groupId, total);
    return total;
  };

  const rows: TreeRow[] = [];
  const addChildren = (groupId: number | null, level: number, parentId: string) => {
    const pools = (childPools.get(groupId) ?? []).filter(
      (g) => !filtering || countUnder(g.id).hosts > 0,
    );
    const hosts = (hostsIn.get(groupId) ?? []).filter((n) => visibleHosts.has(n));
    const setSize = pools.length + hosts.length;
    let pos = 0;
    for (const g of pools) {
      const id = poolRowId(g.id);
      const expanded = isOpen(id, true);
      const counts = countUnder(g.id);
      rows.push({
        kind: 'pool',
        id,
        level,
        posInSet: ++pos,
        setSize,
        parentId,
        groupId: g.id,
        name: g.name,
        expanded,
        hostCount: counts.hosts,
        upCount: counts.up,
      });
      if (expanded) addChildren(g.id, level + 1, id);
    }
    for (const name of hosts) {
      const id = hostRowId(name);
      const keys = visibleVms.get(name) ?? [];
      const all = input.vmKeysByHost[name] ?? [];
      const expanded = query !== '' && keys.length > 0 ? true : isOpen(id, false);
      rows.push({
        kind: 'host',
        id,
        level,
        posInSet: ++pos,
        setSize,
        parentId,
        host: input.hosts[name]!,
        expanded,
        vmCount: all.length,
        vms: input.vmsByHost[name],
      });
      if (!expanded) continue;
      keys.forEach((key, i) =>
        rows.push({
          kind: 'vm',
          id: vmRowId(key),
          level: level + 1,
          posInSet: i + 1,
          setSize: keys.length,
          parentId: id,
          key,
          vm: vmOf(input.vmsByHost, key)!,
        }),
      );
    }
  };

  const total = countUnder(null);
  const dcExpanded = isOpen(DATACENTER_ID, true);
  rows.push({
    kind: 'datacenter',
    id: DATACENTER_ID,
    level: 1,
    posInSet: 1,
    setSize: 1,
    parentId: null,
    expanded: dcExpanded,
    hostCount: total.hosts,
    upCount: total.up,
  });
  if (dcExpanded) addChildren(null, 2, DATACENTER_ID);
  return rows;
}
