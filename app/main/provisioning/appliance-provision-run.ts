// Provisioning a VM from an appliance of the image store, as one task: the appliance's files into
// the host's image cache (reused by checksum), its work folder with provision.sh, the disks
// (overlays on the cached images, copies, empty disks, or DTC-style filesystems filled from an
// archive), provision.sh and the hooks, then the VM defined from vm_conf.template and started if
// asked. The host's driver makes disks and defines the VM the way its hypervisor does.
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ApplianceImageState } from '../../shared/contract/convirt-contract.js';
import type { Host } from '../../shared/domain/inventory.js';
import type { DiskSpec } from '../hypervisors/disk-commands.js';
import {
  DTC_HOOKS,
  ERROR_HOOK,
  type Appliance,
  type ApplianceDisk,
  type ImageStore,
} from '../image-store/image-store.js';
import type { ProvisionParams } from '../image-store/parameters.js';
import { substitute } from '../image-store/text-substitution.js';
import type { DriverSettings } from '../hypervisors/drivers.js';
import type { RemoteShell } from '../ssh/ssh-connection.js';
import type { TaskContext } from '../tasks/task-runner.js';
import {
  applianceDiskPath,
  applianceVariables,
  CONFIG_VALUE,
  vmConfig,
} from './appliance-config.js';
import { fetchToCache } from './appliance-downloads.js';
import { applianceFiles, copyToCache, notCached, type CachedFile } from './appliance-images.js';
import { ApplianceWorkDir } from './appliance-work-dir.js';
import { makeSeed, seedFiles, seedPath } from './cloud-init-seed.js';
import type { ChecksumCache } from './checksums.js';
import { surveyHost, type HostSurvey } from './host-survey.js';
import type { ProvisionRequest, ProvisionResult } from './provision-types.js';
import { ProvisionRun } from './provision-run.js';
import { checkRootTarball } from './tarball-check.js';

const MiB = 1024 * 1024;
/** Room a work folder and a qcow2 overlay need on top of the sizes counted. */
const SLACK_BYTES = 16 * MiB;

export interface ApplianceRunOptions {
  store: ImageStore;
  checksums: ChecksumCache;
  connect(host: string): Promise<RemoteShell>;
  drivers?: DriverSettings;
}

/** The appliance's files and those of them the host's image cache lacks (one read-only command). */
async function cacheSurvey(
  options: Pick<ApplianceRunOptions, 'checksums'>,
  shell: RemoteShell,
  prefix: readonly string[],
  appliance: Appliance,
  imageCache: string,
): Promise<{ needed: CachedFile[]; missing: CachedFile[] }> {
  const needed = await applianceFiles(appliance, options.checksums, imageCache);
  const survey = await surveyHost(shell, prefix, { imageCache, disks: imageCache }, [
    ...needed.map((n) => n.remote),
  ]);
  return { needed, missing: needed.filter((n) => notCached(n, survey.existing)) };
}

/** Whether each of the appliance's files is in the host's image cache (the image store's view). */
export async function applianceImageStatus(
  options: Pick<ApplianceRunOptions, 'checksums' | 'connect'>,
  host: Host,
  appliance: Appliance,
  imageCache: string,
): Promise<ApplianceImageState[]> {
  // Nothing to look for (only empty disks): the host need not be asked.
  if (
    !appliance.kernel &&
    !appliance.ramdisk &&
    appliance.disks.every((d) => d.source.kind === 'empty')
  )
    return [];
  const shell = await options.connect(host.name);
  const prefix = host.useSudo ? ['sudo', '-n'] : [];
  const { needed, missing } = await cacheSurvey(options, shell, prefix, appliance, imageCache);
  return needed.map((n) => ({
    source: n.local,
    cachedPath: n.remote,
    present: !missing.includes(n),
  }));
}

/** An appliance's files into a host's image cache, alone (convirtctl appliance fetch). */
export async function fetchApplianceImages(
  options: ApplianceRunOptions,
  ctx: TaskContext,
  host: Host,
  appliance: Appliance,
  imageCache: string,
): Promise<void> {
  const shell = ctx.record(await options.connect(host.name));
  const prefix = host.useSudo ? ['sudo', '-n'] : [];
  const { needed, missing } = await cacheSurvey(options, shell, prefix, appliance, imageCache);
  const target = { shell, prefix, ctx, imageCache };
  await copyToCache(target, needed, missing);
  await fetchToCache(target, needed, missing, (fraction, text) => ctx.progress(fraction, text));
  ctx.progress(1, missing.length ? 'Fetched' : 'Already on the host');
}

