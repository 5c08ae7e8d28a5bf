// The KVM (and Xen-through-libxl) driver: libvirt's virsh over the host's SSH connection.
import type { HostFacts, NetworkInfo, StoragePoolInfo } from '../../../shared/domain/host.js';
import type { GuestInfo } from '../../../shared/domain/vm.js';
import { validateVmName } from '../../../shared/validation/names.js';
import type { RemoteShell } from '../../ssh/ssh-connection.js';
import type { HypervisorDriver, PolledVm, ShutdownOptions } from '../driver.js';
import { parseGuestInfo, parseKvmPoll } from './domstats-parse.js';
import { VirshSession } from './virsh-session.js';

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
}

export class KvmDriver implements HypervisorDriver {
  readonly hypervisor = 'kvm' as const;
  readonly uri: string;
  private readonly prefix: string[];
  private session?: VirshSession;

  constructor(
    private readonly ssh: RemoteShell,
    options: KvmDriverOptions = {},
  ) {
    this.uri = options.uri ?? 'qemu:///system';
    this.prefix = options.sudo ? ['sudo', '-n'] : [];
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

  /** The same poll through a virsh kept open on the host (opened on first use). */
  async poll(): Promise<PolledVm[]> {
    this.session ??= new VirshSession(this.ssh, this.virshArgv());
    return parseKvmPoll(await this.session.run(POLL_COMMANDS));
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

  /** True when the guest agent answers a ping within a second. */
  async agentConnected(name: string): Promise<boolean> {
    const request = JSON.stringify({ execute: 'guest-ping' });
    const result = await this.ssh.exec(
      this.virshArgv('qemu-agent-command', validateVmName(name), request, '--timeout', '1'),
    );
    return result.code === 0;
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

  async exists(name: string): Promise<boolean> {
    return (await this.ssh.exec(this.virshArgv('domid', validateVmName(name)))).code === 0;
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
      const status = await this.ssh.exec(
        this.virshArgv('qemu-agent-command', name, '{"execute":"guest-fsfreeze-status"}'),
      );
      if (status.stdout.includes('frozen')) await this.virsh('domfsthaw', name);
    }
  }

  async snapshotDelete(name: string, snapshot: string): Promise<void> {
    await this.virsh('snapshot-delete', validateVmName(name), validateVmName(snapshot));
  }

  async guestInfo(name: string): Promise<GuestInfo | null> {
    const result = await this.ssh.exec(
      this.virshArgv('guestinfo', validateVmName(name), '--os', '--interface', '--hostname'),
    );
    return result.code === 0 ? parseGuestInfo(result.stdout) : null;
  }
}
