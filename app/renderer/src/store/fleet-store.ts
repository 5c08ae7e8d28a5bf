// The renderer's picture of the fleet: normalized (hosts by name, VMs by `host/vm` key, a key list
// per host) so a host's poll touches only that host's entries, and components subscribe to the
// few entries they show. Unchanged VMs keep their object identity, so their rows do not re-render.
import { compareNames } from '../common/compare.js';
import { create } from 'zustand';
import type {
  FleetSnapshot,
  FleetVm,
  HostPolled,
  HostView,
} from '../../../shared/contract/convirt-contract.js';
import type { Group, Task, TaskLogEntry } from '../../../shared/domain/inventory.js';
import { vmKey, type VmKey } from './vm-key.js';

/** One poll of one VM, cumulative counters kept so the charts can derive rates. */
export interface VmHistoryPoint {
  at: number;
  cpuPercent: number | null;
  memoryMiB: number;
  diskBytes: number | null;
  netBytes: number | null;
}

/** How many polls each VM's charts keep. */
export const HISTORY_POINTS = 60;
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
  history: Record<VmKey, VmHistoryPoint[]>;
  tasks: Record<string, Task>;
  /** Task ids, newest first. */
  taskIds: string[];
  taskLogs: Record<string, TaskLogEntry[]>;
  notices: Notice[];

  loadFleet: (snapshot: FleetSnapshot) => void;
  applyHostPolled: (event: HostPolled) => void;
  /** Several polls in one update: one render for a burst of events. */
  applyHostPolls: (events: HostPolled[]) => void;
  applyTask: (task: Task) => void;
  appendTaskLog: (taskId: string, entries: TaskLogEntry[]) => void;
  notify: (kind: Notice['kind'], text: string) => void;
  dismissNotice: (id: number) => void;
}

function sameVm(a: FleetVm, b: FleetVm): boolean {
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
    a.tags.join('\0') === b.tags.join('\0')
  );
}

const sum = (a: number | null, b: number | null) => (a === null || b === null ? null : a + b);

function historyPoint(vm: FleetVm, at: number): VmHistoryPoint {
  return {
    at,
    cpuPercent: vm.cpuPercent,
    memoryMiB: vm.memoryMiB,
    diskBytes: sum(vm.diskReadBytes, vm.diskWriteBytes),
    netBytes: sum(vm.netRxBytes, vm.netTxBytes),
  };
}

/** Replaces one host's VMs, reusing unchanged entries. Mutates the given (fresh) maps. */
function replaceHostVms(
  vms: Record<VmKey, FleetVm>,
  vmKeysByHost: Record<string, VmKey[]>,
  host: string,
  incoming: FleetVm[],
): void {
  for (const key of vmKeysByHost[host] ?? []) delete vms[key];
  const keys: VmKey[] = [];
  for (const vm of incoming) {
    const key = vmKey(host, vm.name);
    keys.push(key);
    vms[key] = vm;
  }
  keys.sort(compareNames);
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
  history: {},
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
      vms[key] = old && sameVm(old, vm) ? old : vm;
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
    });
  },

  applyHostPolled(event) {
    get().applyHostPolls([event]);
  },

  applyHostPolls(events) {
    const state = get();
    const hosts = { ...state.hosts };
    let vms: Record<VmKey, FleetVm> | null = null;
    let vmKeysByHost: Record<string, VmKey[]> | null = null;
    let history: Record<VmKey, VmHistoryPoint[]> | null = null;
    for (const event of events) {
      const host = hosts[event.host];
      if (!host) continue; // a host this client has not loaded yet; fleetChanged brings it
      hosts[event.host] = {
        ...host,
        status: event.status,
        error: event.error,
        polledAt: event.polledAt,
      };
      if (!event.vms) continue;
      vms ??= { ...state.vms };
      vmKeysByHost ??= { ...state.vmKeysByHost };
      history ??= { ...state.history };
      const at = event.polledAt ?? Date.now();
      const incoming = event.vms.map((vm) => {
        const key = vmKey(event.host, vm.name);
        const old = vms![key];
        const points = history![key] ?? [];
        history![key] = [...points.slice(-(HISTORY_POINTS - 1)), historyPoint(vm, at)];
        return old && sameVm(old, vm) ? old : vm;
      });
      const present = new Set(incoming.map((vm) => vmKey(event.host, vm.name)));
      for (const key of vmKeysByHost[event.host] ?? []) {
        if (!present.has(key)) delete history[key];
      }
      replaceHostVms(vms, vmKeysByHost, event.host, incoming);
    }
    set(vms && vmKeysByHost && history ? { hosts, vms, vmKeysByHost, history } : { hosts });
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