export class ApplianceProvisionRun extends ProvisionRun {
  private work: ApplianceWorkDir | null = null;

  constructor(
    private readonly options: ApplianceRunOptions,
    ctx: TaskContext,
    host: Host,
    private readonly appliance: Appliance,
    private readonly params: ProvisionParams,
    private readonly request: ProvisionRequest,
    private readonly dirs: { imageCache: string; disks: string },
  ) {
    super(ctx, host, request.name);
  }

  async run(): Promise<ProvisionResult> {
    const { ctx, appliance } = this;
    // Before the host is even reached: a bad tarball must not get near a `tar -x` run as root.
    for (const disk of appliance.disks)
      if (disk.source.kind === 'content' && disk.source.file) {
        ctx.progress(0, `Checking ${basename(disk.source.file)}`);
        const members = await checkRootTarball(disk.source.file, disk.source.format);
        ctx.log(`${disk.source.file}: ${members} members, all inside the VM's root.`);
      }
    await this.attach((target) => this.options.connect(target), this.options.drivers);
    const profile = this.driver.provisioning;
    try {
      ctx.progress(0, 'Checking the host');
      const needed = await applianceFiles(appliance, this.options.checksums, this.dirs.imageCache);
      const diskPaths = appliance.disks.map((d) =>
        applianceDiskPath(profile, this.dirs.disks, this.name, d),
      );
      const seed = this.request.cloudInit ? seedPath(this.dirs.disks, this.name) : null;
      if (seed) diskPaths.push(seed);
      // Two read-only commands, at once: each round trip to the host counts.
      const [survey, taken] = await Promise.all([
        surveyHost(this.shell, this.prefix, this.dirs, [
          ...needed.map((n) => n.remote),
          ...diskPaths,
        ]),
        this.driver.exists(this.name),
      ]);
      const bridge = this.checkSurvey(survey, taken, diskPaths, this.params.bridge);
      const missing = needed.filter((n) => notCached(n, survey.existing));
      this.checkFreeSpace(survey.free, missing);

      this.step = 'copying images';
      await copyToCache(
        { shell: this.shell, prefix: this.prefix, ctx, imageCache: this.dirs.imageCache },
        needed,
        missing,
      );
      this.step = 'fetching images';
      await fetchToCache(
        { shell: this.shell, prefix: this.prefix, ctx, imageCache: this.dirs.imageCache },
        needed,
        missing,
        (fraction, text) => ctx.progress(0.05 + 0.6 * fraction, text),
      );

      this.step = 'preparing provision.sh';
      ctx.progress(0.7, 'Preparing provision.sh');
      const work = new ApplianceWorkDir({
        shell: this.shell,
        prefix: this.prefix,
        store: this.options.store,
        appliance,
        params: this.params,
        vmName: this.name,
        disksDir: this.dirs.disks,
        taskId: ctx.task.id,
      });
      const vars = applianceVariables(appliance, this.params, {
        host: this.host,
        vmName: this.name,
        work,
        cached: needed,
        diskPaths,
        bridge,
        virtType: survey.virtType,
      });
      if (seed) vars.CIDATA_DISK = seed;
      this.work = work;
      this.undo.add(`folder ${work.path}`, () => this.undoCmd('rm', '-rf', '--', work.path));
      await work.ship(vmConfig(vars, appliance), {
        ...this.params,
        mac: vars.MAC!,
        bridge: vars.BRIDGE!,
      });

      this.step = 'creating disks';
      ctx.progress(0.75, 'Creating disks');
      for (const disk of appliance.disks) await this.createDisk(work, disk, needed);
      if (seed) {
        this.step = 'making the cloud-init seed';
        this.undoFile(seed);
        const files = seedFiles(this.request.cloudInit!, { name: this.name, mac: vars.MAC! });
        await makeSeed(this.shell, this.prefix, work.path, seed, files);
      }

      this.step = 'running provision.sh';
      ctx.progress(0.85, 'Running provision.sh');
      await work.runProvisionScript();

      this.step = 'defining the VM';
      ctx.progress(0.9, 'Defining the VM');
      const template = readFileSync(join(appliance.dir, 'vm_conf.template'), 'utf8');
      await this.defineVm(substitute(template, vars, CONFIG_VALUE[profile.configFormat]));
      if (this.request.start) {
        this.step = 'starting the VM';
        ctx.progress(0.95, 'Starting the VM');
        await Promise.all([this.driver.start(this.name), this.removeWorkDir()]);
      } else await this.removeWorkDir();
      ctx.progress(1, 'Done');
      return { name: this.name, disks: diskPaths, started: this.request.start === true };
    } catch (err) {
      await this.rollBack((err as Error).message);
      throw err;
    }
  }

