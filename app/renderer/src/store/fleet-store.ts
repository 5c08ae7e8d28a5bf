// The renderer's picture of the fleet: normalized (hosts by name, VMs by `host/vm` key, a key list
// per host) so a host's poll touches only that host's entries, and components subscribe to the
// few entries they show. getFleet loads it once; hostPolled events then bring only what changed.
// Unchanged VMs keep their object identity, so their rows do not re-render.
import { compareNames } from '../common/compare.js';
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
import { vmKey, type VmKey } from './vm-key.js';

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
  vms: Record<VmKey, FleetVm>;
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

/** Applies one host's changes to fresh copies of the maps (mutated here). */
function applyHostVms(
  vms: Record<VmKey, FleetVm>,
  vmKeysByHost: Record<string, VmKey[]>,
  host: string,
  changed: readonly FleetVm[],
  removed: readonly string[],
): void {
  const gone = new Set(removed.map((name) => vmKey(host, name)));
  for (const key of gone) delete vms[key];
  let keys = vmKeysByHost[host] ?? [];
  const added: VmKey[] = [];
  for (const vm of changed) {
    const key = vmKey(host, vm.name);
    const old = vms[key];
    if (!old) added.push(key);
    vms[key] = old && sameFleetVm(old, vm) ? old : vm;
  }
  if (gone.size) keys = keys.filter((key) => !gone.has(key));
  if (added.length) keys = [...keys, ...added].sort(compareNames);
  vmKeysByHost[host] = keys;
}

let nextNoticeId = 1;

export const useFleetStore = create<FleetState>((set, get) => ({
  loaded: false,
  groups: {},
  hosts: {},
  hostNames: [],
  vms: {},
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
    const vms: Record<VmKey, FleetVm> = {};
    const vmKeysByHost: Record<string, VmKey[]> = {};
    for (const name of Object.keys(hosts)) vmKeysByHost[name] = [];
    for (const vm of snapshot.vms) {
      const key = vmKey(vm.host, vm.name);
      const old = prev.vms[key];
      vms[key] = old && sameFleetVm(old, vm) ? old : vm;
      (vmKeysByHost[vm.host] ??= []).push(key);
    }
    for (const keys of Object.values(vmKeysByHost)) keys.sort(compareNames);
    set({
      loaded: true,
      groups,
      hosts,
      hostNames: Object.keys(hosts).sort(compareNames),
      vms,
      vmKeysByHost,
      seq: snapshot.seq,
    });
  },

  applyHostPolls(events) {
    const state = get();
    if (!state.loaded) return true; // the snapshot on its way holds them
    let seq = state.seq;
    const hosts = { ...state.hosts };
    let vms: Record<VmKey, FleetVm> | null = null;
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
      vms ??= { ...state.vms };
      vmKeysByHost ??= { ...state.vmKeysByHost };
      applyHostVms(vms, vmKeysByHost, event.host, changed, removed);
    }
    set(vms && vmKeysByHost ? { hosts, vms, vmKeysByHost, seq } : { hosts, seq });
    return complete;
  },

  applyFleetChange(change) {
    const state = get();
    if (!state.loaded) return; // the snapshot on its way holds it
    const hosts = { ...state.hosts };
    const vms = { ...state.vms };
    const vmKeysByHost = { ...state.vmKeysByHost };
    for (const name of change.removedHosts ?? []) {
      for (const key of vmKeysByHost[name] ?? []) delete vms[key];
      delete vmKeysByHost[name];
      delete hosts[name];
    }
    for (const host of change.hosts ?? []) {
      hosts[host.name] = host;
      vmKeysByHost[host.name] ??= [];
    }
    if (change.vms) {
      // The hosts' VMs are replaced: those not in `vms` are gone.
      const incoming = new Map<string, FleetVm[]>();
      for (const { name } of change.hosts ?? []) incoming.set(name, []);
      for (const vm of change.vms) incoming.get(vm.host)?.push(vm);
      for (const [name, hostVms] of incoming) {
        const present = new Set(hostVms.map((vm) => vm.name));
        const gone = vmKeysByHost[name]!.map((key) => vms[key]!.name).filter(
          (vm) => !present.has(vm),
        );
        applyHostVms(vms, vmKeysByHost, name, hostVms, gone);
      }
    }
    const groups: Record<number, Group> = {};
    for (const g of change.groups ?? []) groups[g.id] = g;
    set({
      ...(change.groups ? { groups } : {}),
      hosts,
      hostNames: Object.keys(hosts).sort(compareNames),
      vms,
      vmKeysByHost,
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
