// The one contract between the UI and main. Every method and event the renderer, the browser
// mode, the Electron IPC and the tests use is declared here once; app/main/backend implements it.
import { HYPERVISORS, type HostFacts, type Hypervisor } from '../domain/host.js';
import type { Group, Host, Task, TaskLogEntry } from '../domain/inventory.js';
import {
  CERTIFICATE_KINDS,
  type CertificateChange,
  type CertificateInfo,
  type TemplatePoolCopy,
  type TemplateView,
  type UrlCheckView,
} from '../domain/url-template.js';
import type { GuestInfo, VmSample, VmState } from '../domain/vm.js';
import type { PerfHistory } from '../domain/perf-history.js';
import {
  parseChecksum,
  parseHttpHeader,
  validateDownloadUrl,
} from '../validation/download-source.js';
import {
  TEMPLATE_FORMATS,
  validateCertificateName,
  validateTemplateName,
  validateTemplateOs,
} from '../validation/url-template.js';
import type { XlUnsupported } from '../domain/xen-limits.js';
import { MIGRATION_MODES, type MigrationPlan } from '../domain/migration.js';
import type { ConfigInfo } from '../domain/config.js';
import type { ImageListImageView, ImageListSubscriptionView } from '../domain/image-list.js';
import { event, method, type ClientOf, type ServiceOf } from './define.js';
import { fleetSnapshotPacking, hostPolledPacking } from './packed-records.js';
import {
  array,
  boolean,
  bytes,
  checked,
  integer,
  nullable,
  object,
  oneOf,
  optional,
  string,
  stringRecord,
} from './schema.js';
import {
  FILE_NAME_RULE,
  NAME_RULE,
  validateClientHostPath,
  validateLabel,
} from '../validation/names.js';
import { validateParam, type ParamType } from '../validation/provision-params.js';
import { cloudInitRequest, validateCloudInit } from '../validation/cloud-init.js';

// ---- argument schemas -------------------------------------------------------------------------

/** Host and VM names: letters, digits, `.`, `_`, `-`, not starting with `-`, 1 to 64 chars. */
const hostName = string({ max: 64, pattern: NAME_RULE });
const vmName = string({ max: 64, pattern: NAME_RULE });
const hostPath = checked(string({ max: 4096 }), validateClientHostPath);
/** A file on this machine (read by ConVirt itself, never by a shell). */
const localPath = string({ max: 4096, pattern: /^\/[^\0\n\r]*$/ });
/** Server pool names and tags: printable text (validateLabel). */
const label = checked(string({ max: 64 }), validateLabel);
const fingerprint = string({ pattern: /^SHA256:[A-Za-z0-9+/]{43}$/ });

export const VM_ACTIONS = ['start', 'shutdown', 'reboot', 'destroy', 'suspend', 'resume'] as const;
export type VmAction = (typeof VM_ACTIONS)[number];

export const CONSOLE_KINDS = ['serial', 'graphics'] as const;
export type ConsoleKind = (typeof CONSOLE_KINDS)[number];

