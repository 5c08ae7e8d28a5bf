// The KVM (and Xen-through-libxl) driver: libvirt's virsh over the host's SSH connection.
import type { HostFacts, NetworkInfo, StoragePoolInfo } from '../../../shared/domain/host.js';
import type { ClientChannel } from 'ssh2';
import type { GuestInfo, VmState } from '../../../shared/domain/vm.js';
import { validateHostPath, validateVmName } from '../../../shared/validation/names.js';
import { buildCommand } from '../../ssh/shell-quote.js';
import { RemoteCommandError, type RemoteShell } from '../../ssh/ssh-connection.js';
import { diskCommands, type DiskSpec } from '../disk-commands.js';
import { parseRemovedDisks, removeDisksArgv } from '../lvm.js';
import { SavedStates } from '../saved-state.js';
import {
  withPreferredBridge,
  type DefineSteps,
  type DriverKind,
  type HypervisorDriver,
  type HypervisorVmDetails,
  type PolledVm,
  type ProvisioningProfile,
  type ShutdownOptions,
} from '../driver.js';
import { DomainDocument } from './domain-xml.js';
import { parseGuestInfo, parseKvmPoll } from './domstats-parse.js';
import { KvmMigrationEndpoint } from './kvm-migration.js';
import { VirshSession } from './virsh-session.js';
import { parseVirshState } from './virsh.js';
import { parseVncEndpoint, type VncEndpoint } from './vnc-endpoint.js';

/** virsh's answer about a domain it does not have (libvirt 9: the first line; older: both). */
const NO_SUCH_DOMAIN = /failed to get domain|Domain not found/;

const POLL_STATS = ['--state', '--cpu-total', '--balloon', '--vcpu', '--interface', '--block'];
/** The poll as virsh command lines: constants only, safe for a persistent session. */
const POLL_COMMANDS = ['list --all --uuid --name', `domstats ${POLL_STATS.join(' ')}`];

/**
 * Host facts in one remote command. The URI arrives as $1 (a quoted argument), never pasted
 * into the script; names are read line by line so pools with spaces survive.
 */
const HOST_FACTS_SCRIPT = `
uri=$1
echo '@@hostname'; hostname
echo '@@cpumodel'; grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2-
echo '@@nodeinfo'; virsh -q -c "$uri" nodeinfo
echo '@@memstats'; virsh -q -c "$uri" nodememstats
echo '@@version'; virsh -q -c "$uri" version
virsh -q -c "$uri" pool-list --all --name | while IFS= read -r p; do
  p=\${p%"\${p##*[![:space:]]}"}
  [ -n "$p" ] || continue
  echo "@@pool $p"; virsh -q -c "$uri" pool-info --bytes "$p"
  echo '@@poolpath'; virsh -q -c "$uri" pool-dumpxml "$p" | sed -n 's:.*<path>\\(.*\\)</path>.*:\\1:p' | head -n1
done
virsh -q -c "$uri" net-list --all --name | while IFS= read -r n; do
  n=\${n%"\${n##*[![:space:]]}"}
  [ -n "$n" ] || continue
  echo "@@net $n"; virsh -q -c "$uri" net-info "$n"
done
exit 0
`;

function sections(text: string): Array<{ head: string; body: string[] }> {
  const out: Array<{ head: string; body: string[] }> = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('@@')) out.push({ head: line.slice(2), body: [] });
    else out.at(-1)?.body.push(line);
  }
  return out;
}

function keyValues(lines: string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of lines) {
    const m = /^\s*([^:]+?)\s*:\s*(.*)$/.exec(line);
    if (m) map.set(m[1]!.toLowerCase(), m[2]!.trim());
  }
  return map;
}

const firstNumber = (s: string | undefined) => Number(/\d+/.exec(s ?? '')?.[0] ?? NaN);

