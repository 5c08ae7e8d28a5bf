// Xen's side of migration: `xl migrate` between dom0s, over the host's SSH connection. The
// dom0s need not reach each other: xl runs its migration transport through sh (`-s ''`), and
// that transport is ConVirt's relay (app/main/migration/host-streams.ts), whose far end is
// `xl migrate-receive` on the target. The stream carries the domain's memory and its libxl
// configuration, not its disks, nor the config file ConVirt starts it from: ConVirt moves that
// file once the domain runs on the target.
import type { VmState } from '../../../shared/domain/vm.js';
import {
  InvalidInputError,
  validateHostPath,
  validateVmName,
} from '../../../shared/validation/names.js';
import { quoteArg } from '../../ssh/shell-quote.js';
import type { RemoteShell } from '../../ssh/ssh-connection.js';
import {
  HostFilesEndpoint,
  type CompletedMigration,
  type LiveMigrationOptions,
  type LiveMigrationTraits,
  fileDiskPath,
  type MigratingDisk,
  type MigratingVm,
  type MigrationEndpoint,
  type MigrationJob,
} from '../migration-endpoint.js';
import type { XlDriver } from './xl-driver.js';

export const XL_LIVE_MIGRATION: LiveMigrationTraits = {
  direct: false,
  copiesStorage: false,
  movesDefinition: false,
  relayProgram: 'xl (migrate-receive)',
  // What follows in this file for a live move is ready, and its transport through ConVirt
  // carried xl's preamble on the test bed; the move itself could not be run there.
  refused:
    "ConVirt does not migrate running Xen VMs yet: xl migrate needs Xen's log-dirty tracking, which the test bed's emulated Xen cannot give (Debian's Xen 4.17 build has no shadow paging, which PV guests' log-dirty mode needs: \"Failed to enable logdirty\"), so it is untested. Shut the VM down and migrate it offline.",
};

/**
 * Where a running migration of domain NAME keeps, on the source, xl's messages (`.log`) and
 * the PID of its transport (`.transport`). /run is root's: xl needs root anyway.
 */
const stateBase = (name: string) => `/run/convirt-xl-migrate.${name}`;

/**
 * Runs `xl migrate` ($2 the domain, $3 the transport command) with its messages in $1.log,
 * then prints them on stderr, for the task's log. xl prints no progress figures while it sends.
 */
export const XL_MIGRATE_SCRIPT = `
s=$1
rm -f -- "$s.log" "$s.transport"
xl migrate -s '' "$2" "$3" 2>"$s.log"
rc=$?
cat "$s.log" >&2
rm -f -- "$s.log" "$s.transport"
exit $rc
`;

/** What the transport has read of xl's stream so far (its `rchar`), in bytes; nothing when none runs. */
export const XL_MIGRATE_PROGRESS_SCRIPT = `
t=$(cat "$1.transport" 2>/dev/null) || exit 0
sed -n 's/^rchar: //p' "/proc/$t/io" 2>/dev/null
exit 0
`;

/**
 * Cancels by ending the transport: xl then fails to send, resumes the domain and exits
 * ("Migration failed, resuming at sender"). Once the target has acknowledged the transfer, xl
 * renames the domain away and tells the target to start it; ending the transport then would
 * leave the domain in an undefined state, so a cancel that late is refused.
 */
export const XL_MIGRATE_ABORT_SCRIPT = `
s=$1
if grep -q 'Target has acknowledged transfer' "$s.log" 2>/dev/null; then
  echo 'too late to cancel: the target has the whole domain' >&2
  exit 1
fi
t=$(cat "$s.transport" 2>/dev/null) || { echo 'no migration transport runs' >&2; exit 1; }
kill "$t"
`;

/** Each file's size and allocated bytes (`SIZE BLOCKS BLOCKSIZE`), one a line, in the order given. */
/** Each disk's size and allocation (`SIZE BLOCKS BLOCKSIZE`), or `block` for a block device. */
export const DISK_SIZES_SCRIPT = `for f; do if [ -b "$f" ]; then echo block; else stat -L -c '%s %b %B' -- "$f"; fi; done`;

