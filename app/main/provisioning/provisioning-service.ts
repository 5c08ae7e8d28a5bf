// Provisioning a VM, as ONE task with steps and a full log, from an appliance of the image store
// (appliance-provision-run.ts) or from a template or ISO registered by URL
// (template-provisioning.ts). This checks the request before anything runs on the host (locally;
// the task then takes one read-only look at the host). On any failure, everything the task made
// is removed again and listed in the log. The host's driver knows how its hypervisor differs: on
// Xen hosts the same flow runs in dom0 with raw file-backed disks and the xl config written to
// XENCONF_DIR/NAME.cfg (convirt.conf's xenconf_dir, /etc/xen by default) and started by
// `xl create`.
import type { ApplianceImageState } from '../../shared/contract/convirt-contract.js';
import type { Host } from '../../shared/domain/inventory.js';
import { validateCloudInit } from '../../shared/validation/cloud-init.js';
import {
  InvalidInputError,
  validateHostPath,
  validateVmName,
} from '../../shared/validation/names.js';
import type { VmConfigFormat } from '../hypervisors/driver.js';
import { driverKind, type DriverSettings } from '../hypervisors/drivers.js';
import type { ImageStore } from '../image-store/image-store.js';
import { resolveParams } from '../image-store/parameters.js';
import type { Task } from '../inventory/index.js';
import type { RemoteShell } from '../ssh/ssh-connection.js';
import type { TaskRunner } from '../tasks/task-runner.js';
import type { UrlTemplateService } from '../templates/url-template-service.js';
import { CONFIG_VALUE } from './appliance-config.js';
import {
  applianceImageStatus,
  ApplianceProvisionRun,
  fetchApplianceImages,
} from './appliance-provision-run.js';
import type { ChecksumCache } from './checksums.js';
import {
  DEFAULT_HOST_PATHS,
  type HostPaths,
  type ProvisionRequest,
  type ProvisionResult,
} from './provision-types.js';
import {
  templateParams,
  TemplateProvisionRun,
  type TemplatePool,
} from './template-provisioning.js';

export {
  DEFAULT_HOST_PATHS,
  type HostPaths,
  type ProvisionRequest,
  type ProvisionResult,
  type ProvisionSource,
} from './provision-types.js';

export interface ProvisioningOptions {
  store: ImageStore;
  tasks: TaskRunner;
  checksums: ChecksumCache;
  host(name: string): Host;
  connect(host: string): Promise<RemoteShell>;
  /** xenconf_dir and the default bridges from convirt.conf. */
  drivers?: DriverSettings;
  hostPaths?: HostPaths;
  /** Templates and ISOs by URL, for requests naming a `template`. */
  templates?: UrlTemplateService;
  /**
   * The storage pool a host's templates go into; by default the host's own disks folder
   * (`HOST:DIR`), which only that host reaches.
   */
  templatePool?(host: Host): TemplatePool;
}

