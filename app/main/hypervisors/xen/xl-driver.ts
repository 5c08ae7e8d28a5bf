// The Xen driver: the xl toolstack (and xentop) over the host's SSH connection.
import type { HostFacts, NetworkInfo, StoragePoolInfo } from '../../../shared/domain/host.js';
import type { GuestInfo, VmState } from '../../../shared/domain/vm.js';
import {
  InvalidInputError,
  validateHostPath,
  validateVmName,
} from '../../../shared/validation/names.js';
import type { RemoteShell } from '../../ssh/ssh-connection.js';
import { XL_UNSUPPORTED } from '../../../shared/domain/xen-limits.js';
import { diskCommands, type DiskSpec } from '../disk-commands.js';
import { parseRemovedDisks, removeDisksArgv } from '../lvm.js';
import { SavedStates } from '../saved-state.js';
import { XlMigrationEndpoint } from './xl-migration.js';
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
import {
  mergeXenDomains,
  parseXentopBatch,
  parseXlConfigFiles,
  parseXlDryRun,
  parseXlInfo,
  parseXlList,
  parseXlListLong,
} from './xl-parse.js';

/**
 * One poll, one remote command. `xl list -l` gives each domain's configuration (uuid, memory
 * target, vCPUs), `xl list` its state and CPU time to 0.1 s, `xentop` the I/O counters. xentop
 * -f prints full names (else cut to 10 characters); a failing xentop only costs the counters.
 * xl keeps no inactive domains, so the config files in the config directory ($1, a quoted
 * argument) stand for the VMs that are shut off: their sizes are read from them.
 */
export const XL_POLL_SCRIPT = `
dir=$1
echo '@@xl-list-long'; xl list -l || exit 1
echo '@@xl-list'; xl list || exit 1
echo '@@xentop'; xentop -b -i 1 -f 2>/dev/null
echo '@@configs'
for f in "$dir"/*.cfg; do
  [ -f "$f" ] || continue
  echo "@file \${f##*/}"
  grep -E '^[[:space:]]*(memory|maxmem|vcpus|maxvcpus)[[:space:]]*=' -- "$f"
done
exit 0
`;

/**
 * Host facts in one remote command. The images directory arrives as $1 (a quoted argument),
 * never pasted into the script.
 */
export const XL_HOST_FACTS_SCRIPT = `
dir=$1
echo '@@xl-info'; xl info || exit 1
echo '@@hostname'; hostname
echo '@@cpumodel'; grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2-
echo '@@bridges'
for b in /sys/class/net/*/bridge; do
  [ -d "$b" ] || continue
  b=\${b%/bridge}; echo "\${b##*/}"
done
echo '@@df'; df -P -k -- "$dir" 2>/dev/null
exit 0
`;

/**
 * The serial console: prints the banner `virsh console` prints (CONSOLE_READY: clients hold
 * keystrokes until they see it), then becomes `xl console` ($1, the domain). xl's escape is
 * Ctrl+] as virsh's. The terminal goes raw first so that keys typed while xl attaches wait,
 * unechoed, for the console.
 */
export const XL_CONSOLE_SCRIPT = `
stty raw -echo 2>/dev/null
printf 'Connected to domain %s\\r\\nEscape character is ^]\\r\\n' "$1"
exec xl console "$1"
`;

/**
 * Sets `key = value` lines in an xl config file ($1), pairs of arguments after it, replacing
 * each key's existing line or appending it. Keys are the driver's own constants and values
 * whole numbers, so they are safe in the sed expression. The file is rewritten through a copy
 * renamed over it, so xl never reads half a file. Prints "no-config" when there is no file.
 */
export const XL_SET_CONFIG_SCRIPT = `
f=$1; shift
[ -f "$f" ] || { echo no-config; exit 0; }
tmp="$f.convirt-new"
cp -p -- "$f" "$tmp" || exit 1
while [ $# -ge 2 ]; do
  key=$1; value=$2; shift 2
  if grep -Eq "^[[:space:]]*$key[[:space:]]*=" "$tmp"; then
    sed -i -E "s/^[[:space:]]*$key[[:space:]]*=.*/$key = $value/" "$tmp" || exit 1
  else
    echo "$key = $value" >> "$tmp" || exit 1
  fi
done
mv -f -- "$tmp" "$f" && echo updated
`;

/**
 * An xl config whose disk specs with `target=DEVICE` (or the old `file:DEVICE`) for one of
 * `devices` say `backendtype=phy`: blkback reads the block device itself, no loop device or
 * QEMU between (the key=value form of the old `phy:` prefix). Other disks are left as they are.
 */
