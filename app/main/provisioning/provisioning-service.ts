// Provisioning a VM from an appliance of the image store (or from a template or ISO registered by
// URL: template-provisioning.ts), as ONE task with steps and a full log:
// validate everything (locally, then one read-only look at the host), put the images on the
// host (reused by checksum, else uploaded), make the disks (qcow2 overlays on the cached base,
// DTC-style filled filesystems, empty disks), run provision.sh and the hooks on the host, define
// the VM (always with the guest agent channel) and start it if asked. On any failure, everything
// the task made is removed again and listed in the log. Xen hosts take the same flow in dom0 with
// raw file-backed disks, the xl config written to /etc/xen/NAME.cfg and started by `xl create`.
import { spawn } from 'node:child_process';
import {
  statSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
  cpSync,
  existsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Host } from '../../shared/domain/inventory.js';
import {
  InvalidInputError,
  validateHostPath,
  validateVmName,
} from '../../shared/validation/names.js';
import { DomainDocument } from '../hypervisors/kvm/domain-xml.js';
import { XlDriver } from '../hypervisors/xen/xl-driver.js';
import type { UrlTemplateService } from '../templates/url-template-service.js';
import {
  ERROR_HOOK,
  DTC_HOOKS,
  SHIPPED_FILES,
  type Appliance,
  type ApplianceDisk,
  type ImageStore,
} from '../image-store/image-store.js';
import {
  autogenMac,
  resolveParams,
  templateVariables,
  type ProvisionParams,
} from '../image-store/parameters.js';
import { escapeXml, substitute, xlStringValue } from '../image-store/text-substitution.js';
import { quoteArg } from '../ssh/shell-quote.js';
import type { RemoteShell } from '../ssh/ssh-connection.js';
import type { TaskContext, TaskRunner } from '../tasks/task-runner.js';
import type { Task } from '../inventory/index.js';
import type { ChecksumCache } from './checksums.js';
import { uploadFile } from './file-upload.js';
import { surveyHost, type HostSurvey } from './host-survey.js';
import { ProvisionRun } from './provision-run.js';
import {
  templateParams,
  TemplateProvisionRun,
  type TemplatePool,
} from './template-provisioning.js';

/** The VM's source: an appliance of the image store, or a template or ISO registered by URL. */
export type ProvisionSource =
  { appliance: string; template?: undefined } | { template: string; appliance?: undefined };

export type ProvisionRequest = ProvisionSource & {
  host: string;
  name: string;
  params?: Readonly<Record<string, string>>;
  start?: boolean;
};

export interface ProvisionResult {
  name: string;
  disks: string[];
  started: boolean;
}

export interface HostPaths {
  /** Verified images kept on the host, named by checksum, reused by later provisionings. */
  imageCache: string;
  /** Where the VMs' disks go; image.conf's VM_DISKS_DIR when not set. */
  disks?: string;
}

export interface ProvisioningOptions {
  store: ImageStore;
  tasks: TaskRunner;
  checksums: ChecksumCache;
  host(name: string): Host;
  connect(host: string): Promise<RemoteShell>;
  hostPaths?: HostPaths;
  /** Templates and ISOs by URL, for requests naming a `template`. */
  templates?: UrlTemplateService;
  /**
   * The storage pool a host's templates go into; by default the host's own disks folder
   * (`HOST:DIR`), which only that host reaches.
   */
  templatePool?(host: Host): TemplatePool;
}

export const DEFAULT_HOST_PATHS: HostPaths = {
  imageCache: '/var/lib/libvirt/images/convirt-cache',
};
/** Where the VMs' disks go on KVM hosts when neither HostPaths nor image.conf say. */
export const DEFAULT_KVM_DISKS_DIR = '/var/lib/libvirt/images';
/** Where Xen hosts keep the image cache when DEFAULT_HOST_PATHS is in use (dom0 has no libvirt). */
export const XEN_IMAGE_CACHE = '/var/lib/xen/images/convirt-cache';
const MiB = 1024 * 1024;
/** Room a work folder and a qcow2 overlay need on top of the sizes counted. */
const SLACK_BYTES = 16 * MiB;

/** A local file the VM needs on the host, and where it is cached there. */
interface Needed {
  local: string;
  sha256: string;
  size: number;
  remote: string;
}