export function parseKvmHostFacts(text: string): HostFacts {
  const storagePools: StoragePoolInfo[] = [];
  const networks: NetworkInfo[] = [];
  let hostname = '';
  let cpuModel = '';
  let node = new Map<string, string>();
  let mem = new Map<string, string>();
  let version = new Map<string, string>();
  for (const { head, body } of sections(text)) {
    if (head === 'hostname') hostname = body.join('').trim();
    else if (head === 'cpumodel') cpuModel = body.join('').trim();
    else if (head === 'nodeinfo') node = keyValues(body);
    else if (head === 'memstats') mem = keyValues(body);
    else if (head === 'version') version = keyValues(body);
    else if (head.startsWith('pool ')) {
      const info = keyValues(body);
      storagePools.push({
        name: head.slice(5),
        type: 'unknown',
        path: null,
        active: info.get('state') === 'running',
        capacityBytes: info.has('capacity') ? firstNumber(info.get('capacity')) : null,
        availableBytes: info.has('available') ? firstNumber(info.get('available')) : null,
      });
    } else if (head === 'poolpath') {
      const pool = storagePools.at(-1);
      if (pool) pool.path = body.join('').trim() || null;
    } else if (head.startsWith('net ')) {
      const info = keyValues(body);
      networks.push({
        name: head.slice(4),
        bridge: info.get('bridge') ?? null,
        active: info.get('active') === 'yes',
      });
    }
  }
  const running = version.get('running hypervisor') ?? '';
  return {
    hostname,
    hypervisor: 'kvm',
    hypervisorVersion: running || (version.get('using library') ?? ''),
    cpuCount: firstNumber(node.get('cpu(s)')),
    cpuModel: cpuModel || (node.get('cpu model') ?? ''),
    // nodeinfo can miss hot-plugged memory; nodememstats reads /proc/meminfo.
    memoryTotalMiB: Math.round(
      (firstNumber(mem.get('total')) || firstNumber(node.get('memory size'))) / 1024,
    ),
    // nodememstats reports free and reclaimable page cache separately.
    memoryFreeMiB: Math.round(
      ((firstNumber(mem.get('free')) || 0) +
        (firstNumber(mem.get('buffers')) || 0) +
        (firstNumber(mem.get('cached')) || 0)) /
        1024,
    ),
    storagePools,
    networks,
    capabilities: [node.get('cpu model') ?? ''].filter(Boolean),
  };
}

export interface KvmDriverOptions {
  /** libvirt URI on the host; `test:///...` URIs simulate hosts. */
  uri?: string;
  /** Prefix every command with `sudo -n` (non-root logins). */
  sudo?: boolean;
  /** The bridge new VMs join when the request names none (KVM_KIND's otherwise). */
  preferredBridge?: string;
  /** Where `virsh save` writes VMs' saved states (convirt.conf's snapshots_dir). */
  snapshotsDir?: string;
}

/** libvirt offers every optional operation; its hosts have qemu-img and mkfs. */
export const KVM_KIND: DriverKind = {
  hypervisor: 'kvm',
  notSupported: {},
  provisioning: {
    configFormat: 'libvirt-xml',
    disksDir: '/var/lib/libvirt/images',
    imageCache: '/var/lib/libvirt/images/convirt-cache',
    preferredBridge: 'br0',
    imageFormats: ['raw', 'qcow2'],
    emptyDiskFormat: 'qcow2',
    filledDisks: true,
    diskTools: 'qemu-img',
    blockDeviceConfig: (config, devices) => {
      if (devices.length === 0) return config;
      const doc = new DomainDocument(config);
      doc.useBlockDevices(devices);
      return doc.toXml();
    },
  },
};

export class KvmDriver implements HypervisorDriver {
  readonly hypervisor = 'kvm' as const;
  readonly notSupported = KVM_KIND.notSupported;
  readonly provisioning: ProvisioningProfile;
  readonly uri: string;
  private readonly prefix: string[];
  private readonly savedStates: SavedStates;
  private session?: VirshSession;

