// The renderer's picture of the fleet: normalized (hosts by name, each host's VMs by name, a key
// list per host) so a host's poll copies only that host's entries, never the whole fleet's
// (50,000 VMs at 1,000 hosts), and components subscribe to the few entries they show. getFleet
// loads it once; hostPolled events then bring only what changed. Unchanged VMs keep their object
// identity, a host whose VMs did not change keeps its map, and key lists change only when VMs come
// or go, so what depends on them does not recompute.
import { sortByNaturalName, sortNamesNaturally } from '../common/compare.js';
import { create } from 'zustand';
import type {
  FleetChanged,
  FleetSnapshot,
  FleetVm,
  HostPolled,
  HostView,
} from '../../../shared/contract/convirt-contract.js';
import type { Group, Task, TaskLogEntry } from '../../../shared/domain/inventory.js';
import { sameFleetVm } from '../../../shared/contract/fleet-delta.js';
import { vmKey, type HostVms, type VmKey, type VmsByHost } from './vm-key.js';

/** How many finished tasks the task pane keeps. */
export const TASKS_KEPT = 200;

export interface Notice {
  id: number;
  kind: 'error' | 'info';
  text: string;
}

export interface FleetState {
  loaded: boolean;
  groups: Record<number, Group>;
  hosts: Record<string, HostView>;
  /** Host names, sorted. */
  hostNames: string[];
  vmsByHost: VmsByHost;
  /** Each host's VM keys, sorted by VM name. */
  vmKeysByHost: Record<string, VmKey[]>;
  /** The last hostPolled event applied (or held by the snapshot loaded). */
  seq: number;
  tasks: Record<string, Task>;
  /** Task ids, newest first. */
  taskIds: string[];
  taskLogs: Record<string, TaskLogEntry[]>;
  notices: Notice[];

  loadFleet: (snapshot: FleetSnapshot) => void;
  /**
   * Several polls in one update (one render for a burst of events). Events the snapshot already
   * holds are skipped; false when one is missing (the snapshot must be fetched again).
   */
  applyHostPolls: (events: HostPolled[]) => boolean;
  /** An inventory change: pools, hosts (with their VMs when given) and hosts removed. */
  applyFleetChange: (change: FleetChanged) => void;
  applyTask: (task: Task) => void;
  appendTaskLog: (taskId: string, entries: TaskLogEntry[]) => void;
  notify: (kind: Notice['kind'], text: string) => void;
  dismissNotice: (id: number) => void;
}

/**
 * One host's VMs after a poll: a new map when a VM changed, came or went (else `vms` is
 * undefined), and a new key list when one came or went (else `keys` is undefined).
 */
function applyHostVms(
  before: HostVms,
  beforeKeys: readonly VmKey[],
  host: string,
  changed: readonly FleetVm[],
  removed: readonly string[],
): { vms?: HostVms; keys?: VmKey[] } {
  let vms: Record<VmKey, FleetVm> | undefined;
  const gone = new Set(removed.map((name) => vmKey(host, name)).filter((key) => before[key]));
  for (const key of gone) {
    vms ??= { ...before };
    delete vms[key];
  }
  const added: VmKey[] = [];
  for (const vm of changed) {
    const key = vmKey(host, vm.name);
    const old = (vms ?? before)[key];
    if (old && sameFleetVm(old, vm)) continue;
    vms ??= { ...before };
    if (!old) added.push(key);
    vms[key] = vm;
  }
  if (gone.size === 0 && added.length === 0) return { vms };
  const kept = beforeKeys.filter((key) => !gone.has(key));
  return { vms, keys: added.length ? sortVmKeys(host, [...kept, ...added]) : kept };
}

/** A host's VM keys in the VM names' natural order, the grid's (vm2 before vm10). */
function sortVmKeys(host: string, keys: readonly VmKey[]): VmKey[] {
  return sortByNaturalName(keys, (key) => key.slice(host.length + 1));
}

/** `fresh`, or `old` when it holds the same VMs (so what depends on it need not recompute). */
function keepIfSame(old: HostVms | undefined, fresh: HostVms, count: number): HostVms {
  if (!old || Object.keys(old).length !== count) return fresh;
  for (const key in fresh) if (old[key as VmKey] !== fresh[key as VmKey]) return fresh;
  return old;
}

let nextNoticeId = 1;