/** Which hosts an appliance's vm_conf.template provisions, in the operator's words. */
const PROVISIONS: Record<VmConfigFormat, string> = {
  xl: 'Xen hosts through xl',
  'libvirt-xml': 'KVM hosts through libvirt',
};

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
    const profile = driverKind(host.hypervisor).provisioning;
    if (appliance.templateKind !== profile.configFormat)
      throw new InvalidInputError(
        'host',
        `${appliance.name} provisions ${PROVISIONS[appliance.templateKind]}; ${host.name} is a ${host.hypervisor} host.`,
      );
    if (appliance.missing.length)
      throw new InvalidInputError(
        'appliance',
        `${appliance.name} is not built: missing ${appliance.missing.join(', ')} (run test/bed/appliances/build.sh).`,
      );
    const params = resolveParams(appliance, request.name, request.params);
    if (request.cloudInit && !appliance.cloudInit)
      throw new InvalidInputError(
        'cloud_init',
        `${appliance.name} does not run cloud-init: it takes no cloud-init settings.`,
      );
    const cloudInit = appliance.cloudInit ? validateCloudInit(request.cloudInit ?? {}) : undefined;
    for (const disk of appliance.disks) {
      const { source } = disk;
      if (source.kind === 'content' && !/^ext[234]$/.test(source.fsType))
        throw new InvalidInputError(
          'appliance',
          `${appliance.name}: ${disk.dev}_disk_fs_type ${source.fsType} is not supported (ext2, ext3 or ext4).`,
        );
      // dom0 makes disks with cp, truncate and mkfs: no qemu-img.
      const makeable =
        source.kind === 'empty' ||
        (source.kind === 'content' && profile.filledDisks) ||
        (source.kind === 'image' && profile.imageFormats.includes(source.format));
      if (!makeable)
        throw new InvalidInputError(
          'appliance',
          `${appliance.name}: ${disk.dev} must be a ${profile.imageFormats.join(' or ')} disk image or an empty disk on ${host.hypervisor} hosts.`,
        );
    }
    // Values the configuration format cannot hold are refused now, not when it is written.
    for (const [key, value] of Object.entries(params))
      CONFIG_VALUE[profile.configFormat](value, key);
    const paths = this.options.hostPaths ?? DEFAULT_HOST_PATHS;
    const disks = validateHostPath(
      paths.disks ?? appliance.conf.get('VM_DISKS_DIR') ?? profile.disksDir,
    );
    const imageCache = this.imageCache(host);
    return this.options.tasks.run('vm.provision', `${host.name}/${request.name}`, (ctx) =>
      new ApplianceProvisionRun(
        this.options,
        ctx,
        host,
        appliance,
        params,
        { ...request, cloudInit },
        {
          imageCache,
          disks,
        },
      ).run(),
    );
  }

  /** The host's image cache: its hypervisor's folder unless HostPaths names one. */
  private imageCache(host: Host): string {
    const paths = this.options.hostPaths ?? DEFAULT_HOST_PATHS;
    const profile = driverKind(host.hypervisor).provisioning;
    return validateHostPath(paths === DEFAULT_HOST_PATHS ? profile.imageCache : paths.imageCache);
  }

  /**
   * Puts an appliance's files in a host's image cache ahead of any provisioning: fetched from
   * their URLs by the host, or copied from this machine; what is there already is kept.
   */
  fetchImages(hostName: string, applianceName: string): { task: Task; result: Promise<void> } {
    const host = this.options.host(hostName);
    const appliance = this.options.store.get(applianceName);
    if (appliance.missing.length)
      throw new InvalidInputError(
        'appliance',
        `${appliance.name} is not built: missing ${appliance.missing.join(', ')}.`,
      );
    const imageCache = this.imageCache(host);
    return this.options.tasks.run('appliance.fetch', `${host.name}/${appliance.name}`, (ctx) =>
      fetchApplianceImages(this.options, ctx, host, appliance, imageCache),
    );
  }

  /** Which of an appliance's files a host has in its image cache already. */
  imageStatus(hostName: string, applianceName: string): Promise<ApplianceImageState[]> {
    const host = this.options.host(hostName);
    const appliance = this.options.store.get(applianceName);
    return applianceImageStatus(this.options, host, appliance, this.imageCache(host));
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
    const disksDir = validateHostPath(
      this.options.hostPaths?.disks ?? driverKind(host.hypervisor).provisioning.disksDir,
    );
    const pool = this.options.templatePool?.(host) ?? {
      pool: `${host.name}:${disksDir}`,
      dir: disksDir,
      hosts: [host.name],
    };
    validateHostPath(pool.dir);
    return this.options.tasks.run('vm.provision', `${host.name}/${request.name}`, (ctx) =>
      new TemplateProvisionRun(ctx, host, request.name, {
        connect: (target) => this.options.connect(target),
        drivers: this.options.drivers,
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