export function xlPhysicalDisks(config: string, devices: readonly string[]): string {
  let out = config;
  for (const device of devices) {
    const escaped = validateHostPath(device).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const spec = new RegExp(`(["'])([^"'\\n]*?)target=${escaped}(\\s*["'])`, 'g');
    const legacy = new RegExp(`(["'])(?:file|tap:aio|aio):${escaped}(?=,)`, 'g');
    out = out
      .replace(spec, (whole, open: string, keys: string, close: string) =>
        /backendtype\s*=/.test(keys)
          ? whole
          : `${open}${keys}backendtype=phy, target=${device}${close}`,
      )
      .replace(legacy, (_whole, open: string) => `${open}phy:${device}`);
  }
  return out;
}

/** Splits the output of the scripts above at their `@@name` marker lines. */
export function splitSections(output: string): Map<string, string> {
  const sections = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of output.split('\n')) {
    const m = /^@@([a-z-]+)$/.exec(line);
    if (m) sections.set(m[1]!, (current = []));
    else current?.push(line);
  }
  return new Map([...sections].map(([name, lines]) => [name, lines.join('\n')]));
}

/** Parses the output of XL_POLL_SCRIPT into the VMs of one poll (dom0 excluded). */
export function parseXlPoll(stdout: string): PolledVm[] {
  const sections = splitSections(stdout);
  const long = sections.get('xl-list-long');
  if (long === undefined) throw new Error('Unexpected poll output: no xl list -l section.');
  return mergeXenDomains(
    parseXlListLong(long),
    parseXlList(sections.get('xl-list') ?? ''),
    parseXentopBatch(sections.get('xentop') ?? ''),
    parseXlConfigFiles(sections.get('configs') ?? ''),
  );
}

/** Parses the output of XL_HOST_FACTS_SCRIPT; the images directory becomes one `dir` pool. */
export function parseXlHostFacts(stdout: string, imagesDir: string): HostFacts {
  const sections = splitSections(stdout);
  const infoText = sections.get('xl-info');
  if (infoText === undefined) throw new Error('Unexpected host facts output: no xl info section.');
  const info = parseXlInfo(infoText);

  const networks: NetworkInfo[] = (sections.get('bridges') ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((name) => ({ name, bridge: name, active: true }));

  // POSIX df (GNU's and BusyBox's alike): a header, then "filesystem size used available
  // capacity mount-point" in KiB; no row when the directory is missing.
  const df = /^\S.*?\s(\d+)\s+\d+\s+(\d+)\s+\d+%\s+\//m.exec(sections.get('df') ?? '');
  const pool: StoragePoolInfo = {
    name: imagesDir,
    type: 'dir',
    path: imagesDir,
    active: df !== null,
    capacityBytes: df ? Number(df[1]) * 1024 : null,
    availableBytes: df ? Number(df[2]) * 1024 : null,
  };

  return {
    hostname: (sections.get('hostname') ?? '').trim() || info.host,
    hypervisor: 'xen',
    hypervisorVersion: info.xenVersion,
    cpuCount: info.nrCpus ?? 0,
    // Arm hosts have no "model name" in /proc/cpuinfo.
    cpuModel: (sections.get('cpumodel') ?? '').trim() || info.machine,
    memoryTotalMiB: info.totalMemoryMiB ?? 0,
    // Xen's free memory: what no domain holds, i.e. what new VMs can get.
    memoryFreeMiB: info.freeMemoryMiB ?? 0,
    storagePools: [pool],
    networks,
    capabilities: info.xenCaps,
  };
}

export interface XlDriverOptions {
  /** Prefix every command with `sudo -n` (non-root logins; xl needs root). */
  sudo?: boolean;
  /** Where NAME.cfg files are kept (convirt.conf's xenconf_dir; /etc/xen otherwise). */
  configDir?: string;
  /** The bridge new VMs join when the request names none (XL_KIND's otherwise). */
  preferredBridge?: string;
  /** Where `xl save` writes VMs' saved states (convirt.conf's snapshots_dir). */
  snapshotsDir?: string;
  /** Reported as the host's one storage pool. */
  imagesDir?: string;
  /** How long `shutdown` waits for the domain to be gone; 0 returns once it is asked. */
  shutdownWaitSeconds?: number;
}

export interface XlShutdownOptions extends ShutdownOptions {
  /** Overrides XlDriverOptions.shutdownWaitSeconds for this call. */
  waitSeconds?: number;
}

function positiveInteger(field: string, n: number): number {
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new InvalidInputError(field, `${field} must be a positive whole number, not ${n}.`);
  }
  return n;
}

