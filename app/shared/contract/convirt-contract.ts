// The one contract between the UI and main. Every method and event the renderer, the browser
// mode, the Electron IPC and the tests use is declared here once; app/main/services implements it.
import type { HostFacts, Hypervisor } from '../domain/host.js';
import type { Group, Host, Task, TaskLogEntry } from '../domain/inventory.js';
import type { GuestInfo, VmSample, VmState } from '../domain/vm.js';
import type { XlUnsupported } from '../domain/xen-limits.js';
import { event, method, type ClientOf, type ServiceOf } from './define.js';
import {
  array,
  boolean,
  bytes,
  integer,
  nullable,
  object,
  oneOf,
  optional,
  string,
} from './schema.js';

// ---- argument schemas -------------------------------------------------------------------------

/** Host and VM names: letters, digits, `.`, `_`, `-`, not starting with `-`, 1 to 64 chars. */
const NAME = /^[A-Za-z0-9._][A-Za-z0-9._-]{0,63}$/;
const hostName = string({ max: 64, pattern: NAME });
const vmName = string({ max: 64, pattern: NAME });
const hostPath = string({ max: 4096, pattern: /^\/[^\0\n\r]*$/ });
const fingerprint = string({ pattern: /^SHA256:[A-Za-z0-9+/]{43}$/ });

export const VM_ACTIONS = ['start', 'shutdown', 'reboot', 'destroy', 'suspend', 'resume'] as const;
export type VmAction = (typeof VM_ACTIONS)[number];

export const CONSOLE_KINDS = ['serial', 'graphics'] as const;
export type ConsoleKind = (typeof CONSOLE_KINDS)[number];

const vmRef = object({ host: hostName, vm: vmName });

const addHostInput = object({
  name: hostName,
  /** Host name or IP address; `HOST:PORT` is not accepted here, use port. */
  address: string({ max: 255, pattern: /^[A-Za-z0-9._:[\]-]+$/ }),
  port: optional(integer({ min: 1, max: 65535 })),
  username: optional(string({ max: 64, pattern: /^[A-Za-z0-9_][A-Za-z0-9._@-]{0,63}$/ })),
  authMethod: optional(oneOf(['agent', 'key', 'password'])),
  identityFile: optional(hostPath),
  hypervisor: optional(oneOf(['kvm', 'xen'])),
  libvirtUri: optional(string({ max: 1000, pattern: /^[A-Za-z][A-Za-z0-9+.-]*:\/\/\S*$/ })),
  /** A server pool path such as `Datacenter/Rack 1`, created when missing. */
  group: optional(string({ max: 255 })),
  useSudo: optional(boolean),
  /** The fingerprint the operator confirmed after a host-key-unknown error. */
  acceptFingerprint: optional(fingerprint),
});

// ---- result types -----------------------------------------------------------------------------

export type HostStatus = 'connecting' | 'connected' | 'unreachable';

/** A host as the UI shows it: the inventory record, its connection state and its last facts. */
export interface HostView extends Host {
  status: HostStatus;
  /** Why it is unreachable, in plain words. */
  error: string | null;
  facts: HostFacts | null;
  tags: string[];
  /** When the last poll finished (ms since epoch), null before the first. */
  polledAt: number | null;
}

export interface FleetVm extends VmSample {
  host: string;
  tags: string[];
}

/** Everything the fleet tree, dashboard and grids need, in one answer. */
export interface FleetSnapshot {
  groups: Group[];
  hosts: HostView[];
  vms: FleetVm[];
}

export interface VmDetails extends FleetVm {
  guest: GuestInfo | null;
  autostart: boolean | null;
  /** The ISO in the first CD-ROM drive, null when empty or none. */
  isoPath: string | null;
  hasGuestAgentChannel: boolean;
  hasGraphics: boolean;
  snapshots: SnapshotInfo[];
  hypervisor: Hypervisor;
  /** What this VM's hypervisor cannot do, each with the reason to show in its place. */
  notSupported: Partial<Record<XlUnsupported, string>>;
  /** Xen: the config file the VM starts from (resource changes persist there), null if none. */
  configFile: string | null;
}

export interface SnapshotInfo {
  name: string;
  createdAt: string;
  state: string;
}

export interface AppInfo {
  name: string;
  version: string;
  /** 'desktop' in Electron, 'browser' in browser mode. */
  mode: 'desktop' | 'browser';
  /** Whether openLocalTerminal is served (desktop, or browser mode when enabled). */
  localTerminal: boolean;
}

export interface HostPolled {
  host: string;
  status: HostStatus;
  error: string | null;
  /** Present after a successful poll: every VM of the host (replacing what was known). */
  vms?: FleetVm[];
  polledAt: number | null;
}

export interface SecretRequest {
  requestId: string;
  kind: 'password' | 'passphrase';
  /** What it is for, e.g. `root@web1` or `/home/op/.ssh/id_ed25519`. */
  prompt: string;
}