  constructor(
    private readonly ssh: RemoteShell,
    private readonly options: KvmDriverOptions = {},
  ) {
    this.uri = options.uri ?? 'qemu:///system';
    this.provisioning = withPreferredBridge(KVM_KIND.provisioning, options.preferredBridge);
    this.prefix = options.sudo ? ['sudo', '-n'] : [];
    this.savedStates = new SavedStates(
      ssh,
      this.prefix,
      {
        save: (name, file) => this.virshArgv('save', name, file),
        restore: (file) => this.virshArgv('restore', file),
      },
      options.snapshotsDir,
    );
  }

  migrationEndpoint(): KvmMigrationEndpoint {
    return new KvmMigrationEndpoint(this.ssh, this.prefix, this.uri);
  }

  /** An argv for virsh on this host's URI. */
  virshArgv(...args: string[]): string[] {
    return [...this.prefix, 'virsh', '-q', '-c', this.uri, ...args];
  }

  private virsh(...args: string[]): Promise<string> {
    return this.ssh.run(this.virshArgv(...args));
  }

  /** One virsh process, one libvirt connection: the domain list, then every domain's stats. */
  pollArgv(): string[] {
    return this.virshArgv(POLL_COMMANDS.join(' ; '));
  }

  parsePoll(stdout: string): PolledVm[] {
    return parseKvmPoll(stdout);
  }

  /** The poll's output through a virsh kept open on the host (opened on first use). */
  pollOutput(): Promise<string> {
    this.session ??= new VirshSession(this.ssh, this.virshArgv());
    return this.session.run(POLL_COMMANDS);
  }

  /** The same poll as pollArgv() through that session, parsed. */
  async poll(): Promise<PolledVm[]> {
    return parseKvmPoll(await this.pollOutput());
  }

  dispose(): void {
    this.session?.close();
    this.session = undefined;
  }

  async hostFacts(): Promise<HostFacts> {
    const out = await this.ssh.run([...this.prefix, 'sh', '-c', HOST_FACTS_SCRIPT, 'sh', this.uri]);
    return parseKvmHostFacts(out);
  }

  async start(name: string): Promise<void> {
    await this.virsh('start', validateVmName(name));
  }

  /** Defines (or redefines) a domain from its XML, sent on standard input. */
  async define(xml: string): Promise<void> {
    await this.ssh.run(this.virshArgv('define', '/dev/stdin'), { stdin: xml });
  }

  async undefine(name: string): Promise<void> {
    await this.virsh('undefine', validateVmName(name));
  }

  async state(name: string): Promise<VmState> {
    return parseVirshState(await this.virsh('domstate', validateVmName(name)));
  }

  /**
   * Sends one command to the domain's QEMU guest agent and returns its `return` value.
   * Fails when the agent is not connected or does not answer within `timeoutSeconds`.
   */
  async agentCommand(
    name: string,
    execute: string,
    args?: Record<string, unknown>,
    timeoutSeconds = 5,
  ): Promise<unknown> {
    const request = JSON.stringify(args ? { execute, arguments: args } : { execute });
    const out = await this.virsh(
      'qemu-agent-command',
      validateVmName(name),
      request,
      '--timeout',
      String(timeoutSeconds),
    );
    return (JSON.parse(out) as { return: unknown }).return;
  }

  /** True when the guest agent answers a ping within a second. */
  async agentConnected(name: string): Promise<boolean> {
    return this.agentCommand(name, 'guest-ping', undefined, 1).then(
      () => true,
      () => false,
    );
  }

  /**
   * The domain's serial console on a pseudo-terminal. Input should wait for CONSOLE_READY:
   * virsh discards what is typed before it has attached.
   */
  openConsole(name: string, size?: { cols: number; rows: number }): Promise<ClientChannel> {
    return this.ssh.openPty(this.consoleArgv(name), size);
  }

  async shutdown(name: string, options: ShutdownOptions = {}): Promise<void> {
    validateVmName(name);
    let mode = options.mode ?? 'auto';
    if (mode === 'auto') mode = (await this.agentConnected(name)) ? 'agent' : 'acpi';
    await this.virsh('shutdown', name, '--mode', mode);
  }