/**
 * xl has none of libvirt's extras (XL_UNSUPPORTED says why); dom0 makes raw disk files with cp
 * and truncate (no qemu-img) and filesystems from root tarballs with e2fsprogs' mke2fs, which
 * Debian's dom0 has (a required package).
 */
export const XL_KIND: DriverKind = {
  hypervisor: 'xen',
  notSupported: XL_UNSUPPORTED,
  provisioning: {
    configFormat: 'xl',
    disksDir: '/var/lib/xen/images',
    imageCache: '/var/lib/xen/images/convirt-cache',
    preferredBridge: 'xenbr0',
    imageFormats: ['raw'],
    emptyDiskFormat: 'raw',
    filledDisks: true,
    diskTools: 'coreutils',
    blockDeviceConfig: xlPhysicalDisks,
  },
};

export class XlDriver implements HypervisorDriver {
  readonly hypervisor = 'xen' as const;
  readonly notSupported = XL_KIND.notSupported;
  readonly provisioning: ProvisioningProfile;
  readonly configDir: string;
  readonly imagesDir: string;
  private readonly prefix: string[];
  private readonly savedStates: SavedStates;
  private readonly shutdownWaitSeconds: number;

  constructor(
    private readonly ssh: RemoteShell,
    private readonly options: XlDriverOptions = {},
  ) {
    this.prefix = options.sudo ? ['sudo', '-n'] : [];
    this.provisioning = withPreferredBridge(XL_KIND.provisioning, options.preferredBridge);
    this.configDir = validateHostPath(options.configDir ?? '/etc/xen');
    this.imagesDir = validateHostPath(options.imagesDir ?? '/var/lib/xen/images');
    const wait = options.shutdownWaitSeconds ?? 120;
    this.shutdownWaitSeconds = wait === 0 ? 0 : positiveInteger('shutdownWaitSeconds', wait);
    this.savedStates = new SavedStates(
      ssh,
      this.prefix,
      {
        // The saved file holds the domain's configuration too: restore needs no config file.
        save: (name, file) => this.xlArgv('save', name, file),
        restore: (file) => this.xlArgv('restore', file),
      },
      options.snapshotsDir,
    );
  }

  /** An argv for xl on this host, with the sudo prefix when configured. */
  xlArgv(...args: string[]): string[] {
    return [...this.prefix, 'xl', ...args];
  }

  private xl(...args: string[]): Promise<string> {
    return this.ssh.run(this.xlArgv(...args));
  }

  pollArgv(): string[] {
    return [...this.prefix, 'sh', '-c', XL_POLL_SCRIPT, 'sh', this.configDir];
  }

  parsePoll(stdout: string): PolledVm[] {
    return parseXlPoll(stdout);
  }

  async hostFacts(): Promise<HostFacts> {
    const out = await this.ssh.run([
      ...this.prefix,
      'sh',
      '-c',
      XL_HOST_FACTS_SCRIPT,
      'sh',
      this.imagesDir,
    ]);
    return parseXlHostFacts(out, this.imagesDir);
  }

  /** Creates (boots) a domain from an xl config file on the host. */
  async create(configPath: string): Promise<void> {
    await this.xl('create', validateHostPath(configPath));
  }

  /** xl keeps no inactive domains: starting NAME means creating it from CONFIG_DIR/NAME.cfg. */
  async start(name: string): Promise<void> {
    await this.create(`${this.configDir}/${validateVmName(name)}.cfg`);
  }

  /**
   * Asks the guest to shut down through its PV drivers, or an ACPI power event for HVM guests
   * without them (-F); `options.mode` does not apply, as xl guests have no agent channel. Waits
   * (-w) until the domain is gone, bounded by `timeout`, which fails the command on expiry.
   */
  async shutdown(name: string, options: XlShutdownOptions = {}): Promise<void> {
    validateVmName(name);
    const wait = options.waitSeconds ?? this.shutdownWaitSeconds;
    if (wait === 0) {
      await this.xl('shutdown', '-F', name);
      return;
    }
    const seconds = String(positiveInteger('waitSeconds', wait));
    await this.ssh.run([...this.prefix, 'timeout', seconds, 'xl', 'shutdown', '-F', '-w', name]);
  }

  async reboot(name: string): Promise<void> {
    await this.xl('reboot', '-F', validateVmName(name));
  }