const vmRef = object({ host: hostName, vm: vmName });
/** A time in ms since the epoch from which a history answer starts. */
const historySince = integer({ min: 0, max: 8_640_000_000_000_000 });
/** Host name or IP address: never `.`, `..` or an option (`-x`), never `HOST:PORT` with a port. */
const hostAddress = string({ max: 255, pattern: /^[A-Za-z0-9_:[][A-Za-z0-9._:[\]-]*$/ });
const migrationRequest = object({
  target: hostName,
  mode: optional(oneOf(MIGRATION_MODES)),
  copyStorage: optional(boolean),
  bandwidthMiBs: optional(integer({ min: 1, max: 100_000 })),
  targetAddress: optional(hostAddress),
});
/** Appliance folder names of the image store. */
const applianceName = string({ max: 64, pattern: FILE_NAME_RULE });
/** A text checked as the provisioning parameter `key` is (an address, a gateway ...). */
const param = (key: string) => checked(string({ max: 64 }), (v) => validateParam(key, v.trim()));
/** cloud-init settings, checked whole (validateCloudInit) here and again in main. */
const cloudInitInput = checked(
  object({
    hostname: optional(checked(string({ max: 253 }), (v) => validateParam('hostname', v.trim()))),
    user: optional(string({ max: 32 })),
    sshAuthorizedKeys: optional(array(string({ max: 16 * 1024 }), { max: 32 })),
    passwordHash: optional(string({ max: 512 })),
    network: optional(
      object({
        mode: oneOf(['dhcp', 'static']),
        address: optional(param('ip_address')),
        gateway: optional(param('gateway')),
        dns: optional(array(param('dns'), { max: 8 })),
      }),
    ),
    userData: optional(string({ max: 64 * 1024 })),
  }),
  (input) => validateCloudInit(cloudInitRequest(input)),
);

/** Provisioning parameters by key (image.conf keys); main validates each value. */
const provisionParams = stringRecord(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, string({ max: 4096 }));

const addHostInput = object({
  name: hostName,
  /**
   * Host name or IP address; `HOST:PORT` is not accepted here, use port. Not starting with `-`
   * (a ProxyCommand's `%h` would read it as an option).
   */
  address: hostAddress,
  port: optional(integer({ min: 1, max: 65535 })),
  username: optional(string({ max: 64, pattern: /^[A-Za-z0-9_][A-Za-z0-9._@-]{0,63}$/ })),
  authMethod: optional(oneOf(['agent', 'key', 'password'])),
  identityFile: optional(localPath),
  hypervisor: optional(oneOf(['kvm', 'xen'])),
  /** No spaces, control characters or characters a shell gives a meaning to. */
  libvirtUri: optional(
    string({
      max: 1000,
      pattern: /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[A-Za-z0-9._~:/?#[\]@!()*+,=%-]*$/,
    }),
  ),
  /** A server pool path such as `Datacenter/Rack 1`, created when missing. */
  group: optional(checked(string({ max: 255 }), validateLabel)),
  useSudo: optional(boolean),
  /** The fingerprint the operator confirmed after a host-key-unknown error. */
  acceptFingerprint: optional(fingerprint),
});

// Templates and ISOs by URL: the same validators as main's UrlTemplateService.
const templateName = checked(string({ max: 64 }), validateTemplateName);
const downloadUrl = checked(string({ max: 2048 }), validateDownloadUrl);
/** `NAME:VALUE` each; the values are secrets (never logged, never sent back). */
const httpHeaders = array(checked(string({ max: 8192 }), parseHttpHeader), { max: 32 });
const certificateName = checked(string({ max: 64 }), validateCertificateName);
const pem = string({ max: 64 * 1024 });

const registerTemplateInput = object({
  name: templateName,
  url: downloadUrl,
  format: optional(oneOf(TEMPLATE_FORMATS)),
  checksum: optional(checked(string({ max: 200 }), parseChecksum)),
  os: optional(checked(string({ max: 64 }), validateTemplateOs)),
  hypervisor: optional(oneOf(HYPERVISORS)),
  headers: optional(httpHeaders),
  /** On: nothing is copied until a host downloads it into its pool (BYPASSED, Ready at once). */
  directDownload: optional(boolean),
  clientCertificate: optional(certificateName),
});

const certificateUpload = object({
  name: certificateName,
  kind: oneOf(CERTIFICATE_KINDS),
  pem,
  /** A client certificate's key: sent once, installed on the hosts, never stored here. */
  keyPem: optional(pem),
});

// Image-list subscriptions (docs/image-lists.md); the files named are on ConVirt's machine.
const subscriptionName = string({ max: 64, pattern: FILE_NAME_RULE });
const subscribeImageListInput = object({
  url: downloadUrl,
  name: optional(subscriptionName),
  trustCaFile: optional(localPath),
  trustCaDir: optional(localPath),
  /** The signer's subject must be this, OpenSSL one-line form (`/DC=.../CN=...`). */
  endorserDn: optional(string({ max: 1024 })),
  headers: optional(httpHeaders),
  allowUnsigned: optional(boolean),
});
const templateSettingsInput = object({
  enabled: optional(boolean),
  /** Group ids; null: every server pool, []: none. */
  serverPools: optional(nullable(array(integer({ min: 1 }), { max: 1000 }))),
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
  /** The last hostPolled event this snapshot includes: later events apply on top of it. */
  seq: number;
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
  /** The file in snapshots_dir the VM was saved to (restore brings it back), null if none. */
  savedState: string | null;
}

export interface SnapshotInfo {
  name: string;
  createdAt: string;
  state: string;
}

export interface AppInfo {
  name: string;
  version: string;
  /** 'desktop' in Electron, 'browser' in browser mode, 'cli' in convirtctl. */
  mode: 'desktop' | 'browser' | 'cli';
  /** Whether openLocalTerminal is served (desktop, or browser mode when enabled). */
  localTerminal: boolean;
}

/**
 * What changed on one host: its connection status always; after a successful poll, only the VMs
 * that are new or changed since the previous event and the names of those gone (see
 * fleet-delta.ts), so a poll that changed nothing costs a few bytes, not the host's VMs.
 */
export interface HostPolled {
  host: string;
  status: HostStatus;
  error: string | null;
  changedVms?: FleetVm[];
  removedVms?: string[];
  polledAt: number | null;
  /**
   * One more than the previous event's, for every client: an event at or below a snapshot's seq
   * is already in it; a gap means events were missed and the snapshot must be fetched again.
   */
  seq: number;
}

/**
 * What an inventory change changed (a host added, removed, moved or tagged, a server pool made,
 * renamed or deleted), for each client to apply to its getFleet snapshot instead of fetching the
 * whole fleet again. A VM's tags arrive as a hostPolled event.
 */
export interface FleetChanged {
  /** Every server pool, when they changed. */
  groups?: Group[];
  /** Hosts added or changed, as getFleet shows them. */
  hosts?: HostView[];
  /**
   * When present (a host added or connected again): every VM of the hosts in `hosts`, as last
   * polled; they replace what the client holds of those hosts.
   */
  vms?: FleetVm[];
  removedHosts?: string[];
}

export interface SecretRequest {
  requestId: string;
  /**
   * An SSH password or key passphrase (these may be remembered), or the master passphrase of
   * ConVirt's secret store where Electron's safeStorage is absent (new: the store is created).
   */
  kind: 'password' | 'passphrase' | 'master-passphrase' | 'new-master-passphrase';
  /** What it is for, e.g. `root@web1` or `/home/op/.ssh/id_ed25519`. */
  prompt: string;
}

/** One option of an appliance the operator may change when provisioning. */
export interface ApplianceOption {
  key: string;
  label: string;
  type: ParamType;
  /** image.conf's value; null when unset (the host or the appliance's image decides). */
  default: string | null;
  min?: number;
  max?: number;
  unit?: string;
}

/** An appliance of the image store, as the image store panel shows it. */
export interface ApplianceInfo {
  name: string;
  /** description.html's heading, else the name. */
  title: string;
  /** One line (image.conf's `description`). */
  summary: string;
  /** description.html as plain text, one entry per paragraph (never HTML). */
  description: string[];
  os: string;
  /** The hosts it provisions: libvirt templates KVM hosts, xl configurations Xen hosts. */
  hypervisors: Hypervisor[];
  /** Its images, kernel and initrd together. */
  sizeBytes: number;
  /** Files image.conf names that have not been built; provisioning is refused while any is. */
  missing: string[];
  /** The appliance the provisioning form offers first. */
  isDefault: boolean;
  /** It runs cloud-init: provisioning takes cloud-init settings (its NoCloud seed). */
  cloudInit: boolean;
  options: ApplianceOption[];
}

/** One of an appliance's files, and whether a host has it in its image cache. */
export interface ApplianceImageState {
  /** As image.conf names it: a URL, or a file of the image store. */
  source: string;
  /** Where the host keeps it in its image cache. */
  cachedPath: string;
  /** In the cache already: provisioning reuses it (nothing fetched or copied). */
  present: boolean;
}

/** ConVirt's secret store: where it is, how its key is protected, what it holds (no values). */
export interface SecretStoreInfo {
  file: string;
  /** How its key is protected (a master passphrase, the desktop's safeStorage). */
  protection: string;
  /** False until something is first stored. */
  exists: boolean;
  /** HTTP header values of templates: in the store, and still in plain text in the inventory. */
  httpHeaderValues: { stored: number; plainText: number };
}

/** Where a host keeps uploaded ISOs, and how much room they may take. */
export interface IsoSettings {
  dir: string;
  quotaMiB: number;
}

/** The ISOs uploaded to a host's ISO folder, and how much of its quota they take. */
export interface HostIsos extends IsoSettings {
  /** Every file of the folder, unfinished uploads too (what the quota counts). */
  usedBytes: number;
  isos: Array<{ name: string; path: string; sizeBytes: number }>;
}

/** A finished task; `refused` when its own checks refused the request and nothing was made. */
export interface TaskOutcome {
  task: Task;
  refused: boolean;
}

/** A secret remembered in ConVirt's secret store (never its value). */
export interface RememberedSecret {
  /** `ssh-password:root@web1`, `ssh-passphrase:/home/op/.ssh/id_ed25519`. */
  id: string;
  label: string;
  createdAt: string;
}

// ---- the contract ----------------------------------------------------------------------------

export const convirtContract = {
  methods: {
    appInfo: method<AppInfo>()(),
    /** convirt.conf: every effective value and where it came from (About/Settings, config show). */
    configInfo: method<ConfigInfo>()(),
    /** Opens the local documentation with convirt.conf's html_browser (xdg-open as fallback). */
    openHelp: method<{ program: string; document: string }>()(),

    // Fleet: the inventory and the live state of every host and VM.
    getFleet: method<FleetSnapshot>(fleetSnapshotPacking)(),
    /** Hosts polled faster while a view shows them; replaces the previous focus of this client. */
    setFocus: method<void>()(array(hostName, { max: 1000 })),
    refreshHost: method<void>()(hostName),
    hostFacts: method<HostFacts>()(hostName),
    /**
     * The host's performance (sums over its running VMs) as main kept it from the polls; with
     * `since` (ms), only the points at or after it, for a chart that holds the rest.
     */
    hostHistory: method<PerfHistory>()(hostName, optional(historySince)),

    // Hosts and server pools.
    addHost: method<HostView>()(addHostInput),
    removeHost: method<void>()(hostName),
    /**
     * The operator accepts a host's new key after a host-key-changed error (the fingerprint the
     * error showed, checked with the host's administrator); the host is connected again.
     */
    acceptHostKey: method<HostView>()(hostName, fingerprint),
    /** Moves a host into a server pool (null: no pool). */
    moveHost: method<void>()(hostName, nullable(integer({ min: 1 }))),
    createGroup: method<Group>()(label, nullable(integer({ min: 1 }))),
    renameGroup: method<void>()(integer({ min: 1 }), label),
    deleteGroup: method<void>()(integer({ min: 1 })),
    setHostTags: method<void>()(hostName, array(label, { max: 64 })),
    setVmTags: method<void>()(vmRef, array(label, { max: 64 })),
    /**
     * The operator's answer to a secretRequested event; null cancels. Never logged; kept in
     * memory for the session, and in the secret store only with `remember`.
     */
    answerSecret: method<void>()(
      string({ max: 64 }),
      nullable(string({ max: 4096 })),
      optional(object({ remember: optional(boolean) })),
    ),
    /** SSH passwords and passphrases remembered in the secret store, without their values. */
    listRememberedSecrets: method<RememberedSecret[]>()(),
    /** Forgets a remembered (or session-kept) SSH secret. */
    forgetSecret: method<void>()(string({ max: 4200 })),
    secretStoreInfo: method<SecretStoreInfo>()(),

    // VMs. Operations start a task and resolve with it at once; taskUpdated follows it.
    vmAction: method<Task>()(vmRef, oneOf(VM_ACTIONS)),
    bulkVmAction: method<Task[]>()(array(vmRef, { max: 10_000 }), oneOf(VM_ACTIONS)),
    vmDetails: method<VmDetails>()(vmRef),
    /** The VM's performance as main kept it from the polls, from before the caller asked. */
    vmHistory: method<PerfHistory>()(vmRef, optional(historySince)),
    /**
     * Every VM of the given hosts (all by default) as polled now, twice a second apart so CPU use
     * has a value; an unreachable host fails the call.
     */
    listVms: method<Array<Omit<FleetVm, 'tags'>>>()(optional(array(hostName, { max: 1000 }))),
    listSnapshots: method<SnapshotInfo[]>()(vmRef),
    addGuestAgentChannel: method<Task>()(vmRef),
    /** Sets a guest user's password through the guest agent; the password is never logged. */
    setGuestPassword: method<Task>()(
      vmRef,
      string({ max: 64, pattern: /^[A-Za-z_][A-Za-z0-9._-]{0,63}$/ }),
      string({ max: 4096 }),
    ),
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
    /** Saves a running VM's memory to a file in snapshots_dir on its host; the VM stops. */
    saveVmState: method<Task>()(vmRef),
    /** Brings a saved VM back from its file in snapshots_dir, which is then removed. */
    restoreVmState: method<Task>()(vmRef),
    // Migration: every check, passed or not, without moving anything; then the move as a task,
    // refused before it starts when a check fails (docs/migration.md).
    checkMigration: method<MigrationPlan>()(vmRef, migrationRequest),
    migrateVm: method<Task>()(vmRef, migrationRequest),
    /** Every running VM of the host to the others of its pool, by free memory: one task each. */
    evacuateHost: method<Task[]>()(hostName),

    // The image store and provisioning. provisionVm checks everything before the task starts.
    listAppliances: method<ApplianceInfo[]>()(),
    /** The appliance's files into the host's image cache ahead of provisioning (a task). */
    fetchApplianceImages: method<Task>()(hostName, applianceName),
    /** Which of the appliance's files the host has in its image cache (one read-only command). */
    applianceImageStatus: method<ApplianceImageState[]>()(hostName, applianceName),
    provisionVm: method<Task>()(
      hostName,
      applianceName,
      vmName,
      provisionParams,
      object({ start: optional(boolean), cloudInit: optional(cloudInitInput) }),
    ),
    /**
     * A VM from a template or ISO registered by URL, on a connected host of its hypervisor: the
     * host downloads it into its own storage pool (its disks folder), or reuses the copy there.
     */
    provisionFromTemplate: method<Task>()(
      hostName,
      templateName,
      vmName,
      provisionParams,
      object({ start: optional(boolean) }),
    ),

    // Tasks.
    listTasks: method<Task[]>()(optional(integer({ min: 1, max: 1000 }))),
    taskLog: method<TaskLogEntry[]>()(
      string({ max: 64 }),
      optional(integer({ min: 0 })) /* after seq */,
    ),
    cancelTask: method<void>()(string({ max: 64 })),
    getTask: method<Task>()(string({ max: 64 })),
    /** Resolves when the task has ended. */
    waitForTask: method<TaskOutcome>()(string({ max: 64 })),

    // ISOs uploaded from this machine (the one main runs on) into a host's ISO folder.
    /** A file of this machine; from the UI, only a file that is an ISO 9660 image. */
    uploadIso: method<Task>()(hostName, string({ max: 4096, pattern: /^[^\0\n\r]+$/ })),
    /** The ISOs uploaded to a host, from one read-only command on it. */
    listIsos: method<HostIsos>()(hostName),
    /** A host's ISO folder and quota; with a change, set first. */
    isoSettings: method<IsoSettings>()(
      hostName,
      optional(object({ quotaMiB: optional(integer({ min: 0 })), dir: optional(hostPath) })),
    ),

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

    // Templates and ISOs registered by URL, and the certificates the hosts' downloads trust.
    listTemplates: method<TemplateView[]>()(),
    /** Checked at once, then a task (URL check from a host, download into the image store). */
    registerTemplate: method<Task>()(registerTemplateInput),
    /** Every candidate URL (each of a metalink's), checked from one connected host. */
    checkTemplateUrl: method<UrlCheckView>()(
      downloadUrl,
      optional(httpHeaders),
      optional(oneOf(HYPERVISORS)),
    ),
    /**
     * A host downloads the template into a storage pool folder (a copy already there is reused).
     * With a shared pool name, the folder is storage the hosts of the host's server pool share:
     * they are tried in turn when its download fails.
     */
    deployTemplate: method<Task>()(
      templateName,
      hostName,
      hostPath,
      optional(label) /* shared pool */,
    ),
    /** Forgets the record and its image store copy; copies on pools stay (they are returned). */
    removeTemplate: method<{ leftOnPools: TemplatePoolCopy[] }>()(templateName),
    listCertificates: method<CertificateInfo[]>()(),
    addCertificate: method<CertificateChange & { info: CertificateInfo }>()(certificateUpload),
    removeCertificate: method<CertificateChange>()(certificateName),
    /** Whether a template may be provisioned from, and the server pools that may use it. */
    setTemplateSettings: method<TemplateView>()(templateName, templateSettingsInput),

    // Subscriptions to signed image lists: their images become templates by URL.
    listImageLists: method<ImageListSubscriptionView[]>()(),
    showImageList: method<{
      subscription: ImageListSubscriptionView;
      images: ImageListImageView[];
    }>()(subscriptionName),
    /** Checked at once; then a task: the list fetched, verified, its images registered. */
    subscribeImageList: method<Task>()(subscribeImageListInput),
    /** A task: the list fetched again; new versions rotated, gone or expired images expired. */
    updateImageList: method<Task>()(subscriptionName),
    /** Forgets the subscription; its templates stay (they are returned). */
    unsubscribeImageList: method<{ templatesKept: string[] }>()(subscriptionName),
  },
  events: {
    hostPolled: event<HostPolled>(hostPolledPacking),
    /** The inventory changed (hosts or pools added, moved, removed, tagged): what changed. */
    fleetChanged: event<FleetChanged>(),
    taskUpdated: event<Task>(),
    taskLog: event<{ taskId: string; entries: TaskLogEntry[] }>(),
    secretRequested: event<SecretRequest>(),
    consoleData: event<{ consoleId: string; data: Uint8Array }>(),
    consoleClosed: event<{ consoleId: string; reason: string | null }>(),
    /** Templates or certificates changed: fetch listTemplates / listCertificates again. */
    templatesChanged: event<void>(),
    /** Subscriptions or their images changed: fetch listImageLists / showImageList again. */
    imageListsChanged: event<void>(),
  },
} as const;

export type ConvirtContract = typeof convirtContract;
export type ConvirtService = ServiceOf<ConvirtContract>;
export type ConvirtClient = ClientOf<ConvirtContract>;
export type { Hypervisor, VmState };
export type { CertificateChange, CertificateInfo, TemplatePoolCopy, TemplateView, UrlCheckView };