  async reboot(name: string): Promise<void> {
    validateVmName(name);
    const mode = (await this.agentConnected(name)) ? 'agent' : 'acpi';
    await this.virsh('reboot', name, '--mode', mode);
  }

  async destroy(name: string): Promise<void> {
    await this.virsh('destroy', validateVmName(name));
  }

  async suspend(name: string): Promise<void> {
    await this.virsh('suspend', validateVmName(name));
  }

  async resume(name: string): Promise<void> {
    await this.virsh('resume', validateVmName(name));
  }

  saveState(name: string): Promise<string> {
    return this.savedStates.save(name);
  }

  restoreState(name: string): Promise<string> {
    return this.savedStates.restore(name);
  }

  /**
   * Whether the domain is defined. A virsh that cannot tell (libvirtd away) is an error, not a
   * no: a clean-up must not report a domain removed that it could not even look for.
   */
  async exists(name: string): Promise<boolean> {
    const argv = this.virshArgv('domid', validateVmName(name));
    const result = await this.ssh.exec(argv);
    if (result.code === 0) return true;
    if (NO_SUCH_DOMAIN.test(result.stderr)) return false;
    throw new RemoteCommandError(buildCommand(argv), result);
  }

  /** The argv of the domain's serial console, for a pseudo-terminal. Not quiet: see CONSOLE_READY. */
  consoleArgv(name: string): string[] {
    return [...this.prefix, 'virsh', '-c', this.uri, 'console', validateVmName(name), '--force'];
  }

  /**
   * A snapshot of disks and memory (internal, in the qcow2 disks). With `quiesce`, the guest
   * agent freezes the guest's filesystems around it, so their content is consistent. (libvirt 9.0,
   * Debian 12's, cannot revert external disk-only snapshots; internal ones it can.)
   */
  async snapshotCreate(
    name: string,
    snapshot: string,
    options: { quiesce?: boolean } = {},
  ): Promise<void> {
    validateVmName(name);
    validateVmName(snapshot);
    if (!options.quiesce) {
      await this.virsh('snapshot-create-as', name, snapshot, '--atomic');
      return;
    }
    if (!(await this.agentConnected(name))) {
      throw new Error(`Cannot quiesce ${name}: its guest agent does not answer.`);
    }
    // Not quiet (-q), so the task log shows how many filesystems were frozen and thawed.
    const loud = (...args: string[]) =>
      this.ssh.run([...this.prefix, 'virsh', '-c', this.uri, ...args]);
    await loud('domfsfreeze', name);
    try {
      await this.virsh(
        'snapshot-create-as',
        name,
        snapshot,
        '--atomic',
        '--description',
        'quiesced',
      );
    } finally {
      await loud('domfsthaw', name);
    }
  }

