// What moving a VM between two hosts needs of each host's hypervisor. The migration task
// (app/main/migration/) decides and orders; an endpoint only turns each step into commands on
// its own host and parses what comes back.
import type { VmState } from '../../shared/domain/vm.js';
import { validateHostPath } from '../../shared/validation/names.js';
import type { RemoteShell } from '../ssh/ssh-connection.js';

export interface MigratingDisk {
  /** The guest's device name (vda). */
  target: string;
  path: string;
  format: string;
  virtualBytes: number;
  /** What the file takes on its filesystem now. */
  allocatedBytes: number;
  /** The image it is an overlay of, when it is one. */
  backingFile: string | null;
  /** A block device (a logical volume), not a file: migration moves file disks only. */
  block: boolean;
}

/** A copied disk's path, checked; a block device is refused (nothing is written into /dev). */
export function fileDiskPath(disk: MigratingDisk): string {
  if (disk.block)
    throw new Error(
      `Disk ${disk.target} is on a block device (${disk.path}): ConVirt moves file disks only.`,
    );
  return validateHostPath(disk.path);
}

/** A VM as migration sees it. */
export interface MigratingVm {
  name: string;
  state: VmState;
  memoryMiB: number;
  /** libvirt networks and host bridges its interfaces join. */
  networks: string[];
  bridges: string[];
  disks: MigratingDisk[];
  /** The CPU it runs with (libvirt's <cpu> element), or null when it names none. */
  cpuXml: string | null;
  /** How the hypervisor runs it (libvirt's domain type: kvm, or qemu for emulation). */
  virtType: string;
  /** Its persistent definition, to define it on another host. */
  definition: string;
}

/** One reading of a running migration job (`virsh domjobinfo`). */
export interface MigrationJob {
  elapsedMs: number | null;
  dataProcessedBytes: number | null;
  dataRemainingBytes: number | null;
  dataTotalBytes: number | null;
  bytesPerSecond: number | null;
  expectedDowntimeMs: number | null;
}

/** What the hypervisor reports of a finished migration (`virsh domjobinfo --completed`). */
export interface CompletedMigration {
  elapsedMs: number | null;
  downtimeMs: number | null;
  dataProcessedBytes: number | null;
}

export interface LiveMigrationOptions {
  /** The hypervisor's URI for the target, as the source host reaches it. */
  targetUri: string;
  /** The target's address for the VM's memory (and disk) stream, as the source reaches it. */
  targetAddress: string;
  /** Copy every disk to the target (images pre-created there) instead of sharing them. */
  copyStorage: boolean;
  /** Disks are on storage both hosts see, which libvirt cannot tell from a local folder. */
  sharedStorageVerified: boolean;
  /** Caps the stream, in MiB/s (none when undefined). */
  bandwidthMiBs?: number;
}

/** How a hypervisor's live migration travels; the checks and the task follow it. */
export interface LiveMigrationTraits {
  /**
   * The VM's memory goes straight from the source to the target's address (so the source must
   * reach it); otherwise the whole migration goes through ConVirt's relay.
   */
  direct: boolean;
  /** Disks can be copied to the target while the VM runs. */
  copiesStorage: boolean;
  /** The migration moves the VM's definition too; otherwise ConVirt moves it afterwards. */
  movesDefinition: boolean;
  /** What carries the control connection on the target (controlRelayArgv), in words. */
  relayProgram: string;
  /** Why ConVirt refuses to migrate this hypervisor's running VMs, when it does. */
  refused?: string;
}

export interface MigrationEndpoint {
  readonly live: LiveMigrationTraits;
  vm(name: string): Promise<MigratingVm>;
  /** The hypervisor's own identity of this host (two hosts with the same one cannot migrate). */
  hostUuid(): Promise<string>;
  /** Active libvirt networks and the host's bridges. */
  networksAndBridges(): Promise<{ networks: string[]; bridges: string[] }>;
  /** Whether a VM with this CPU can run here (libvirt's comparison), and its verdict in words. */
  compareCpu(cpuXml: string, virtType: string): Promise<{ compatible: boolean; verdict: string }>;
  /** Free bytes on the filesystem that holds `path` (or its nearest existing parent folder). */
  freeBytes(path: string): Promise<number>;
  /** Which of these files exist on this host. */
  existingFiles(paths: readonly string[]): Promise<string[]>;
  /** Writes an empty file (a marker that tells whether another host sees the same folder). */
  touch(path: string): Promise<void>;
  removeFiles(paths: readonly string[]): Promise<void>;
  /** An empty image of this format and size, where a copied disk will be written. */
  createImage(disk: MigratingDisk): Promise<void>;
  /** SHA-256 of a file, to verify a copy. */
  checksum(path: string): Promise<string>;
  /** The argv that writes a file's bytes to standard output, and the one that writes stdin to it. */
  readFileArgv(path: string): string[];
  writeFileArgv(path: string): string[];
  define(definition: string): Promise<void>;
  undefine(name: string): Promise<void>;
  exists(name: string): Promise<boolean>;
  state(name: string): Promise<VmState>;
  /** The argv, run on this (source) host, that live-migrates the VM. */
  liveMigrateArgv(name: string, options: LiveMigrationOptions): string[];
  /** The running job now, or null when there is none. */
  jobInfo(name: string): Promise<MigrationJob | null>;
  completedJob(name: string): Promise<CompletedMigration | null>;
  /** Aborts the VM's running job; the VM keeps running here. */
  abortJob(name: string): Promise<void>;
  /**
   * On the target: the argv that connects its standard input and output to the hypervisor's
   * local socket, so the source's control connection can be carried over ConVirt's SSH sessions.
   */
  controlRelayArgv(): string[];
  /** Where the program of controlRelayArgv() is on this host, or null when it lacks it. */
  controlRelayPath(): Promise<string | null>;
  /** The URI, used on the source, that reaches this (target) host's hypervisor by running `command` there. */
  relayedUri(command: string): string;
}