export class ProvisioningService {
  constructor(private readonly options: ProvisioningOptions) {}

  /**
   * Checks the request (throws InvalidInputError at once, before anything runs on the host) and
   * starts the provisioning task.
   */
  provision(request: ProvisionRequest): { task: Task; result: Promise<ProvisionResult> } {
    const host = this.options.host(request.host);
    validateVmName(request.name);
    if (request.template !== undefined)
      return this.provisionTemplate(request.template, host, request);
    const appliance = this.options.store.get(request.appliance);
    const xen = host.hypervisor === 'xen';
    if (appliance.templateKind !== (xen ? 'xl' : 'libvirt-xml'))
      throw new InvalidInputError(
        'host',
        appliance.templateKind === 'xl'
          ? `${appliance.name} provisions Xen hosts through xl; ${host.name} is a ${host.hypervisor} host.`
          : `${appliance.name} provisions KVM hosts through libvirt; ${host.name} is a ${host.hypervisor} host.`,
      );
    if (appliance.missing.length)
      throw new InvalidInputError(
        'appliance',
        `${appliance.name} is not built: missing ${appliance.missing.join(', ')} (run test/bed/appliances/build.sh).`,
      );
    const params = resolveParams(appliance, request.name, request.params);
    for (const disk of appliance.disks) {
      if (disk.source.kind === 'content' && !/^ext[234]$/.test(disk.source.fsType))
        throw new InvalidInputError(
          'appliance',
          `${appliance.name}: ${disk.dev}_disk_fs_type ${disk.source.fsType} is not supported (ext2, ext3 or ext4).`,
        );
      // dom0 makes disks with cp and truncate only: no qemu-img, no mkfs.
      if (xen && disk.source.kind !== 'empty' && disk.source.format !== 'raw')
        throw new InvalidInputError(
          'appliance',
          `${appliance.name}: ${disk.dev} must be a raw disk image or an empty disk on Xen hosts.`,
        );
    }
    if (xen) for (const [key, value] of Object.entries(params)) xlStringValue(value, key);
    const paths = this.options.hostPaths ?? DEFAULT_HOST_PATHS;
    const disksDir = validateHostPath(
      paths.disks ??
        appliance.conf.get('VM_DISKS_DIR') ??
        (xen ? '/var/lib/xen/images' : DEFAULT_KVM_DISKS_DIR),
    );
    const imageCache = validateHostPath(
      xen && paths === DEFAULT_HOST_PATHS ? XEN_IMAGE_CACHE : paths.imageCache,
    );
    return this.options.tasks.run('vm.provision', `${host.name}/${request.name}`, (ctx) =>
      new ApplianceProvisionRun(this.options, ctx, host, appliance, params, request, {
        imageCache,
        disks: disksDir,
      }).run(),
    );
  }

  private provisionTemplate(
    name: string,
    host: Host,
    request: ProvisionRequest,
  ): { task: Task; result: Promise<ProvisionResult> } {
    const { templates } = this.options;
    if (!templates) throw new Error('Templates by URL are not available here.');
    const template = templates.get(name);
    const params = templateParams(template, host, request.params);
    const disksDir = validateHostPath(this.options.hostPaths?.disks ?? DEFAULT_KVM_DISKS_DIR);
    const pool = this.options.templatePool?.(host) ?? {
      pool: `${host.name}:${disksDir}`,
      dir: disksDir,
      hosts: [host.name],
    };
    validateHostPath(pool.dir);
    return this.options.tasks.run('vm.provision', `${host.name}/${request.name}`, (ctx) =>
      new TemplateProvisionRun(ctx, host, request.name, {
        connect: (target) => this.options.connect(target),
        templates,
        template,
        pool,
        disksDir,
        params,
        start: request.start === true,
      }).run(),
    );
  }
}

/** An appliance of the image store: its images, provision.sh, hooks and vm_conf.template. */
class ApplianceProvisionRun extends ProvisionRun {
  private work: string | null = null;

  constructor(
    private readonly options: ProvisioningOptions,
    ctx: TaskContext,
    host: Host,
    private readonly appliance: Appliance,
    private readonly params: ProvisionParams,
    private readonly request: ProvisionRequest,
    private readonly dirs: { imageCache: string; disks: string },
  ) {
    super(ctx, host, request.name);
  }