  async destroy(name: string): Promise<void> {
    await this.xl('destroy', validateVmName(name));
  }

  async suspend(name: string): Promise<void> {
    await this.xl('pause', validateVmName(name));
  }

  async resume(name: string): Promise<void> {
    await this.xl('unpause', validateVmName(name));
  }

  /** Sets the balloon target; the guest gives back or takes memory up to its maximum. */
  async memSet(name: string, memoryMiB: number): Promise<void> {
    validateVmName(name);
    await this.xl('mem-set', name, `${positiveInteger('memoryMiB', memoryMiB)}m`);
  }

  async vcpuSet(name: string, vcpus: number): Promise<void> {
    validateVmName(name);
    await this.xl('vcpu-set', name, String(positiveInteger('vcpus', vcpus)));
  }

  /**
   * Changes vCPUs and memory of a VM: on its domain now (`xl vcpu-set`, `xl mem-set`) when it
   * runs or is paused, and in its config file (`vcpus =`, `memory =`) so the next start keeps
   * them. A VM without a domain is changed in its config file only. Returns what was changed, in
   * words; a domain with no config file ConVirt knows keeps the change until it is destroyed.
   */
  async setResources(
    name: string,
    change: { vcpus?: number; memoryMiB?: number },
  ): Promise<string[]> {
    const config = this.configPath(name);
    const settings: Array<[key: string, value: number]> = [];
    if (change.vcpus !== undefined) {
      settings.push(['vcpus', positiveInteger('vcpus', change.vcpus)]);
    }
    if (change.memoryMiB !== undefined) {
      settings.push(['memory', positiveInteger('memoryMiB', change.memoryMiB)]);
    }
    const state = await this.domainState(name);
    const live = state !== null && state !== 'shutoff';
    const done: string[] = [];
    if (live && change.vcpus !== undefined) {
      await this.vcpuSet(name, change.vcpus);
      done.push(`vCPUs ${change.vcpus}: applied to the running domain`);
    }
    if (live && change.memoryMiB !== undefined) {
      await this.memSet(name, change.memoryMiB);
      done.push(`memory ${change.memoryMiB} MiB: balloon target of the running domain set`);
    }
    const out = await this.ssh.run([
      ...this.prefix,
      'sh',
      '-c',
      XL_SET_CONFIG_SCRIPT,
      'sh',
      config,
      ...settings.flat().map(String),
    ]);
    if (out.trim() === 'updated') {
      done.push(`${config}: ${settings.map(([key, value]) => `${key} = ${value}`).join(', ')}`);
    } else if (live) {
      done.push(
        `no config file ConVirt knows (${config}): the change lasts until the domain is destroyed`,
      );
    } else {
      throw new InvalidInputError('vm', `No VM named ${name}: no domain and no ${config}.`);
    }
    return done;
  }

  /** The argv of the domain's console, for a pseudo-terminal (SshConnection.openPty). */
  consoleArgv(name: string): string[] {
    return [...this.prefix, 'sh', '-c', XL_CONSOLE_SCRIPT, 'sh', validateVmName(name)];
  }

  /** The config file `start(name)` creates the domain from. */
  configPath(name: string): string {
    return `${this.configDir}/${validateVmName(name)}.cfg`;
  }

  /** The config file `start(name)` creates the domain from, or null when there is none. */
  async existingConfig(name: string): Promise<string | null> {
    const config = this.configPath(name);
    return (await this.ssh.exec([...this.prefix, 'test', '-f', config])).code === 0 ? config : null;
  }

  /** A VM with no domain (only its config file) is shut off, as xl sees it. */
  async state(name: string): Promise<VmState> {
    return (await this.domainState(name)) ?? 'shutoff';
  }

  /** The domain's state, or null when xl has no domain of that name. */
  async domainState(name: string): Promise<VmState | null> {
    validateVmName(name);
    const r = await this.ssh.exec(this.xlArgv('list'));
    if (r.code !== 0) throw new Error(`xl list failed: ${r.stderr.trim() || r.stdout.trim()}`);
    return parseXlList(r.stdout).find((d) => d.name === name)?.state ?? null;
  }

  /** The disks a config file names, as libxl reads it (`xl create -n` is a dry run). */
  async configDisks(configPath: string): Promise<string[]> {
    const out = await this.xl('create', '-n', '-q', validateHostPath(configPath));
    return parseXlDryRun(out).disks;
  }