/** The host's bridges, one a line. */
const BRIDGES_SCRIPT = `for d in /sys/class/net/*/bridge; do [ -d "$d" ] && basename "$(dirname "$d")"; done; exit 0`;
/** df of the nearest existing folder of $1: a target folder may not exist yet. */
const FREE_BYTES_SCRIPT = `d=$1; while [ ! -d "$d" ]; do d=$(dirname "$d"); done; df -P -B1 "$d" | awk 'NR==2 {print $4}'`;
const EXISTING_SCRIPT = `for f; do [ -e "$f" ] && printf '%s\\n' "$f"; done; exit 0`;
/**
 * Removes files, never a block device (nor a link to one): a logical volume's /dev/VG/LV is a
 * link whose removal would orphan the volume.
 */
export const REMOVE_FILES_SCRIPT = `s=0; for f; do [ -b "$f" ] || rm -f -- "$f" || s=1; done; exit $s`;
/** Writes stdin to $1, making its folder first. */
const WRITE_FILE_SCRIPT = `mkdir -p "$(dirname "$1")" && cat > "$1"`;

/** The parts of an endpoint that are plain files and bridges on the host, whatever its hypervisor. */
export abstract class HostFilesEndpoint {
  constructor(
    protected readonly ssh: RemoteShell,
    protected readonly prefix: readonly string[],
  ) {}

  protected sh(script: string, ...args: string[]): Promise<string> {
    return this.ssh.run([...this.prefix, 'sh', '-c', script, 'sh', ...args]);
  }

  protected async bridges(): Promise<string[]> {
    return (await this.sh(BRIDGES_SCRIPT))
      .split('\n')
      .map((s) => s.trim())
      .filter(Boolean);
  }

  async freeBytes(path: string): Promise<number> {
    return Number((await this.sh(FREE_BYTES_SCRIPT, validateHostPath(path))).trim());
  }

  async existingFiles(paths: readonly string[]): Promise<string[]> {
    if (paths.length === 0) return [];
    const out = await this.sh(EXISTING_SCRIPT, ...paths.map(validateHostPath));
    return out.split('\n').filter(Boolean);
  }

  async touch(path: string): Promise<void> {
    await this.ssh.run([...this.prefix, 'touch', '--', validateHostPath(path)]);
  }

  async removeFiles(paths: readonly string[]): Promise<void> {
    if (paths.length === 0) return;
    await this.sh(REMOVE_FILES_SCRIPT, ...paths.map(validateHostPath));
  }

  async checksum(path: string): Promise<string> {
    const out = await this.ssh.run([...this.prefix, 'sha256sum', '--', validateHostPath(path)]);
    return out.split(' ')[0]!;
  }

  readFileArgv(path: string): string[] {
    return [...this.prefix, 'cat', '--', validateHostPath(path)];
  }

  writeFileArgv(path: string): string[] {
    return [...this.prefix, 'sh', '-c', WRITE_FILE_SCRIPT, 'sh', validateHostPath(path)];
  }
}

const UNITS: Record<string, number> = {
  b: 1,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** `12.500 MiB` or `87.3 MiB/s` to bytes (per second); null when absent or unreadable. */
export function parseBytes(text: string | undefined): number | null {
  const m = /^([\d.]+)\s*([KMGT]i?B|B)/i.exec(text?.trim() ?? '');
  if (!m) return null;
  const unit = UNITS[m[2]!.toLowerCase().replace(/^([kmgt])b$/, '$1ib')];
  return unit === undefined ? null : Math.round(Number(m[1]) * unit);
}

/** `1234 ms` to milliseconds; null when absent. */
export function parseMs(text: string | undefined): number | null {
  const m = /^(\d+)\s*ms/.exec(text?.trim() ?? '');
  return m ? Number(m[1]) : null;
}

/** domjobinfo's `Key: value` lines by lower-case key; null when it reports no job. */
function jobFields(text: string): Map<string, string> | null {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([^:]+):\s*(.*)$/.exec(line.trim());
    if (m) fields.set(m[1]!.trim().toLowerCase(), m[2]!.trim());
  }
  const type = fields.get('job type')?.toLowerCase();
  return !type || type === 'none' ? null : fields;
}

/** `virsh domjobinfo` output to a job reading; null when no job runs. */
export function parseJobInfo(text: string): MigrationJob | null {
  const fields = jobFields(text);
  if (!fields) return null;
  return {
    elapsedMs: parseMs(fields.get('time elapsed')),
    dataProcessedBytes: parseBytes(fields.get('data processed')),
    dataRemainingBytes: parseBytes(fields.get('data remaining')),
    dataTotalBytes: parseBytes(fields.get('data total')),
    bytesPerSecond: parseBytes(fields.get('memory bandwidth')),
    expectedDowntimeMs: parseMs(fields.get('expected downtime')),
  };
}

/** `virsh domjobinfo --completed` output; null when there is no completed job. */
export function parseCompletedJob(text: string): CompletedMigration | null {
  const fields = jobFields(text);
  if (!fields) return null;
  return {
    elapsedMs: parseMs(fields.get('time elapsed')),
    downtimeMs: parseMs(fields.get('total downtime')),
    dataProcessedBytes: parseBytes(fields.get('data processed')),
  };
}