  private diskPath(disk: ApplianceDisk): string {
    const { source } = disk;
    const raw =
      source.kind === 'content' ||
      (source.kind === 'image' && source.format === 'raw') ||
      (this.xen && source.kind === 'empty');
    return validateHostPath(`${this.dirs.disks}/${this.name}-${disk.dev}.${raw ? 'raw' : 'qcow2'}`);
  }

  async run(): Promise<ProvisionResult> {
    const { ctx } = this;
    await this.attach((target) => this.options.connect(target));
    const kvmDrivers = this.kvmDrivers();
    const { kvm } = kvmDrivers;
    const xl = new XlDriver(this.shell, { sudo: this.host.useSudo });
    const xlCleanup = new XlDriver(this.cleanup, { sudo: this.host.useSudo });
    try {
      ctx.progress(0, 'Checking the host');
      const needed = await this.neededFiles();
      const diskPaths = this.appliance.disks.map((d) => this.diskPath(d));
      // Two read-only commands, at once: each round trip to the host counts.
      const [survey, taken] = await Promise.all([
        surveyHost(this.shell, this.prefix, this.dirs, [
          ...needed.map((n) => n.remote),
          ...diskPaths,
          ...(this.xen ? [xl.configPath(this.name)] : []),
        ]),
        this.xen
          ? xl.domainState(this.name).then((state) => state !== null)
          : kvm.exists(this.name),
      ]);
      const bridge = this.checkSurvey(
        survey,
        taken || (this.xen && survey.existing.has(xl.configPath(this.name))),
        diskPaths,
        this.params.bridge,
      );
      const missing = needed.filter((n) => survey.existing.get(n.remote) !== n.size);
      this.checkFreeSpace(survey.free, missing);

      this.step = 'copying images';
      await this.transfer(needed, missing);

      this.step = 'preparing provision.sh';
      ctx.progress(0.7, 'Preparing provision.sh');
      const vars = await this.shipStore(needed, diskPaths, bridge, survey.virtType);

      this.step = 'creating disks';
      ctx.progress(0.75, 'Creating disks');
      for (const disk of this.appliance.disks) await this.createDisk(disk, needed);

      this.step = 'running provision.sh';
      ctx.progress(0.85, 'Running provision.sh');
      await this.runProvisionScript();

      this.step = 'defining the VM';
      ctx.progress(0.9, 'Defining the VM');
      const template = readFileSync(join(this.appliance.dir, 'vm_conf.template'), 'utf8');
      if (this.xen) await this.defineXen(xl, xlCleanup, substitute(template, vars, xlStringValue));
      else {
        const doc = new DomainDocument(substitute(template, vars, escapeXml));
        if (doc.name !== this.name)
          throw new Error(`vm_conf.template of ${this.appliance.name} must name the VM $VM_NAME.`);
        await this.defineKvm(doc, kvmDrivers);
      }
      if (this.request.start) {
        this.step = 'starting the VM';
        ctx.progress(0.95, 'Starting the VM');
        const driver = this.xen ? xl : kvm;
        await Promise.all([driver.start(this.name), this.removeWorkDir()]);
      } else await this.removeWorkDir();
      ctx.progress(1, 'Done');
      return { name: this.name, disks: diskPaths, started: this.request.start === true };
    } catch (err) {
      await this.rollBack((err as Error).message);
      throw err;
    }
  }