  /**
   * Deletes a VM: the shut-down domain xl may still hold, its config file and, with
   * `removeDisks`, its disks: files, and the logical volumes ConVirt made for it (lvm.ts).
   * Refuses while it runs (or is paused). Disks that another domain uses, and any other block
   * device, are kept.
   */
  async deleteVm(
    name: string,
    options: { removeDisks?: boolean } = {},
  ): Promise<{ removed: string[]; kept: string[] }> {
    const config = this.configPath(name);
    const state = await this.domainState(name);
    if (state !== null && state !== 'shutoff') {
      throw new Error(`${name} is ${state}: stop it before deleting it.`);
    }
    const hasConfig = (await this.existingConfig(name)) !== null;
    if (!hasConfig && state === null) {
      throw new InvalidInputError('vm', `No VM named ${name}: no domain and no ${config}.`);
    }
    const disks = hasConfig ? await this.configDisks(config) : [];
    const others = parseXlListLong(await this.xl('list', '-l')).filter((d) => d.name !== name);
    const inUse = new Set(others.flatMap((d) => d.disks));
    // A domain that has shut down lingers until xl reaps it: destroy finishes that.
    if (state !== null) await this.xl('destroy', name);
    await this.ssh.run([...this.prefix, 'rm', '-f', '--', config]);
    const kept = disks.filter((d) => inUse.has(d) || !options.removeDisks);
    const candidates = disks.filter((d) => !kept.includes(d)).map((d) => validateHostPath(d));
    if (candidates.length === 0) return { removed: [], kept };
    const out = await this.ssh.run([...this.prefix, ...removeDisksArgv(name, candidates)]);
    const result = parseRemovedDisks(out);
    return { removed: result.removed, kept: [...kept, ...result.kept] };
  }

  /**
   * Always null: guests started by xl get no QEMU guest agent channel (PV guests run no QEMU
   * at all), so there is nothing to ask.
   */
  guestInfo(name: string): Promise<GuestInfo | null> {
    // A bad name still rejects, as every other operation does.
    return Promise.resolve(name).then((n) => {
      validateVmName(n);
      return null;
    });
  }

  async vmDetails(name: string): Promise<HypervisorVmDetails> {
    const [configFile, savedState] = await Promise.all([
      this.existingConfig(name),
      this.savedStates.existing(name),
    ]);
    return {
      autostart: null,
      isoPath: null,
      hasGuestAgentChannel: false,
      hasGraphics: false,
      snapshots: [],
      hypervisor: 'xen',
      notSupported: this.notSupported,
      configFile,
      savedState,
    };
  }

  /** `xl migrate` through ConVirt's relay (xl-migration.ts). */
  migrationEndpoint(): XlMigrationEndpoint {
    return new XlMigrationEndpoint(this.ssh, this.prefix, this);
  }

  saveState(name: string): Promise<string> {
    return this.savedStates.save(name);
  }

  restoreState(name: string): Promise<string> {
    return this.savedStates.restore(name);
  }

  /** A VM is a domain xl runs, or a config file it would start one from. */
  async exists(name: string): Promise<boolean> {
    const [domain, config] = await Promise.all([this.domainState(name), this.existingConfig(name)]);
    return domain !== null || config !== null;
  }

  diskCommands(spec: DiskSpec): string[][] {
    return diskCommands(spec, this.provisioning.diskTools);
  }

  /**
   * Writes the xl config to CONFIG_DIR/NAME.cfg (where `start` finds it) without replacing any
   * file, and checks it with a dry run of `xl create`.
   */
  async defineNew(name: string, config: string, steps: DefineSteps): Promise<void> {
    const named = /^\s*name\s*=\s*"([^"]*)"\s*$/m.exec(config)?.[1];
    if (named !== name)
      throw new Error(`The xl config must set name = "${name}" (it sets ${named ?? 'none'}).`);
    steps.log(
      'No guest agent channel: Xen PV guests have none (xl shuts them down through their PV drivers).',
    );
    const path = this.configPath(name);
    const cleanup = new XlDriver(steps.cleanupShell, this.options);
    // noclobber: a config that appeared meanwhile is never overwritten, nor removed.
    await this.ssh.run([...this.prefix, 'sh', '-c', 'set -C; cat > "$1"', 'sh', path], {
      stdin: config,
    });
    steps.undo(`file ${path}`, async () => {
      await steps.cleanupShell.run([...this.prefix, 'rm', '-f', '--', path]);
    });
    // Registered before `xl create`: a cancel may land while the domain is being built.
    steps.undo(`domain ${name}`, async () => {
      if ((await cleanup.domainState(name)) !== null) await cleanup.destroy(name);
    });
    await this.configDisks(path);
  }
}