  private checkFreeSpace(free: HostSurvey['free'], missing: CachedFile[]): void {
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

  private async createDisk(
    work: ApplianceWorkDir,
    disk: ApplianceDisk,
    needed: CachedFile[],
  ): Promise<void> {
    const path = applianceDiskPath(this.driver.provisioning, this.dirs.disks, this.name, disk);
    const sizeMiB =
      this.params[`${disk.dev}_disk_size`] ?? (disk.sizeMiB === null ? null : String(disk.sizeMiB));
    const size = sizeMiB ? { sizeMiB } : {};
    const cached = (file: string | null) => needed.find((n) => n.local === file)!.remote;
    const src = disk.source;
    let spec: DiskSpec;
    if (src.kind === 'image' && src.format === 'qcow2')
      spec = { kind: 'overlay', path, base: cached(src.file), baseFormat: 'qcow2', ...size };
    else if (src.kind === 'image') spec = { kind: 'copy', path, source: cached(src.file), ...size };
    else if (src.kind === 'empty' && src.swap) {
      // DTC's dtc_setup_vps_disk makes the swap area beside the root filesystem.
      await this.makeDisk({ kind: 'empty', path, format: 'raw', sizeMiB: String(sizeMiB) });
      await this.cmd('mkswap', path);
      return;
    } else if (src.kind === 'empty')
      spec = {
        kind: 'empty',
        path,
        format: this.driver.provisioning.emptyDiskFormat,
        sizeMiB: String(sizeMiB),
      };
    else {
      this.undoFile(path);
      await this.fillFilesystem(work, disk, cached(src.file), path, String(sizeMiB));
      return;
    }
    await this.makeDisk(spec);
  }

  /**
   * DTC's install_os: unpack with numeric owners, let the hooks adjust the tree, then make the
   * filesystem from it (mkfs -d: no loop mount needed). The same on a KVM host and in a Xen dom0
   * (GNU or busybox tar, e2fsprogs' mke2fs).
   */
  private async fillFilesystem(
    work: ApplianceWorkDir,
    disk: ApplianceDisk,
    archive: string,
    path: string,
    sizeMiB: string,
  ): Promise<void> {
    const src = disk.source;
    if (src.kind !== 'content') return;
    const root = `${work.path}/root-${disk.dev}`;
    const z = src.format === 'tar_gz' ? ['-z'] : src.format === 'tar_bz2' ? ['-j'] : [];
    await this.cmd('mkdir', '--', root);
    await this.cmd('tar', '--numeric-owner', '-x', '-p', ...z, '-f', archive, '-C', root);
    for (const hook of DTC_HOOKS) {
      if (!this.appliance.hooks.includes(hook)) continue;
      this.step = `running the ${hook} hook`;
      await this.cmd(...work.hookArgv(hook, root, work.paramsFile));
    }
    this.step = 'creating disks';
    await this.cmd(`mkfs.${src.fsType}`, '-q', '-F', '-d', root, path, `${sizeMiB}M`);
    await this.cmd('rm', '-rf', '--', root);
  }

  private async removeWorkDir(): Promise<void> {
    if (!this.work) return;
    await this.cmd('rm', '-rf', '--', this.work.path);
    this.work = null;
  }

  /** The appliance's error hook sees the failure before anything is removed. */
  protected override async beforeUndo(): Promise<void> {
    if (!this.work || !this.appliance.hooks.includes(ERROR_HOOK)) return;
    await this.cleanup
      .exec([...this.prefix, ...this.work.hookArgv(ERROR_HOOK, this.name, this.step)])
      .catch(() => undefined);
  }
}
