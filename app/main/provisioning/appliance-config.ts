// What an appliance's configuration files see on the host: the variables substituted into
// vm_conf.template (and written to vm_config for provision.sh), how values are quoted for each
// configuration format, and where each disk file goes.
import type { Host } from '../../shared/domain/inventory.js';
import { InvalidInputError, validateHostPath } from '../../shared/validation/names.js';
import type { ProvisioningProfile, VmConfigFormat } from '../hypervisors/driver.js';
import { logicalVolumeName, logicalVolumePath, validateVolumeGroup } from '../hypervisors/lvm.js';
import type { Appliance, ApplianceDisk } from '../image-store/image-store.js';
import { autogenMac, templateVariables, type ProvisionParams } from '../image-store/parameters.js';
import { escapeXml, xlStringValue } from '../image-store/text-substitution.js';
import type { CachedFile } from './appliance-images.js';
import type { ApplianceWorkDir } from './appliance-work-dir.js';

/** How a value goes into a VM configuration of each format (xl refuses what it cannot quote). */
export const CONFIG_VALUE: Record<VmConfigFormat, (value: string, name?: string) => string> = {
  'libvirt-xml': escapeXml,
  xl: xlStringValue,
};

/**
 * Where a provisioning puts the VM's disks (DTC's dtc_setup_vps_disk): files in the disks folder
 * (its `loopback` case, the default) or logical volumes of a volume group (its `lvm` case).
 */
export type DiskBackend = { kind: 'file' } | { kind: 'lvm'; volumeGroup: string };

/** The disk backend the parameters ask for (`disk_backend`, `lvm_volume_group`). */
export function diskBackend(params: ProvisionParams): DiskBackend {
  if ((params.disk_backend ?? 'file') === 'file') return { kind: 'file' };
  const volumeGroup = params.lvm_volume_group ?? '';
  if (!volumeGroup)
    throw new InvalidInputError(
      'lvm_volume_group',
      'lvm_volume_group: disk_backend = lvm needs the volume group to make the disks in.',
    );
  return { kind: 'lvm', volumeGroup: validateVolumeGroup(volumeGroup) };
}

/**
 * The disk of `disk`: a logical volume `/dev/VG/VM-DEV` with the lvm backend (for filesystems
 * made from a tarball and empty or swap disks; an image is not copied onto a volume), else a
 * file, raw unless it is a qcow2 image or (where they are qcow2) an empty disk other than swap
 * (mkswap writes the file as it is).
 */
export function applianceDiskPath(
  profile: ProvisioningProfile,
  disksDir: string,
  vmName: string,
  disk: ApplianceDisk,
  backend: DiskBackend = { kind: 'file' },
): string {
  const { source } = disk;
  if (backend.kind === 'lvm') {
    if (source.kind === 'image')
      throw new InvalidInputError(
        'disk_backend',
        `disk_backend: ${disk.dev} comes from an image, which ConVirt does not copy onto a logical volume; use disk_backend = file.`,
      );
    return logicalVolumePath(backend.volumeGroup, logicalVolumeName(vmName, disk.dev));
  }
  const raw =
    source.kind === 'content' ||
    (source.kind === 'image' && source.format === 'raw') ||
    (source.kind === 'empty' && (profile.emptyDiskFormat === 'raw' || source.swap === true));
  return validateHostPath(`${disksDir}/${vmName}-${disk.dev}.${raw ? 'raw' : 'qcow2'}`);
}

/** The variables vm_conf.template, vm_config and provision.sh see. */
export function applianceVariables(
  appliance: Appliance,
  params: ProvisionParams,
  o: {
    host: Host;
    vmName: string;
    work: ApplianceWorkDir;
    cached: readonly CachedFile[];
    diskPaths: readonly string[];
    bridge: string;
    virtType: 'kvm' | 'qemu';
  },
): Record<string, string> {
  const cached = (local: string | null) =>
    local ? o.cached.find((n) => n.local === local)?.remote : undefined;
  const disks: Record<string, string> = {};
  appliance.disks.forEach((d, i) => (disks[d.dev] = o.diskPaths[i]!));
  const kernel = cached(appliance.kernel);
  const ramdisk = cached(appliance.ramdisk);
  return templateVariables(appliance, params, {
    vmName: o.vmName,
    serverName: o.host.name,
    defaultBridge: o.bridge,
    autogenMac: autogenMac(o.host.hypervisor),
    virtType: o.virtType,
    imageStore: o.work.storeOnHost,
    imageLocation: `${o.work.storeOnHost}/${appliance.name}`,
    disks,
    ...(kernel ? { kernel } : {}),
    ...(ramdisk ? { ramdisk } : {}),
  });
}

/** vm_config: the VM's settings as shell assignments, for provision.sh. */
export function vmConfig(vars: Readonly<Record<string, string>>, appliance: Appliance) {
  const keys = [
    'VM_NAME',
    'MEMORY',
    'VCPUS',
    'MAC',
    'BRIDGE',
    'KERNEL',
    'RAMDISK',
    ...appliance.disks.map((d) => `${d.dev.toUpperCase()}_DISK`),
  ];
  return Object.fromEntries(keys.filter((k) => vars[k] !== undefined).map((k) => [k, vars[k]!]));
}