type JsonObject = Record<string, unknown>;
const asObject = (v: unknown): JsonObject | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : undefined;
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? (v as unknown[]) : []);
const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** What migration needs of one libxl domain configuration (`xl list -l`'s or `xl create -n`'s). */
export interface XlMigratingConfig {
  type: string;
  memoryMiB: number;
  bridges: string[];
  disks: Array<{ target: string; path: string; format: string }>;
}

export function parseMigratingConfig(config: unknown): XlMigratingConfig {
  const root = asObject(config);
  const bInfo = asObject(root?.b_info);
  const targetKib = bInfo?.target_memkb;
  const bridges = asArray(root?.nics)
    .map((n) => text(asObject(n)?.bridge))
    .filter((b): b is string => b !== null);
  return {
    type: text(asObject(root?.c_info)?.type) ?? 'pv',
    memoryMiB:
      typeof targetKib === 'number' && Number.isSafeInteger(targetKib)
        ? Math.ceil(targetKib / 1024)
        : 0,
    bridges: [...new Set(bridges)],
    disks: asArray(root?.disks).flatMap((d) => {
      const disk = asObject(d);
      const path = text(disk?.pdev_path);
      return path === null
        ? []
        : [{ target: text(disk?.vdev) ?? '', path, format: text(disk?.format) ?? 'raw' }];
    }),
  };
}

function parseJson(json: string, what: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    throw new Error(`${what} did not print JSON: ${json.trim().slice(0, 80)}`);
  }
}

/** The `name = "..."` an xl config file sets. */
function configName(definition: string): string {
  const name = /^\s*name\s*=\s*"([^"]*)"\s*$/m.exec(definition)?.[1];
  if (name === undefined) throw new Error('The xl config sets no name.');
  return validateVmName(name);
}

export class XlMigrationEndpoint extends HostFilesEndpoint implements MigrationEndpoint {
  readonly live = XL_LIVE_MIGRATION;

  constructor(
    ssh: RemoteShell,
    prefix: readonly string[],
    private readonly driver: XlDriver,
  ) {
    super(ssh, prefix);
  }

  /** The domain's libxl configuration: the running domain's, else its config file's (a dry run). */
  private async domainConfig(name: string, state: VmState | null, configFile: string | null) {
    if (state !== null) {
      const list = parseJson(
        await this.ssh.run(this.driver.xlArgv('list', '-l', name)),
        'xl list -l',
      );
      return asObject(asArray(list)[0])?.config;
    }
    if (configFile === null)
      throw new InvalidInputError('vm', `No VM named ${name}: no domain and no config file.`);
    return parseJson(
      await this.ssh.run(this.driver.xlArgv('create', '-n', '-q', configFile)),
      'xl create -n',
    );
  }

  async vm(name: string): Promise<MigratingVm> {
    validateVmName(name);
    const [domainState, configFile] = await Promise.all([
      this.driver.domainState(name),
      this.driver.existingConfig(name),
    ]);
    const config = parseMigratingConfig(await this.domainConfig(name, domainState, configFile));
    const sizes = config.disks.length
      ? (await this.sh(DISK_SIZES_SCRIPT, ...config.disks.map((d) => validateHostPath(d.path))))
          .split('\n')
          .filter(Boolean)
      : [];
    const disks: MigratingDisk[] = config.disks.map((d, i) => {
      const block = sizes[i] === 'block';
      const [size = 0, blocks = 0, blockSize = 512] = block
        ? []
        : (sizes[i]?.split(' ').map(Number) ?? []);
      const allocatedBytes = blocks * blockSize;
      return { ...d, virtualBytes: size, allocatedBytes, backingFile: null, block };
    });
    return {
      name,
      state: domainState ?? 'shutoff',
      memoryMiB: config.memoryMiB,
      networks: [],
      bridges: config.bridges,
      disks,
      // xl checks the CPU's features itself when the target restores the domain.
      cpuXml: null,
      virtType: config.type,
      // The file `start` creates the domain from; a domain created from elsewhere has none here.
      definition:
        configFile === null ? '' : await this.ssh.run([...this.prefix, 'cat', '--', configFile]),
    };
  }

