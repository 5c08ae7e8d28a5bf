// Provisioning parameters: the appliance's defaults (image.conf), the operator's changes (only
// keys listed in customizable_options), every value validated before anything runs on a host.
import { randomBytes } from 'node:crypto';
import { InvalidInputError, validateVmName } from '../../shared/validation/names.js';
import { validateParam } from '../../shared/validation/provision-params.js';
import type { Appliance } from './image-store.js';

export { validateParam };

export type ProvisionParams = Record<string, string>;

/** Keys every appliance accepts besides its image.conf keys (defaults come from the host). */
export const HOST_DEFAULTED = ['mac', 'bridge'] as const;

/** Defaults of keys image.conf may leave out. */
export const FALLBACK_DEFAULTS: Readonly<ProvisionParams> = { memory: '512', vcpus: '1' };

/**
 * The parameters of one provisioning: defaults from image.conf, then the operator's overrides.
 * Refuses keys the appliance does not let the operator change and any invalid value.
 * `mac` and `bridge` stay unset unless given: they default to values found on the host.
 */
export function resolveParams(
  appliance: Appliance,
  vmName: string,
  overrides: Readonly<Record<string, string>> = {},
): ProvisionParams {
  validateVmName(vmName);
  const params: ProvisionParams = {};
  for (const [key, value] of appliance.conf) {
    if (
      key === 'customizable_options' ||
      key === 'description' ||
      key === 'os' ||
      key === 'platform' ||
      key === 'cloud_init' ||
      key === 'source_url' ||
      key === 'licence' ||
      key === 'VM_DISKS_DIR'
    )
      continue;
    if (
      /_(src|src_type|src_format|src_checksum|src_checksum_url|disk_create|disk_type|disk_fs_type)$/.test(
        key,
      )
    )
      continue;
    params[key] = value;
  }
  for (const [key, value] of Object.entries(overrides)) {
    if (!appliance.customizable.includes(key)) {
      throw new InvalidInputError(
        key,
        `${key}: not a customizable option of ${appliance.name} (customizable: ${appliance.customizable.join(', ') || 'none'})`,
      );
    }
    params[key] = value;
  }
  for (const [key, value] of Object.entries(params)) params[key] = validateParam(key, value);
  return { ...FALLBACK_DEFAULTS, ...params };
}

/** A random MAC: `52:54:00:xx:xx:xx` (libvirt's prefix) on KVM, `00:16:3e:xx:xx:xx` on Xen. */
export function autogenMac(platform: 'kvm' | 'xen'): string {
  const prefix = platform === 'xen' ? '00:16:3e' : '52:54:00';
  const tail = [...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0'));
  return [prefix, ...tail].join(':');
}

export interface TemplateContext {
  vmName: string;
  serverName: string;
  defaultBridge: string;
  autogenMac: string;
  /** libvirt's domain type on this host: `kvm`, or `qemu` without hardware virtualization. */
  virtType: 'kvm' | 'qemu';
  /** Where the store and this image were copied on the host for provision.sh. */
  imageStore: string;
  imageLocation: string;
  /** Host paths of the VM's disks, by device (`vda`), and of its kernel and initrd. */
  disks: Record<string, string>;
  kernel?: string;
  ramdisk?: string;
}

/**
 * The variables vm_conf.template may use: ConVirt's (IMAGE_STORE, IMAGE_NAME, IMAGE_LOCATION,
 * VM_NAME, SERVER_NAME, DEFAULT_BRIDGE, AUTOGEN_MAC), every parameter upper-cased (MEMORY,
 * HOSTNAME, ...), `<DEV>_DISK` for each disk, KERNEL, RAMDISK and VIRT_TYPE.
 */
export function templateVariables(
  appliance: Appliance,
  params: ProvisionParams,
  ctx: TemplateContext,
): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) vars[key.toUpperCase()] = value;
  for (const [dev, path] of Object.entries(ctx.disks)) vars[`${dev.toUpperCase()}_DISK`] = path;
  if (ctx.kernel) vars.KERNEL = ctx.kernel;
  if (ctx.ramdisk) vars.RAMDISK = ctx.ramdisk;
  Object.assign(vars, {
    IMAGE_STORE: ctx.imageStore,
    IMAGE_NAME: appliance.name,
    IMAGE_LOCATION: ctx.imageLocation,
    VM_NAME: ctx.vmName,
    SERVER_NAME: ctx.serverName,
    DEFAULT_BRIDGE: ctx.defaultBridge,
    AUTOGEN_MAC: ctx.autogenMac,
    VIRT_TYPE: ctx.virtType,
  });
  vars.MAC ??= ctx.autogenMac;
  vars.BRIDGE ??= ctx.defaultBridge;
  return vars;
}