export const useFleetStore = create<FleetState>((set, get) => ({
  loaded: false,
  groups: {},
  hosts: {},
  hostNames: [],
  vmsByHost: {},
  vmKeysByHost: {},
  seq: 0,
  tasks: {},
  taskIds: [],
  taskLogs: {},
  notices: [],

  loadFleet(snapshot) {
    const prev = get();
    const groups: Record<number, Group> = {};
    for (const g of snapshot.groups) groups[g.id] = g;
    const hosts: Record<string, HostView> = {};
    for (const h of snapshot.hosts) hosts[h.name] = h;
    const fresh: Record<string, Record<VmKey, FleetVm>> = {};
    const vmKeysByHost: Record<string, VmKey[]> = {};
    for (const name of Object.keys(hosts)) {
      fresh[name] = {};
      vmKeysByHost[name] = [];
    }
    for (const vm of snapshot.vms) {
      const key = vmKey(vm.host, vm.name);
      const old = prev.vmsByHost[vm.host]?.[key];
      (fresh[vm.host] ??= {})[key] = old && sameFleetVm(old, vm) ? old : vm;
      (vmKeysByHost[vm.host] ??= []).push(key);
    }
    const vmsByHost: Record<string, HostVms> = {};
    for (const [host, unsorted] of Object.entries(vmKeysByHost)) {
      const keys = sortVmKeys(host, unsorted);
      vmKeysByHost[host] = keys;
      const oldKeys = prev.vmKeysByHost[host];
      const sameKeys = oldKeys?.length === keys.length && oldKeys.every((k, i) => k === keys[i]);
      if (sameKeys) vmKeysByHost[host] = oldKeys;
      vmsByHost[host] = keepIfSame(prev.vmsByHost[host], fresh[host]!, keys.length);
    }
    set({
      loaded: true,
      groups,
      hosts,
      hostNames: sortNamesNaturally(Object.keys(hosts)),
      vmsByHost,
      vmKeysByHost,
      seq: snapshot.seq,
    });
  },

  applyHostPolls(events) {
    const state = get();
    if (!state.loaded) return true; // the snapshot on its way holds them
    let seq = state.seq;
    const hosts = { ...state.hosts };
    let vmsByHost: Record<string, HostVms> | null = null;
    let vmKeysByHost: Record<string, VmKey[]> | null = null;
    let complete = true;
    for (const event of events) {
      if (event.seq <= seq) continue;
      if (event.seq > seq + 1) complete = false;
      seq = event.seq;
      const host = hosts[event.host];
      if (!host) continue; // a host this client has not loaded yet; fleetChanged brings it
      hosts[event.host] = {
        ...host,
        status: event.status,
        error: event.error,
        polledAt: event.polledAt,
      };
      const changed = event.changedVms ?? [];
      const removed = event.removedVms ?? [];
      if (changed.length === 0 && removed.length === 0) continue;
      const { vms, keys } = applyHostVms(
        (vmsByHost ?? state.vmsByHost)[event.host] ?? {},
        (vmKeysByHost ?? state.vmKeysByHost)[event.host] ?? [],
        event.host,
        changed,
        removed,
      );
      if (vms) (vmsByHost ??= { ...state.vmsByHost })[event.host] = vms;
      if (keys) (vmKeysByHost ??= { ...state.vmKeysByHost })[event.host] = keys;
    }
    set({
      hosts,
      seq,
      ...(vmsByHost ? { vmsByHost } : {}),
      ...(vmKeysByHost ? { vmKeysByHost } : {}),
    });
    return complete;
  },

  applyFleetChange(change) {
    const state = get();
    if (!state.loaded) return; // the snapshot on its way holds it
    const hosts = { ...state.hosts };
    // The VM indexes are copied only when hosts come or go or VMs are given: a pool renamed or
    // a host moved or tagged must not make every VM list and grid over the fleet recompute.
    let vmsByHost: Record<string, HostVms> | null = null;
    let vmKeysByHost: Record<string, VmKey[]> | null = null;
    const indexes = () => {
      vmsByHost ??= { ...state.vmsByHost };
      vmKeysByHost ??= { ...state.vmKeysByHost };
      return { vmsByHost, vmKeysByHost };
    };
    let namesChanged = false;
    for (const name of change.removedHosts ?? []) {
      if (!hosts[name]) continue;
      const index = indexes();
      delete index.vmsByHost[name];
      delete index.vmKeysByHost[name];
      delete hosts[name];
      namesChanged = true;
    }
    for (const host of change.hosts ?? []) {
      if (!hosts[host.name]) {
        const index = indexes();
        index.vmsByHost[host.name] ??= {};
        index.vmKeysByHost[host.name] ??= [];
        namesChanged = true;
      }
      hosts[host.name] = host;
    }
    if (change.vms) {
      const index = indexes();
      // The hosts' VMs are replaced: those not in `vms` are gone.
      const incoming = new Map<string, FleetVm[]>();
      for (const { name } of change.hosts ?? []) incoming.set(name, []);
      for (const vm of change.vms) incoming.get(vm.host)?.push(vm);
      for (const [name, hostVms] of incoming) {
        const present = new Set(hostVms.map((vm) => vm.name));
        const before = index.vmsByHost[name] ?? {};
        const beforeKeys = index.vmKeysByHost[name] ?? [];
        const gone = beforeKeys.map((key) => before[key]!.name).filter((vm) => !present.has(vm));
        const { vms, keys } = applyHostVms(before, beforeKeys, name, hostVms, gone);
        if (vms) index.vmsByHost[name] = vms;
        if (keys) index.vmKeysByHost[name] = keys;
      }
    }
    const groups: Record<number, Group> = {};
    for (const g of change.groups ?? []) groups[g.id] = g;
    set({
      ...(change.groups ? { groups } : {}),
      hosts,
      ...(namesChanged ? { hostNames: sortNamesNaturally(Object.keys(hosts)) } : {}),
      ...(vmsByHost ? { vmsByHost } : {}),
      ...(vmKeysByHost ? { vmKeysByHost } : {}),
    });
  },

  applyTask(task) {
    const state = get();
    const before = state.tasks[task.id];
    const tasks = { ...state.tasks, [task.id]: task };
    let taskIds = before ? state.taskIds : [task.id, ...state.taskIds];
    if (taskIds.length > TASKS_KEPT) {
      const dropped = taskIds.slice(TASKS_KEPT);
      taskIds = taskIds.slice(0, TASKS_KEPT);
      for (const id of dropped) delete tasks[id];
    }
    set({ tasks, taskIds });
    if (task.status === 'failed' && before?.status !== 'failed') {
      get().notify('error', `${describeTask(task)} failed: ${task.error ?? 'no reason given'}`);
    }
  },

  appendTaskLog(taskId, entries) {
    const known = get().taskLogs[taskId] ?? [];
    const lastSeq = known.at(-1)?.seq ?? 0;
    const fresh = entries.filter((e) => e.seq > lastSeq);
    if (fresh.length === 0) return;
    set({ taskLogs: { ...get().taskLogs, [taskId]: [...known, ...fresh] } });
  },

  notify(kind, text) {
    set({ notices: [...get().notices, { id: nextNoticeId++, kind, text }] });
  },

  dismissNotice(id) {
    set({ notices: get().notices.filter((n) => n.id !== id) });
  },
}));

