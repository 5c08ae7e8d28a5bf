// Provisioning a VM from a template or ISO registered by URL (app/main/templates/): the host
// puts the image on its storage pool (a copy already there is reused; else the host downloads it,
// then the pool's other hosts), then the VM's disk is a qcow2 overlay on the pool's copy (qcow2
// template), a copy of it (raw template), or an empty qcow2 disk with the ISO attached as CD-ROM.
// The domain is built from a typed description, always with the guest agent channel. The same
// task, checks and undo as an appliance's provisioning (provision-run.ts).
import type { Host } from '../../shared/domain/inventory.js';
import { InvalidInputError, validateHostPath } from '../../shared/validation/names.js';
import {
  ISO_DISK_MIB,
  TEMPLATE_DEFAULTS,
  TEMPLATE_PARAMS,
  templatesProvision,
} from '../../shared/validation/template-params.js';
import type { UrlTemplate } from '../templates/template-records.js';
import type { UrlTemplateService } from '../templates/url-template-service.js';
import { buildDomainXml, type DomainDisk } from '../hypervisors/kvm/domain-xml.js';
import type { DiskSpec } from '../hypervisors/disk-commands.js';
import { autogenMac, validateParam, type ProvisionParams } from '../image-store/parameters.js';
import type { DriverSettings } from '../hypervisors/drivers.js';
import type { RemoteShell } from '../ssh/ssh-connection.js';
import type { TaskContext } from '../tasks/task-runner.js';
import { surveyHost } from './host-survey.js';
import { ProvisionRun } from './provision-run.js';

/** Where a host's templates go: the storage pool's identity, its folder, the hosts reaching it. */
export interface TemplatePool {
  /** `HOST:DIR` for a host's own folder, or the name of a pool several hosts share. */
  pool: string;
  dir: string;
  /** The destination host first; the others are tried when its download fails. */
  hosts: string[];
}

const MiB = 1024 * 1024;
/** Room a qcow2 overlay or empty disk needs at first. */
const SLACK_BYTES = 16 * MiB;

/** Checks the template against the host and the parameters; throws InvalidInputError. */
/**
 * A disabled template cannot be provisioned from, and one restricted to server pools only on a
 * host in one of them (`hostPools`: the host's group and its parents).
 */
export function requireTemplateUsable(
  template: UrlTemplate,
  host: Host,
  hostPools: readonly number[],
): void {
  if (!template.enabled)
    throw new InvalidInputError(
      'template',
      `${template.name} is disabled: enable it before provisioning from it (convirtctl image settings NAME --enable).`,
    );
  if (template.serverPools && !template.serverPools.some((id) => hostPools.includes(id)))
    throw new InvalidInputError(
      'template',
      `${template.name} may not be used in ${host.name}'s server pool: it is restricted to other pools.`,
    );
}

export function templateParams(
  template: UrlTemplate,
  host: Host,
  overrides: Readonly<Record<string, string>> = {},
): ProvisionParams {
  if (!templatesProvision(host.hypervisor))
    throw new InvalidInputError(
      'host',
      `Templates by URL provision KVM hosts (through libvirt); ${host.name} is a ${host.hypervisor} host.`,
    );
  if (template.hypervisor !== host.hypervisor)
    throw new InvalidInputError(
      'template',
      `${template.name} is a ${template.hypervisor} template; ${host.name} is a ${host.hypervisor} host.`,
    );
  const params: ProvisionParams = {};
  for (const [key, value] of Object.entries(overrides)) {
    if (!(TEMPLATE_PARAMS as readonly string[]).includes(key))
      throw new InvalidInputError(
        key,
        `${key}: not a parameter of a template's VM (parameters: ${TEMPLATE_PARAMS.join(', ')})`,
      );
    params[key] = validateParam(key, value);
  }
  params.memory ??= TEMPLATE_DEFAULTS.memory;
  params.vcpus ??= TEMPLATE_DEFAULTS.vcpus;
  return params;
}

export class TemplateProvisionRun extends ProvisionRun {
  constructor(
    ctx: TaskContext,
    host: Host,
    name: string,
    private readonly o: {
      connect: (host: string) => Promise<RemoteShell>;
      drivers: DriverSettings | undefined;
      templates: UrlTemplateService;
      template: UrlTemplate;
      pool: TemplatePool;
      disksDir: string;
      params: ProvisionParams;
      start: boolean;
    },
  ) {
    super(ctx, host, name);
  }

