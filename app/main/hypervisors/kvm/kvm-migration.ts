// libvirt's side of migration: virsh and qemu-img on one host, over its SSH connection.
import type { VmState } from '../../../shared/domain/vm.js';
import { validateHostPath, validateVmName } from '../../../shared/validation/names.js';
import type { RemoteShell } from '../../ssh/ssh-connection.js';
import {
  HostFilesEndpoint,
  parseCompletedJob,
  parseJobInfo,
  type CompletedMigration,
  type LiveMigrationOptions,
  fileDiskPath,
  type MigratingDisk,
  type MigratingVm,
  type MigrationEndpoint,
  type MigrationJob,
} from '../migration-endpoint.js';
import { DomainDocument } from './domain-xml.js';
import { parseVirshState } from './virsh.js';

/** Each disk's qemu-img facts, one JSON document a line, in the order given. */
const DISK_INFO_SCRIPT = `for f; do qemu-img info -U --output=json "$f" | tr -d '\\n'; echo; done`;

interface QemuImgInfo {
  'virtual-size'?: number;
  'actual-size'?: number;
  format?: string;
  'full-backing-filename'?: string;
  'backing-filename'?: string;
}

/** The first match's group of a libvirt XML document (libvirt writes it in one canonical form). */
function xmlValue(xml: string, pattern: RegExp): string | undefined {
  return pattern.exec(xml)?.[1];
}

const CPU_ELEMENT = /<cpu[\s>][\s\S]*?<\/cpu>/;

const KIB_PER: Record<string, number> = {
  kib: 1,
  k: 1,
  mib: 1024,
  m: 1024,
  gib: 1024 ** 2,
  g: 1024 ** 2,
};

export class KvmMigrationEndpoint extends HostFilesEndpoint implements MigrationEndpoint {
  readonly live = {
    direct: true,
    copiesStorage: true,
    movesDefinition: true,
    relayProgram: "libvirt's virt-ssh-helper (libvirt 6.9 or later)",
  };

  constructor(
    ssh: RemoteShell,
    prefix: readonly string[],
    private readonly uri: string,
  ) {
    super(ssh, prefix);
  }

  private virshArgv(...args: string[]): string[] {
    return [...this.prefix, 'virsh', '-q', '-c', this.uri, ...args];
  }

  private virsh(...args: string[]): Promise<string> {
    return this.ssh.run(this.virshArgv(...args));
  }