  /**
   * xl has no host UUID: dom0's boot ID tells two dom0s apart (two names for one host give the
   * same one).
   */
  async hostUuid(): Promise<string> {
    return (await this.ssh.run(['cat', '/proc/sys/kernel/random/boot_id'])).trim();
  }

  async networksAndBridges(): Promise<{ networks: string[]; bridges: string[] }> {
    return { networks: [], bridges: await this.bridges() };
  }

  /** Never asked (cpuXml is always null): xl compares CPU features when it restores the domain. */
  compareCpu(): Promise<{ compatible: boolean; verdict: string }> {
    return Promise.resolve({
      compatible: true,
      verdict: 'xl checks CPU features when the target restores the domain.',
    });
  }

  /** A sparse raw image (xl's disks are raw files here). */
  async createImage(disk: MigratingDisk): Promise<void> {
    const path = fileDiskPath(disk);
    await this.sh(
      `mkdir -p "$(dirname "$1")" && truncate -s "$2" -- "$1"`,
      path,
      String(disk.virtualBytes),
    );
  }

  /** Writes the config file where `start` finds it, never over an existing one. */
  async define(definition: string): Promise<void> {
    const path = this.driver.configPath(configName(definition));
    await this.ssh.run([...this.prefix, 'sh', '-c', 'set -C; cat > "$1"', 'sh', path], {
      stdin: definition,
    });
  }

  /** Removes the config file; a domain that still runs here is refused. */
  async undefine(name: string): Promise<void> {
    const state = await this.driver.domainState(name);
    if (state !== null && state !== 'shutoff')
      throw new Error(`${name} is ${state} here: it keeps its config file.`);
    await this.ssh.run([...this.prefix, 'rm', '-f', '--', this.driver.configPath(name)]);
  }

  exists(name: string): Promise<boolean> {
    return this.driver.exists(name);
  }

  state(name: string): Promise<VmState> {
    return this.driver.state(name);
  }

  /**
   * `targetUri` is the relay command (relayedUri). xl runs its transport through sh; the
   * transport notes its PID (what a cancel ends, and whose reads are the progress), then
   * becomes the relay.
   */
  liveMigrateArgv(name: string, options: LiveMigrationOptions): string[] {
    const base = stateBase(validateVmName(name));
    const transport = `echo $$ > ${quoteArg(`${base}.transport`)}; exec ${quoteArg(options.targetUri)}`;
    return [...this.prefix, 'sh', '-c', XL_MIGRATE_SCRIPT, 'sh', base, name, transport];
  }

  /** The bytes xl has sent so far; xl itself reports no figures while it sends. */
  async jobInfo(name: string): Promise<MigrationJob | null> {
    const out = await this.sh(XL_MIGRATE_PROGRESS_SCRIPT, stateBase(validateVmName(name)));
    const sent = /^\d+$/.exec(out.trim())?.[0];
    if (sent === undefined) return null;
    return {
      elapsedMs: null,
      dataProcessedBytes: Number(sent),
      dataRemainingBytes: null,
      dataTotalBytes: null,
      bytesPerSecond: null,
      expectedDowntimeMs: null,
    };
  }

  /** xl keeps no record of a finished migration. */
  completedJob(): Promise<CompletedMigration | null> {
    return Promise.resolve(null);
  }

  async abortJob(name: string): Promise<void> {
    const result = await this.ssh.exec([
      ...this.prefix,
      'sh',
      '-c',
      XL_MIGRATE_ABORT_SCRIPT,
      'sh',
      stateBase(validateVmName(name)),
    ]);
    if (result.code !== 0) throw new Error(`Cannot cancel: ${result.stderr.trim()}`);
  }

  controlRelayArgv(): string[] {
    return this.driver.xlArgv('migrate-receive');
  }

  async controlRelayPath(): Promise<string | null> {
    const found = await this.ssh.exec(['sh', '-c', 'command -v xl']);
    return found.code === 0 ? found.stdout.trim() : null;
  }

  /** What xl runs as its transport: the relay command itself (`xl migrate -s ''`). */
  relayedUri(command: string): string {
    return validateHostPath(command);
  }
}
