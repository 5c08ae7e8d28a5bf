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
  convirtTaskTag,
  lvCreateArgv,
  lvRemoveArgv,
  parseVgSurvey,
  vgSurveyArgv,
  type VolumeGroupSurvey,
} from '../hypervisors/lvm.js';
import { InvalidInputError } from '../../shared/validation/names.js';
import {
  applianceDiskPath,
  applianceVariables,
  CONFIG_VALUE,
  diskBackend,
  vmConfig,
  type DiskBackend,
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
    const backend = this.backend;
    await this.attach((target) => this.options.connect(target), this.options.drivers);
    const profile = this.driver.provisioning;
    try {
      ctx.progress(0, 'Checking the host');
      const needed = await applianceFiles(appliance, this.options.checksums, this.dirs.imageCache);
      const diskPaths = appliance.disks.map((d) =>
        applianceDiskPath(profile, this.dirs.disks, this.name, d, backend),
      );
      const volumes = backend.kind === 'lvm' ? diskPaths.slice() : [];
      const seed = this.request.cloudInit ? seedPath(this.dirs.disks, this.name) : null;
      if (seed) diskPaths.push(seed);
      // Read-only commands, at once: each round trip to the host counts.
      const [survey, taken, group] = await Promise.all([
        surveyHost(this.shell, this.prefix, this.dirs, [
          ...needed.map((n) => n.remote),
          ...diskPaths,
        ]),
        this.driver.exists(this.name),
        backend.kind === 'lvm'
          ? this.shell
              .run([
                ...this.prefix,
                ...vgSurveyArgv(
                  backend.volumeGroup,
                  volumes.map((v) => v.slice(v.lastIndexOf('/') + 1)),
                ),
              ])
              .then(parseVgSurvey)
          : null,
      ]);
      const bridge = this.checkSurvey(survey, taken, diskPaths, this.params.bridge);
      if (backend.kind === 'lvm') this.checkVolumeGroup(backend.volumeGroup, group!);
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
      const config = substitute(template, vars, CONFIG_VALUE[profile.configFormat]);
      await this.defineVm(profile.blockDeviceConfig(config, volumes));
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

  /** Where the disks go: files, or logical volumes of the volume group asked for. */
  private get backend(): DiskBackend {
    return diskBackend(this.params);
  }

  private diskSizeMiB(disk: ApplianceDisk): string | null {
    return (
      this.params[`${disk.dev}_disk_size`] ?? (disk.sizeMiB === null ? null : String(disk.sizeMiB))
    );
  }

  private checkFreeSpace(free: HostSurvey['free'], missing: CachedFile[]): void {
    const needs: Array<[string, number]> = [
      [this.dirs.imageCache, missing.reduce((s, n) => s + n.size, 0)],
      [this.dirs.disks, SLACK_BYTES],
    ];
    const onVolumes = this.backend.kind === 'lvm';
    for (const disk of this.appliance.disks) {
      const size = Number(this.diskSizeMiB(disk) ?? 0) * MiB;
      if (disk.source.kind === 'content') {
        // The unpacked tree is staged next to the disk (a file there too), then written into it.
        needs.push([this.dirs.disks, onVolumes ? size : size * 2]);
      } else if (disk.source.kind === 'image' && disk.source.format === 'raw')
        needs.push([this.dirs.disks, size]);
    }
    this.requireFreeSpace(free, needs);
  }

  /**
   * The volume group's verdict before anything is made: it exists, none of the VM's volumes
   * does, and its free space holds them all (LVM rounds each up to whole extents: a little more).
   */
  private checkVolumeGroup(volumeGroup: string, group: VolumeGroupSurvey): void {
    const host = this.host.name;
    if (group.kind === 'no-lvm')
      throw new InvalidInputError(
        'disk_backend',
        `disk_backend: ${host} has no LVM tools (vgs): install lvm2 there, or use disk_backend = file.`,
      );
    if (group.kind === 'no-vg')
      throw new InvalidInputError(
        'lvm_volume_group',
        `lvm_volume_group: ${host} has no volume group ${volumeGroup} (vgs lists its groups).`,
      );
    const [volume] = group.existing;
    if (volume !== undefined)
      throw new InvalidInputError(
        'name',
        `/dev/${volumeGroup}/${volume} already exists on ${host}.`,
      );
    const needMiB = this.appliance.disks.reduce((s, d) => s + Number(this.diskSizeMiB(d) ?? 0), 0);
    if (needMiB * MiB > group.freeBytes)
      throw new InvalidInputError(
        'lvm_volume_group',
        `Not enough free space in volume group ${volumeGroup} on ${host}: ${needMiB} MiB needed, ${Math.floor(group.freeBytes / MiB)} MiB free.`,
      );
  }

  /** A logical volume for the VM's disk at `path`, removed again if the task fails. */
  private async makeVolume(path: string, sizeMiB: string | null): Promise<void> {
    const backend = this.backend;
    if (backend.kind !== 'lvm') return;
    if (!sizeMiB) throw new InvalidInputError('disk', `${path}: a logical volume needs a size.`);
    // Registered first: a cancel may land while lvcreate runs. The undo removes the volume only
    // if it carries this task's tag: one of the same name made meanwhile by someone else stays.
    const taskTag = convirtTaskTag(this.ctx.task.id);
    this.undo.add(`logical volume ${path}`, () => this.undoCmd(...lvRemoveArgv(path, taskTag)));
    const lv = path.slice(path.lastIndexOf('/') + 1);
    await this.cmd(...lvCreateArgv(backend.volumeGroup, lv, sizeMiB, this.name, taskTag));
  }

  private async createDisk(
    work: ApplianceWorkDir,
    disk: ApplianceDisk,
    needed: CachedFile[],
  ): Promise<void> {
    const backend = this.backend;
    const path = applianceDiskPath(
      this.driver.provisioning,
      this.dirs.disks,
      this.name,
      disk,
      backend,
    );
    const sizeMiB = this.diskSizeMiB(disk);
    const size = sizeMiB ? { sizeMiB } : {};
    const cached = (file: string | null) => needed.find((n) => n.local === file)!.remote;
    const src = disk.source;
    if (backend.kind === 'lvm') {
      // DTC's `lvm` case: the volume is the disk; swap and filesystems are made on it.
      await this.makeVolume(path, sizeMiB);
      if (src.kind === 'empty' && src.swap) await this.cmd('mkswap', path);
      else if (src.kind === 'content')
        await this.fillFilesystem(work, disk, cached(src.file), path, null);
      return;
    }
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
   * (GNU or busybox tar, e2fsprogs' mke2fs). A file gets `sizeMiB`; a logical volume (null)
   * is filled whole.
   */
  private async fillFilesystem(
    work: ApplianceWorkDir,
    disk: ApplianceDisk,
    archive: string,
    path: string,
    sizeMiB: string | null,
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
    const size = sizeMiB === null ? [] : [`${sizeMiB}M`];
    await this.cmd(`mkfs.${src.fsType}`, '-q', '-F', '-d', root, path, ...size);
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