  /**
   * Writes the xl config to /etc/xen/NAME.cfg (where the xl driver lists a shut-off VM and starts
   * it from) without replacing any file, and checks it with a dry run of `xl create`.
   */
  private async defineXen(xl: XlDriver, xlCleanup: XlDriver, config: string): Promise<void> {
    const name = /^\s*name\s*=\s*"([^"]*)"\s*$/m.exec(config)?.[1];
    if (name !== this.name)
      throw new Error(`vm_conf.template of ${this.appliance.name} must set name = "$VM_NAME".`);
    this.ctx.log(
      'No guest agent channel: Xen PV guests have none (xl shuts them down through their PV drivers).',
    );
    const path = xl.configPath(this.name);
    // noclobber: a config that appeared since the survey is never overwritten, nor removed.
    await this.shell.run([...this.prefix, 'sh', '-c', 'set -C; cat > "$1"', 'sh', path], {
      stdin: config,
    });
    this.undo.add(`file ${path}`, () => this.undoCmd('rm', '-f', '--', path));
    // Registered before `xl create`: a cancel may land while the domain is being built.
    this.undo.add(`domain ${this.name}`, async () => {
      if ((await xlCleanup.domainState(this.name)) !== null) await xlCleanup.destroy(this.name);
    });
    await xl.configDisks(path);
  }

  private async neededFiles(): Promise<Needed[]> {
    const locals = [
      this.appliance.kernel,
      this.appliance.ramdisk,
      ...this.appliance.disks.map((d) => (d.source.kind === 'empty' ? null : d.source.file)),
    ];
    const needed: Needed[] = [];
    for (const local of locals) {
      if (!local || needed.some((n) => n.local === local)) continue;
      const sha256 = await this.options.checksums.sha256(local);
      const safe = basename(local).replace(/[^A-Za-z0-9._-]/g, '_');
      const size = statSync(local).size;
      needed.push({
        local,
        sha256,
        size,
        remote: validateHostPath(`${this.dirs.imageCache}/${sha256}-${safe}`),
      });
    }
    return needed;
  }

  private checkFreeSpace(free: HostSurvey['free'], missing: Needed[]): void {
    const needs: Array<[string, number]> = [
      [this.dirs.imageCache, missing.reduce((s, n) => s + n.size, 0)],
      [this.dirs.disks, SLACK_BYTES],
    ];
    for (const disk of this.appliance.disks) {
      const size = Number(this.params[`${disk.dev}_disk_size`] ?? disk.sizeMiB ?? 0) * MiB;
      if (disk.source.kind === 'content') {
        // The unpacked tree is staged next to the disk, then written into it.
        needs.push([this.dirs.disks, size * 2]);
      } else if (disk.source.kind === 'image' && disk.source.format === 'raw')
        needs.push([this.dirs.disks, size]);
    }
    this.requireFreeSpace(free, needs);
  }

  private async transfer(needed: Needed[], missing: Needed[]): Promise<void> {
    for (const n of needed)
      if (!missing.includes(n)) this.ctx.log(`Reusing ${n.remote} (same sha256 as ${n.local}).`);
    if (missing.length) await this.cmd('mkdir', '-p', '--', this.dirs.imageCache);
    const total = missing.reduce((s, n) => s + n.size, 0) || 1;
    let done = 0;
    for (const n of missing) {
      this.ctx.log(`Copying ${n.local} (${Math.ceil(n.size / MiB)} MiB) to ${n.remote}.`);
      const r = await uploadFile(this.shell, n.local, n.remote, {
        size: n.size,
        sha256: n.sha256,
        prefix: this.prefix,
        signal: this.ctx.signal,
        onProgress: (sent) =>
          this.ctx.progress(0.05 + (0.6 * (done + sent)) / total, `Copying ${basename(n.local)}`),
      });
      if (r.resumedFrom) this.ctx.log(`Resumed ${n.remote} from byte ${r.resumedFrom}.`);
      done += n.size;
    }
  }

  /** Copies the store's shell library, the appliance's scripts, the VM config and parameters to a work folder on the host. */
  private async shipStore(
    needed: Needed[],
    diskPaths: string[],
    bridge: string,
    virtType: 'kvm' | 'qemu',
  ): Promise<Record<string, string>> {
    const work = validateHostPath(
      `${this.dirs.disks}/.convirt-provision-${this.name}-${this.ctx.task.id.slice(0, 8)}`,
    );
    const storeOnHost = `${work}/store`;
    const remoteOf = (local: string | null) =>
      local ? needed.find((n) => n.local === local)?.remote : undefined;
    const disks: Record<string, string> = {};
    this.appliance.disks.forEach((d, i) => (disks[d.dev] = diskPaths[i]!));
    const vars = templateVariables(this.appliance, this.params, {
      vmName: this.name,
      serverName: this.host.name,
      defaultBridge: bridge,
      autogenMac: autogenMac(this.xen ? 'xen' : 'kvm'),
      virtType,
      imageStore: storeOnHost,
      imageLocation: `${storeOnHost}/${this.appliance.name}`,
      disks,
      ...(remoteOf(this.appliance.kernel) ? { kernel: remoteOf(this.appliance.kernel)! } : {}),
      ...(remoteOf(this.appliance.ramdisk) ? { ramdisk: remoteOf(this.appliance.ramdisk)! } : {}),
    });

    const local = mkdtempSync(join(tmpdir(), 'convirt-provision-'));
    try {
      const image = join(local, 'store', this.appliance.name);
      mkdirSync(image, { recursive: true });
      for (const file of SHIPPED_FILES) {
        const src = join(this.appliance.dir, file);
        if (existsSync(src)) copyFileSync(src, join(image, file));
      }
      for (const shared of ['common', 'custom_scripts'] as const) {
        const dir = this.options.store.sharedDir(this.appliance, shared);
        if (dir) cpSync(dir, join(local, 'store', shared), { recursive: true });
      }
      const vmConfig = [
        'VM_NAME',
        'MEMORY',
        'VCPUS',
        'MAC',
        'BRIDGE',
        'KERNEL',
        'RAMDISK',
        ...Object.keys(disks).map((d) => `${d.toUpperCase()}_DISK`),
      ]
        .filter((k) => vars[k] !== undefined)
        .map((k) => `${k}=${quoteArg(vars[k]!)}`);
      writeFileSync(join(local, 'vm_config'), `${vmConfig.join('\n')}\n`);
      const params = { ...this.params, mac: vars.MAC!, bridge: vars.BRIDGE! };
      writeFileSync(
        join(local, 'params'),
        `${Object.entries(params)
          .map(([k, v]) => `${k}=${quoteArg(v)}`)
          .join('\n')}\n`,
      );
      writeFileSync(join(local, this.logName('.args')), `${this.provisionArgs(work).join(' ')}\n`);

      this.work = work;
      this.undo.add(`folder ${work}`, () => this.undoCmd('rm', '-rf', '--', work));
      await this.untarOnHost(local, work);
    } finally {
      rmSync(local, { recursive: true, force: true });
    }
    return vars;
  }

  private logName(suffix: string): string {
    return `${this.appliance.name}_${this.name}${suffix}`;
  }

  private provisionArgs(work: string): string[] {
    const image = `${work}/store/${this.appliance.name}`;
    return [
      '-x',
      `${work}/vm_config`,
      '-p',
      `${work}/params`,
      '-s',
      `${work}/store`,
      '-i',
      this.appliance.name,
      '-l',
      `${work}/${this.logName('.log')}`,
      '-c',
      `${image}/image.conf`,
    ];
  }

  /** Streams a local folder as a tar archive into `tar -x` on the host: one command. */
  private async untarOnHost(localDir: string, remoteDir: string): Promise<void> {
    const channel = await this.shell.openChannel([
      ...this.prefix,
      'sh',
      '-c',
      'dir=$1; shift; mkdir -m 0700 -- "$dir" && exec "$@"',
      'sh',
      remoteDir,
      'tar',
      '-x',
      '--no-same-owner',
      '-f',
      '-',
      '-C',
      remoteDir,
    ]);
    let stderr = '';
    channel.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    channel.resume();
    const exit = new Promise<number | null>((resolve) => {
      let code: number | null = null;
      channel.on('exit', (c: number | null) => (code = c));
      channel.on('close', () => resolve(code));
    });
    const tar = spawn('tar', ['-c', '-f', '-', '-C', localDir, '.'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    tar.stdout.pipe(channel);
    const code = await exit;
    if (code !== 0)
      throw new Error(
        `Copying the image store to ${remoteDir} failed: ${stderr.trim() || `exit ${code}`}`,
      );
  }

  private async createDisk(disk: ApplianceDisk, needed: Needed[]): Promise<void> {
    const path = this.diskPath(disk);
    const sizeMiB =
      this.params[`${disk.dev}_disk_size`] ?? (disk.sizeMiB === null ? null : String(disk.sizeMiB));
    const cached = (file: string | null) => needed.find((n) => n.local === file)!.remote;
    // Registered before the file exists: a cancel may land while it is being made.
    this.undo.add(`file ${path}`, () => this.undoCmd('rm', '-f', '--', path));
    const src = disk.source;
    if (src.kind === 'image' && src.format === 'qcow2') {
      // An overlay on the cached base: nothing is copied, whatever the base's size.
      await this.cmd(
        'qemu-img',
        'create',
        '-q',
        '-f',
        'qcow2',
        '-b',
        cached(src.file),
        '-F',
        'qcow2',
        path,
        ...(sizeMiB ? [`${sizeMiB}M`] : []),
      );
    } else if (src.kind === 'image' && this.xen) {
      // dom0 has busybox's cp and no qemu-img; a raw file grows with truncate.
      await this.cmd('cp', '--', cached(src.file), path);
      if (sizeMiB) await this.cmd('truncate', '-s', `${sizeMiB}M`, path);
    } else if (src.kind === 'image') {
      await this.cmd('cp', '--sparse=always', '--', cached(src.file), path);
      if (sizeMiB) await this.cmd('qemu-img', 'resize', '-q', '-f', 'raw', path, `${sizeMiB}M`);
    } else if (src.kind === 'empty' && this.xen) {
      await this.cmd('truncate', '-s', `${sizeMiB}M`, path);
    } else if (src.kind === 'empty') {
      await this.cmd('qemu-img', 'create', '-q', '-f', 'qcow2', path, `${sizeMiB}M`);
    } else {
      // DTC's install_os: unpack with numeric owners, let the hooks adjust the tree, then make
      // the filesystem from it (mkfs -d: no loop mount needed).
      const root = `${this.work!}/root-${disk.dev}`;
      const z = src.format === 'tar_gz' ? ['-z'] : src.format === 'tar_bz2' ? ['-j'] : [];
      await this.cmd('mkdir', '--', root);
      await this.cmd(
        'tar',
        '--numeric-owner',
        '-x',
        '-p',
        ...z,
        '-f',
        cached(src.file),
        '-C',
        root,
      );
      for (const hook of DTC_HOOKS) {
        if (!this.appliance.hooks.includes(hook)) continue;
        this.step = `running the ${hook} hook`;
        await this.cmd(
          ...this.withTimeout(),
          `${this.work!}/store/${this.appliance.name}/${hook}`,
          root,
          `${this.work!}/params`,
        );
      }
      this.step = 'creating disks';
      await this.cmd(`mkfs.${src.fsType}`, '-q', '-F', '-d', root, path, `${sizeMiB}M`);
      await this.cmd('rm', '-rf', '--', root);
    }
  }

  private get timeoutSeconds(): number {
    return Number(this.params.provision_timeout ?? this.appliance.provisionTimeoutSeconds);
  }

  /** provision.sh and the hooks run under `timeout` (the appliance's provision_timeout). */
  private withTimeout(): string[] {
    return ['timeout', '-k', '5', String(this.timeoutSeconds)];
  }

  private async runProvisionScript(): Promise<void> {
    const work = this.work!;
    const script = `${work}/store/${this.appliance.name}/provision.sh`;
    const timeout = this.timeoutSeconds;
    // provision.sh, then its log file (`.log`) on standard error: one round trip.
    const r = await this.shell.exec([
      ...this.prefix,
      'sh',
      '-c',
      'log=$1; shift; "$@"; rc=$?; [ -s "$log" ] && { echo "--- $log"; cat -- "$log"; } >&2; exit $rc',
      'sh',
      `${work}/${this.logName('.log')}`,
      ...this.withTimeout(),
      'sh',
      script,
      ...this.provisionArgs(work),
    ]);
    if (r.code === 124 || r.code === 137)
      throw new Error(`provision.sh of ${this.appliance.name} did not finish within ${timeout} s.`);
    if (r.code !== 0)
      throw new Error(
        `provision.sh of ${this.appliance.name} failed (exit ${r.code ?? r.signal ?? '?'}).`,
      );
  }

  private async removeWorkDir(): Promise<void> {
    if (!this.work) return;
    await this.cmd('rm', '-rf', '--', this.work);
    this.work = null;
  }

  /** The appliance's error hook sees the failure before anything is removed. */
  protected override async beforeUndo(): Promise<void> {
    if (!this.work || !this.appliance.hooks.includes(ERROR_HOOK)) return;
    await this.cleanup
      .exec([
        ...this.prefix,
        ...this.withTimeout(),
        `${this.work}/store/${this.appliance.name}/${ERROR_HOOK}`,
        this.name,
        this.step,
      ])
      .catch(() => undefined);
  }
}