  async vm(name: string): Promise<MigratingVm> {
    validateVmName(name);
    // Asked at once: on a batching shell (the migration checks) they are one remote command.
    // The live definition carries the CPU the VM really runs with.
    const [state, live, definition] = await Promise.all([
      this.state(name),
      this.virsh('dumpxml', name),
      this.virsh('dumpxml', '--inactive', '--migratable', name),
    ]);
    const disks = new DomainDocument(definition)
      .disks()
      .filter((d) => d.device === 'disk' && d.source !== null);
    // Block devices (logical volumes) are listed, marked, for the checks to refuse; only files
    // are read with qemu-img.
    const files = disks.filter((d) => !d.block).map((d) => d.source!);
    const infos = files.length
      ? (await this.sh(DISK_INFO_SCRIPT, ...files))
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as QemuImgInfo)
      : [];
    const migrating: MigratingDisk[] = disks.map((d) => {
      const info = d.block ? undefined : infos[files.indexOf(d.source!)];
      return {
        target: d.target,
        path: d.source!,
        format: info?.format ?? d.format ?? 'raw',
        virtualBytes: info?.['virtual-size'] ?? 0,
        allocatedBytes: info?.['actual-size'] ?? 0,
        backingFile: info?.['full-backing-filename'] ?? info?.['backing-filename'] ?? null,
        block: d.block,
      };
    });
    const memory = /<memory unit='(\w+)'>(\d+)<\/memory>/.exec(definition);
    const memoryKiB = memory ? Number(memory[2]) * (KIB_PER[memory[1]!.toLowerCase()] ?? 1) : 0;
    const sources = (kind: 'network' | 'bridge') =>
      [...definition.matchAll(new RegExp(`<source ${kind}='([^']+)'`, 'g'))].map((m) => m[1]!);
    return {
      name,
      state,
      memoryMiB: Math.round(memoryKiB / 1024),
      networks: [...new Set(sources('network'))],
      bridges: [...new Set(sources('bridge'))],
      disks: migrating,
      // A VM configured with no CPU runs QEMU's default model, the same on every host; the
      // expansion libvirt writes into its live definition is not a requirement to compare.
      cpuXml: CPU_ELEMENT.test(definition) ? (CPU_ELEMENT.exec(live)?.[0] ?? null) : null,
      virtType: xmlValue(live, /<domain type='(\w+)'/) ?? 'kvm',
      definition,
    };
  }

  async hostUuid(): Promise<string> {
    // `virsh sysinfo` needs SMBIOS data that virtual machines may lack; capabilities always has it.
    return xmlValue(await this.virsh('capabilities'), /<uuid>([^<]+)<\/uuid>/) ?? '';
  }

  async networksAndBridges(): Promise<{ networks: string[]; bridges: string[] }> {
    const [networks, bridges] = await Promise.all([
      this.virsh('net-list', '--name'),
      this.bridges(),
    ]);
    return {
      networks: networks
        .split('\n')
        .map((s) => s.trim())
        .filter(Boolean),
      bridges,
    };
  }

  async compareCpu(
    cpuXml: string,
    virtType: string,
  ): Promise<{ compatible: boolean; verdict: string }> {
    const result = await this.ssh.exec(
      this.virshArgv('hypervisor-cpu-compare', '--virttype', virtType, '/dev/stdin'),
      { stdin: cpuXml },
    );
    const verdict = (result.stdout || result.stderr).trim().replace(/^error: /, '');
    return { compatible: result.code === 0 && !/incompatible/i.test(verdict), verdict };
  }

  async createImage(disk: MigratingDisk): Promise<void> {
    const path = fileDiskPath(disk);
    await this.sh(`mkdir -p "$(dirname "$1")"`, path);
    await this.ssh.run([
      ...this.prefix,
      'qemu-img',
      'create',
      '-q',
      '-f',
      disk.format === 'qcow2' ? 'qcow2' : 'raw',
      path,
      String(disk.virtualBytes),
    ]);
  }

  async define(definition: string): Promise<void> {
    await this.ssh.run(this.virshArgv('define', '/dev/stdin'), { stdin: definition });
  }

  async undefine(name: string): Promise<void> {
    await this.virsh('undefine', validateVmName(name), '--nvram');
  }

  async exists(name: string): Promise<boolean> {
    return (await this.ssh.exec(this.virshArgv('domid', validateVmName(name)))).code === 0;
  }

  async state(name: string): Promise<VmState> {
    return parseVirshState(await this.virsh('domstate', validateVmName(name)));
  }

  liveMigrateArgv(name: string, options: LiveMigrationOptions): string[] {
    const address = options.targetAddress;
    // QEMU's stream address must be the target's (not its hostname, which the source may not
    // resolve); a bare IPv6 address needs brackets in a URI.
    const uriHost = address.includes(':') ? `[${address}]` : address;
    return this.virshArgv(
      'migrate',
      '--live',
      '--persistent',
      '--undefinesource',
      ...(options.copyStorage ? ['--copy-storage-all'] : []),
      // libvirt knows NFS and cluster filesystems as shared, not every folder both hosts see;
      // ConVirt has checked the disks' folders are the same on both (see migration-checks.ts).
      ...(!options.copyStorage && options.sharedStorageVerified ? ['--unsafe'] : []),
      ...(options.bandwidthMiBs ? ['--bandwidth', String(options.bandwidthMiBs)] : []),
      validateVmName(name),
      options.targetUri,
      '--migrateuri',
      `tcp://${uriHost}`,
      '--listen-address',
      address,
    );
  }

  async jobInfo(name: string): Promise<MigrationJob | null> {
    const result = await this.ssh.exec(this.virshArgv('domjobinfo', validateVmName(name)));
    return result.code === 0 ? parseJobInfo(result.stdout) : null;
  }

  async completedJob(name: string): Promise<CompletedMigration | null> {
    // Kept for whoever reads them next (the operator, a benchmark): reading clears them otherwise.
    const result = await this.ssh.exec(
      this.virshArgv('domjobinfo', validateVmName(name), '--completed', '--keep-completed'),
    );
    return result.code === 0 ? parseCompletedJob(result.stdout) : null;
  }

  async abortJob(name: string): Promise<void> {
    await this.ssh.exec(this.virshArgv('domjobabort', validateVmName(name)));
  }

  controlRelayArgv(): string[] {
    // libvirt's own helper: what `qemu+ssh://` runs on the far side with proxy=native.
    return [...this.prefix, 'virt-ssh-helper', this.uri];
  }

  async controlRelayPath(): Promise<string | null> {
    const found = await this.ssh.exec(['sh', '-c', 'command -v virt-ssh-helper']);
    return found.code === 0 ? found.stdout.trim() : null;
  }

  relayedUri(command: string): string {
    const path = /^[a-z0-9+]+:\/\/[^/]*(\/[^?]*)/i.exec(this.uri)?.[1] ?? '/system';
    return `qemu+ext://${path}?command=${validateHostPath(command)}`;
  }
}