  async run(): Promise<{ name: string; disks: string[]; started: boolean }> {
    const { ctx } = this;
    const { template: t, pool, params } = this.o;
    await this.attach(this.o.connect, this.o.drivers);
    // A raw template is copied; a qcow2 template gets an overlay; an ISO an empty qcow2 disk.
    const diskFormat = t.format === 'raw' ? 'raw' : 'qcow2';
    const disk = validateHostPath(`${this.o.disksDir}/${this.name}-vda.${diskFormat}`);
    try {
      ctx.progress(0, 'Checking the host');
      const [survey, taken] = await Promise.all([
        surveyHost(this.shell, this.prefix, { imageCache: pool.dir, disks: this.o.disksDir }, [
          disk,
        ]),
        this.driver.exists(this.name),
      ]);
      const bridge = this.checkSurvey(survey, taken, [disk], params.bridge);
      const grown = Number(params.vda_disk_size ?? 0) * MiB;
      const copied = t.format === 'raw' ? Math.max(t.size ?? 0, grown) : 0;
      const onPool = this.o.templates.hasCopyOn(t.name, pool.pool);
      this.requireFreeSpace(survey.free, [
        [pool.dir, onPool ? 0 : (t.size ?? 0)],
        [this.o.disksDir, SLACK_BYTES + copied],
      ]);

      this.step = `putting ${t.name} on the storage pool`;
      ctx.progress(0.05, `Putting ${t.name} on ${pool.pool}`);
      // The pool's copy is not undone on failure: it is verified, recorded and reused by the next VM.
      const copy = await this.o.templates.deploy({
        template: t.name,
        pool: pool.pool,
        poolDir: pool.dir,
        hosts: pool.hosts,
        signal: ctx.signal,
        log: (line) => ctx.log(line),
        onProgress: (bytes, total) =>
          ctx.progress(
            0.05 + 0.75 * (total ? Math.min(bytes / total, 1) : 0),
            `Downloading ${t.name}: ${bytes} of ${total ?? '?'} bytes`,
          ),
      });
      ctx.log(
        copy.fromStore
          ? `${t.name} was copied from the image store to ${copy.host}:${copy.path}.`
          : copy.downloaded
            ? `${copy.host} downloaded ${t.name} to ${copy.path}.`
            : `Reusing ${copy.path} on ${pool.pool}: nothing downloaded.`,
      );

      this.step = 'creating disks';
      ctx.progress(0.85, 'Creating disks');
      await this.makeDisk(templateDisk(t, copy.path, disk, params));

      this.step = 'defining the VM';
      ctx.progress(0.9, 'Defining the VM');
      const disks: DomainDisk[] = [{ path: disk, format: diskFormat, target: 'vda' }];
      if (t.format === 'iso')
        disks.push({ path: copy.path, format: 'raw', target: 'sda', device: 'cdrom' });
      const xml = buildDomainXml({
        name: this.name,
        memoryMiB: Number(params.memory),
        vcpus: Number(params.vcpus),
        virtType: survey.virtType,
        boot: { kind: 'firmware', bootOrder: t.format === 'iso' ? ['cdrom', 'hd'] : ['hd'] },
        disks,
        interfaces: [
          { type: 'bridge', bridge, mac: params.mac ?? autogenMac(this.host.hypervisor) },
        ],
        graphics: true,
      });
      await this.defineVm(xml);
      if (this.o.start) {
        this.step = 'starting the VM';
        ctx.progress(0.95, 'Starting the VM');
        await this.driver.start(this.name);
      }
      ctx.progress(1, 'Done');
      return { name: this.name, disks: [disk], started: this.o.start };
    } catch (err) {
      await this.rollBack((err as Error).message);
      throw err;
    }
  }
}

/** The VM's disk: an overlay on the pool's copy (qcow2), a copy of it (raw), or empty (ISO). */
function templateDisk(
  t: UrlTemplate,
  source: string,
  path: string,
  params: ProvisionParams,
): DiskSpec {
  const sizeMiB = params.vda_disk_size;
  const size = sizeMiB ? { sizeMiB } : {};
  if (t.format === 'qcow2')
    return { kind: 'overlay', path, base: source, baseFormat: 'qcow2', ...size };
  if (t.format === 'raw') return { kind: 'copy', path, source, ...size };
  return { kind: 'empty', path, format: 'qcow2', sizeMiB: sizeMiB ?? String(ISO_DISK_MIB) };
}