/** The words the UI uses for a task kind, where they differ from the kind's last part. */
const TASK_TITLES: Record<string, string> = {
  'vm.shutdown': 'Shut down',
  'vm.destroy': 'Force off',
  'vm.suspend': 'Pause',
  'vm.resources': 'Change resources of',
  'vm.autostart': 'Set autostart of',
  'vm.iso.attach': 'Insert ISO into',
  'vm.iso.eject': 'Eject ISO from',
  'vm.agent-channel': 'Add guest agent channel to',
  'vm.snapshot.create': 'Create snapshot of',
  'vm.snapshot.revert': 'Revert snapshot of',
  'vm.snapshot.delete': 'Delete snapshot of',
  'vm.guest.password': 'Set guest password of',
  'host.add': 'Add host',
  'host.remove': 'Remove host',
};

/** `vm.start` on `web1/db2` reads as "Start web1/db2"; `vm.destroy` as "Force off web1/db2". */
export function describeTask(task: Pick<Task, 'kind' | 'target'>): string {
  const known = TASK_TITLES[task.kind];
  if (known) return `${known} ${task.target}`;
  const verb = task.kind.split('.').at(-1) ?? task.kind;
  const words = verb.replace(/[-_]/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2');
  return `${words.charAt(0).toUpperCase()}${words.slice(1).toLowerCase()} ${task.target}`;
}