// ---- the contract ----------------------------------------------------------------------------

export const convirtContract = {
  methods: {
    appInfo: method<AppInfo>()(),

    // Fleet: the inventory and the live state of every host and VM.
    getFleet: method<FleetSnapshot>()(),
    /** Hosts polled faster while a view shows them; replaces the previous focus of this client. */
    setFocus: method<void>()(array(hostName, { max: 1000 })),
    refreshHost: method<void>()(hostName),
    hostFacts: method<HostFacts>()(hostName),

    // Hosts and server pools.
    addHost: method<HostView>()(addHostInput),
    removeHost: method<void>()(hostName),
    /** Moves a host into a server pool (null: no pool). */
    moveHost: method<void>()(hostName, nullable(integer({ min: 1 }))),
    createGroup: method<Group>()(string({ max: 64 }), nullable(integer({ min: 1 }))),
    renameGroup: method<void>()(integer({ min: 1 }), string({ max: 64 })),
    deleteGroup: method<void>()(integer({ min: 1 })),
    setHostTags: method<void>()(hostName, array(string({ max: 64 }), { max: 64 })),
    setVmTags: method<void>()(vmRef, array(string({ max: 64 }), { max: 64 })),
    /** The operator's answer to a secretRequested event; null cancels. Never stored or logged. */
    answerSecret: method<void>()(string({ max: 64 }), nullable(string({ max: 4096 }))),

    // VMs. Operations start a task and resolve with it at once; taskUpdated follows it.
    vmAction: method<Task>()(vmRef, oneOf(VM_ACTIONS)),
    bulkVmAction: method<Task[]>()(array(vmRef, { max: 10_000 }), oneOf(VM_ACTIONS)),
    vmDetails: method<VmDetails>()(vmRef),
    setVmResources: method<Task>()(
      vmRef,
      object({
        vcpus: optional(integer({ min: 1, max: 512 })),
        memoryMiB: optional(integer({ min: 16, max: 16 * 1024 * 1024 })),
      }),
    ),
    setAutostart: method<Task>()(vmRef, boolean),
    setIso: method<Task>()(vmRef, nullable(hostPath)),
    createSnapshot: method<Task>()(vmRef, vmName, object({ quiesce: optional(boolean) })),
    revertSnapshot: method<Task>()(vmRef, vmName),
    deleteSnapshot: method<Task>()(vmRef, vmName),
    cloneVm: method<Task>()(vmRef, vmName, oneOf(['overlay', 'full'])),
    deleteVm: method<Task>()(vmRef, object({ removeDisks: optional(boolean) })),

    // Tasks.
    listTasks: method<Task[]>()(optional(integer({ min: 1, max: 1000 }))),
    taskLog: method<TaskLogEntry[]>()(
      string({ max: 64 }),
      optional(integer({ min: 0 })) /* after seq */,
    ),
    cancelTask: method<void>()(string({ max: 64 })),

    // Consoles: a serial console (text) or the graphical console (VNC bytes), over the host's one
    // SSH connection. Data arrives as consoleData events for the client that opened it; the
    // client acknowledges what it has rendered so a flood pauses the channel instead of the UI.
    openConsole: method<{ consoleId: string }>()(
      vmRef,
      oneOf(CONSOLE_KINDS),
      optional(
        object({ cols: integer({ min: 1, max: 1000 }), rows: integer({ min: 1, max: 1000 }) }),
      ),
    ),
    /** A shell on this machine (desktop only, or browser mode started with it enabled). */
    openLocalTerminal: method<{ consoleId: string }>()(
      optional(
        object({ cols: integer({ min: 1, max: 1000 }), rows: integer({ min: 1, max: 1000 }) }),
      ),
    ),
    consoleInput: method<void>()(string({ max: 64 }), bytes),
    consoleResize: method<void>()(
      string({ max: 64 }),
      integer({ min: 1, max: 1000 }),
      integer({ min: 1, max: 1000 }),
    ),
    /** Bytes of consoleData the client has processed since its last ack. */
    consoleAck: method<void>()(string({ max: 64 }), integer({ min: 0 })),
    closeConsole: method<void>()(string({ max: 64 })),
  },
  events: {
    hostPolled: event<HostPolled>(),
    /** The inventory changed (hosts or pools added, moved, removed): fetch getFleet again. */
    fleetChanged: event<void>(),
    taskUpdated: event<Task>(),
    taskLog: event<{ taskId: string; entries: TaskLogEntry[] }>(),
    secretRequested: event<SecretRequest>(),
    consoleData: event<{ consoleId: string; data: Uint8Array }>(),
    consoleClosed: event<{ consoleId: string; reason: string | null }>(),
  },
} as const;

export type ConvirtContract = typeof convirtContract;
export type ConvirtService = ServiceOf<ConvirtContract>;
export type ConvirtClient = ClientOf<ConvirtContract>;
export type { Hypervisor, VmState };