  async snapshotList(
    name: string,
  ): Promise<Array<{ name: string; createdAt: string; state: string }>> {
    const out = await this.virsh('snapshot-list', validateVmName(name));
    return out
      .split('\n')
      .map((line) => /^\s*(\S+)\s+(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4})\s+(\S+)/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ name: m[1]!, createdAt: m[2]!, state: m[3]! }));
  }

  /** Reverts; a quiesced snapshot brings the guest back frozen, so it is thawed again. */
  async snapshotRevert(name: string, snapshot: string): Promise<void> {
    validateVmName(name);
    validateVmName(snapshot);
    await this.virsh('snapshot-revert', name, snapshot);
    if (await this.agentConnected(name)) {
      const status = await this.agentCommand(name, 'guest-fsfreeze-status');
      if (status === 'frozen') await this.virsh('domfsthaw', name);
    }
  }

  async snapshotDelete(name: string, snapshot: string): Promise<void> {
    await this.virsh('snapshot-delete', validateVmName(name), validateVmName(snapshot));
  }

  /** The domain's persistent definition, for offline edits. */
  async document(name: string): Promise<DomainDocument> {
    return new DomainDocument(await this.virsh('dumpxml', '--inactive', validateVmName(name)));
  }

  private defineDocument(doc: DomainDocument): Promise<void> {
    return this.define(doc.toXml());
  }

  private async isRunning(name: string): Promise<boolean> {
    return (await this.state(name)) !== 'shutoff';
  }

  /** Whether libvirt starts the domain when the host boots (`virsh dominfo`'s Autostart). */
  async autostart(name: string): Promise<boolean> {
    const out = await this.virsh('dominfo', validateVmName(name));
    return /^Autostart:\s*enable/m.test(out);
  }

  async setAutostart(name: string, enabled: boolean): Promise<void> {
    validateVmName(name);
    await this.virsh('autostart', ...(enabled ? [] : ['--disable']), name);
  }

  /** Changes vCPUs in the definition, and live too when the VM runs and can hot-plug. */
  async setVcpus(name: string, count: number): Promise<string> {
    validateVmName(name);
    if (!Number.isInteger(count) || count < 1 || count > 512)
      throw new Error(`Invalid vCPU count ${count}.`);
    await this.virsh('setvcpus', name, String(count), '--maximum', '--config');
    await this.virsh('setvcpus', name, String(count), '--config');
    return this.applyLive(name, ['setvcpus', name, String(count), '--live']);
  }

  /** Changes memory (MiB) in the definition, and live too (balloon) when the VM runs. */
  async setMemory(name: string, mib: number): Promise<string> {
    validateVmName(name);
    if (!Number.isInteger(mib) || mib < 16) throw new Error(`Invalid memory size ${mib} MiB.`);
    const kib = String(mib * 1024);
    await this.virsh('setmaxmem', name, kib, '--config');
    await this.virsh('setmem', name, kib, '--config');
    return this.applyLive(name, ['setmem', name, kib, '--live']);
  }

  private async applyLive(name: string, args: string[]): Promise<string> {
    if (!(await this.isRunning(name))) return 'applies at next start';
    const live = await this.ssh.exec(this.virshArgv(...args));
    return live.code === 0 ? 'applied now' : `applies at next start (${live.stderr.trim()})`;
  }

  /** Puts an ISO in the VM's CD-ROM drive (adding a drive if it has none), or ejects it. */
  async setIso(name: string, isoPath: string | null): Promise<void> {
    validateVmName(name);
    if (isoPath !== null) validateHostPath(isoPath);
    const cdrom = (await this.document(name)).disks().find((d) => d.device === 'cdrom');
    const scope = (await this.isRunning(name)) ? ['--config', '--live'] : ['--config'];
    if (cdrom) {
      const media = isoPath === null ? ['--eject'] : [isoPath, '--insert'];
      await this.virsh('change-media', name, cdrom.target, ...media, ...scope);
    } else if (isoPath !== null) {
      // A SATA CD-ROM cannot be hot-plugged: it is added to the definition.
      await this.virsh(
        'attach-disk',
        name,
        isoPath,
        'sdz',
        '--type',
        'cdrom',
        '--targetbus',
        'sata',
        '--mode',
        'readonly',
        '--config',
      );
    }
  }

  /** Adds the QEMU guest agent channel to an existing VM's definition (offline edit). */
  async addGuestAgentChannel(name: string): Promise<boolean> {
    const doc = await this.document(name);
    if (!doc.addGuestAgentChannel()) return false;
    await this.defineDocument(doc);
    return true;
  }

  /**
   * Disk files that other VMs on this host use, directly or as a backing file, keyed by path.
   * One remote command lists every domain's disks; qemu-img follows their backing chains.
   */
  async disksInUse(except: string): Promise<Set<string>> {
    const script = `
uri=$1; skip=$2
virsh -q -c "$uri" list --all --name | while IFS= read -r d; do
  [ -n "$d" ] && [ "$d" != "$skip" ] || continue
  virsh -q -c "$uri" domblklist "$d" --details | awk '$1 == "file" && $4 != "-" {print $4}' |
  while IFS= read -r f; do
    echo "@@disk $f"
    qemu-img info -U --backing-chain --output=json "$f" 2>/dev/null | tr -d '\\n'
    echo
  done
done
exit 0`;
    const out = await this.ssh.run([
      ...this.prefix,
      'sh',
      '-c',
      script,
      'sh',
      this.uri,
      validateVmName(except),
    ]);
    const used = new Set<string>();
    for (const line of out.split('\n')) {
      if (line.startsWith('@@disk ')) used.add(line.slice(7));
      else if (line.startsWith('[')) {
        const chain = JSON.parse(line) as Array<{
          filename?: string;
          'full-backing-filename'?: string;
        }>;
        for (const image of chain) {
          if (image.filename) used.add(image.filename);
          if (image['full-backing-filename']) used.add(image['full-backing-filename']);
        }
      }
    }
    return used;
  }

  /**
   * Deletes a stopped VM. With `removeDisks`, also its disk files and the logical volumes ConVirt
   * made for it, except those another VM still needs (directly or as a backing file): those, and
   * any other block device, are kept and reported.
   */
  async deleteVm(
    name: string,
    options: { removeDisks?: boolean } = {},
  ): Promise<{ removed: string[]; kept: string[] }> {
    validateVmName(name);
    if (await this.isRunning(name))
      throw new Error(`${name} is running: stop it before deleting it.`);
    const disks = (await this.document(name))
      .disks()
      .filter((d) => d.device === 'disk' && d.source);
    const inUse = options.removeDisks ? await this.disksInUse(name) : new Set<string>();
    await this.virsh('undefine', name, '--snapshots-metadata', '--nvram');
    if (!options.removeDisks) return { removed: [], kept: [] };
    const sources = disks.map((d) => d.source!);
    const kept = sources.filter((s) => inUse.has(s));
    const candidates = sources.filter((s) => !inUse.has(s)).map((s) => validateHostPath(s));
    if (candidates.length === 0) return { removed: [], kept };
    // Files, and the logical volumes ConVirt made for this VM; other block devices are kept.
    const out = await this.ssh.run([...this.prefix, ...removeDisksArgv(name, candidates)]);
    const result = parseRemovedDisks(out);
    return { removed: result.removed, kept: [...kept, ...result.kept] };
  }

  /**
   * Clones a stopped VM: each disk as a qcow2 overlay on the original (instant; the original
   * becomes its backing file) or as a full copy. New name, UUID and MAC addresses.
   */
  async clone(name: string, newName: string, mode: 'overlay' | 'full'): Promise<string[]> {
    validateVmName(name);
    validateVmName(newName);
    if (await this.isRunning(name))
      throw new Error(`${name} is running: stop it before cloning it.`);
    const doc = await this.document(name);
    // A clone's disk is made beside the original's: a logical volume has no folder to hold a
    // file, and a new volume would need a size and a volume group the clone does not ask for.
    const blockDisks = doc.disks().filter((d) => d.device === 'disk' && d.block && d.source);
    if (blockDisks.length)
      throw new Error(
        `${name} has disks on block devices (${blockDisks.map((d) => `${d.target}: ${d.source}`).join(', ')}): ConVirt clones VMs with file disks only.`,
      );
    const created: string[] = [];
    try {
      for (const disk of doc.disks()) {
        if (disk.device !== 'disk' || !disk.source) continue;
        const dir = disk.source.slice(0, disk.source.lastIndexOf('/')) || '/';
        const target = validateHostPath(`${dir}/${newName}-${disk.target}.qcow2`);
        const spec: DiskSpec =
          mode === 'overlay'
            ? { kind: 'overlay', path: target, base: disk.source, baseFormat: disk.format ?? 'raw' }
            : { kind: 'convert', path: target, source: disk.source };
        for (const argv of this.diskCommands(spec)) await this.ssh.run([...this.prefix, ...argv]);
        created.push(target);
        doc.setDiskSource(disk.target, target);
      }
      doc.name = newName;
      doc.removeUuid();
      doc.removeMacAddresses();
      await this.defineDocument(doc);
      return created;
    } catch (err) {
      for (const file of created) await this.ssh.exec([...this.prefix, 'rm', '-f', '--', file]);
      throw err;
    }
  }

  /** Sets a guest user's password through the guest agent. */
  async setUserPassword(name: string, user: string, password: string): Promise<void> {
    validateVmName(name);
    if (!/^[a-z_][a-z0-9_-]{0,31}$/i.test(user))
      throw new Error(`Invalid user name ${JSON.stringify(user)}.`);
    const request = JSON.stringify({
      execute: 'guest-set-user-password',
      arguments: {
        username: user,
        password: Buffer.from(password).toString('base64'),
        crypted: false,
      },
    });
    // The request goes to virsh's own command reader on standard input, so the password never
    // appears in the host's process list. It needs no escaping inside virsh's single quotes: the
    // name and user are validated and the password is base64.
    const { stderr } = await this.ssh.exec(this.virshArgv(), {
      stdin: `qemu-agent-command ${name} '${request}'\n`,
    });
    // virsh reading commands from stdin exits 0 even when a command fails: its error says.
    const error = /^error: .*$/m.exec(stderr);
    if (error) throw new Error(`Setting the password of ${user} failed: ${stderr.trim()}`);
  }

  async guestInfo(name: string): Promise<GuestInfo | null> {
    const result = await this.ssh.exec(
      this.virshArgv('guestinfo', validateVmName(name), '--os', '--interface', '--hostname'),
    );
    return result.code === 0 ? parseGuestInfo(result.stdout) : null;
  }

  async vmDetails(name: string): Promise<HypervisorVmDetails> {
    const [doc, autostart, snapshots, savedState] = await Promise.all([
      this.document(name),
      this.autostart(name),
      this.snapshotList(name),
      this.savedStates.existing(name),
    ]);
    return {
      autostart,
      isoPath: doc.disks().find((disk) => disk.device === 'cdrom')?.source ?? null,
      hasGuestAgentChannel: doc.hasGuestAgentChannel(),
      hasGraphics: doc.hasGraphics(),
      snapshots,
      hypervisor: 'kvm',
      notSupported: this.notSupported,
      configFile: null,
      savedState,
    };
  }

  async setResources(
    name: string,
    change: { vcpus?: number; memoryMiB?: number },
  ): Promise<string[]> {
    const done: string[] = [];
    if (change.vcpus !== undefined)
      done.push(`vCPUs ${change.vcpus}: ${await this.setVcpus(name, change.vcpus)}`);
    if (change.memoryMiB !== undefined)
      done.push(`memory ${change.memoryMiB} MiB: ${await this.setMemory(name, change.memoryMiB)}`);
    return done;
  }

  diskCommands(spec: DiskSpec): string[][] {
    return diskCommands(spec, this.provisioning.diskTools);
  }

  /** Defines the domain from its XML, adding the guest agent channel when it lacks one. */
  async defineNew(name: string, config: string, steps: DefineSteps): Promise<void> {
    const doc = new DomainDocument(config);
    if (doc.name !== name)
      throw new Error(`The domain XML must name the VM ${name} (it names ${doc.name}).`);
    if (doc.addGuestAgentChannel())
      steps.log('Added the QEMU guest agent channel the template lacked.');
    const cleanup = new KvmDriver(steps.cleanupShell, this.options);
    // Registered first: a cancel may land while virsh is defining it.
    steps.undo(`domain ${name}`, async () => {
      if (!(await cleanup.exists(name))) return;
      if ((await cleanup.state(name)) !== 'shutoff') await cleanup.destroy(name);
      await cleanup.undefine(name);
    });
    await this.define(doc.toXml());
  }

  /** The running domain's VNC display, from its live XML; `subject` names it in errors. */
  async graphicalConsole(name: string, subject = name): Promise<VncEndpoint> {
    return parseVncEndpoint(await this.virsh('dumpxml', validateVmName(name)), subject);
  }
}
