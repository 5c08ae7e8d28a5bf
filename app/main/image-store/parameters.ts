// Provisioning parameters: the appliance's defaults (image.conf), the operator's changes (only
// keys listed in customizable_options), every value validated before anything runs on a host.
import { randomBytes } from 'node:crypto';
import {
  InvalidInputError,
  validateHostPath,
  validateVmName,
} from '../../shared/validation/names.js';
import type { Appliance } from './image-store.js';

export type ProvisionParams = Record<string, string>;

/** Keys every appliance accepts besides its image.conf keys (defaults come from the host). */
export const HOST_DEFAULTED = ['mac', 'bridge'] as const;

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HOSTNAME_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
/** Free-text values of appliance-specific options: no quotes, `$`, backquotes or control characters. */
const FREE_TEXT = /^[A-Za-z0-9 _.,:;/@+=%()-]{0,200}$/;

function bad(field: string, message: string): never {
  throw new InvalidInputError(field, `${field}: ${message}`);
}

function wholeNumber(field: string, value: string, min: number, max: number): string {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
    bad(field, `expected a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return String(Number(value));
}

/** Checks one value; returns it normalized. */
export function validateParam(key: string, value: string): string {
  switch (key) {
    case 'memory':
      return wholeNumber(key, value, 16, 1024 * 1024);
    case 'vcpus':
      return wholeNumber(key, value, 1, 256);
    case 'provision_timeout':
      return wholeNumber(key, value, 1, 3600);
    case 'mac': {
      if (!/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(value))
        bad(key, `invalid MAC address ${JSON.stringify(value)}`);
      if (parseInt(value.slice(0, 2), 16) & 1) bad(key, `${value} is a multicast address`);
      return value.toLowerCase();
    }
    case 'bridge':
      if (!/^[A-Za-z0-9_.-]{1,15}$/.test(value))
        bad(key, `invalid bridge name ${JSON.stringify(value)}`);
      return value;
    case 'hostname':
      if (value.length > 253 || !value.split('.').every((l) => HOSTNAME_LABEL.test(l)))
        bad(
          key,
          `invalid host name ${JSON.stringify(value)}: letters, digits and '-', dot-separated`,
        );
      return value;
    case 'ip_address': {
      const [ip, prefix, extra] = value.split('/');
      if (
        extra !== undefined ||
        !IPV4.test(ip ?? '') ||
        prefix === undefined ||
        !/^\d+$/.test(prefix) ||
        Number(prefix) > 32
      )
        bad(
          key,
          `expected an IPv4 address with its prefix length (10.0.0.5/24), got ${JSON.stringify(value)}`,
        );
      return value;
    }
    case 'gateway':
    case 'dns':
      if (!IPV4.test(value)) bad(key, `expected an IPv4 address, got ${JSON.stringify(value)}`);
      return value;
    case 'iso':
      if (!value) bad(key, 'give the path of an ISO on the host (upload it first)');
      return validateHostPath(value);
    default:
      if (/^[a-z]+_disk_size$/.test(key)) return wholeNumber(key, value, 1, 16 * 1024 * 1024);
      if (!FREE_TEXT.test(value)) bad(key, `unsupported characters in ${JSON.stringify(value)}`);
      return value;
  }
}

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
      key === 'VM_DISKS_DIR'
    )
      continue;
    if (/_(src|src_type|src_format|disk_create|disk_type|disk_fs_type)$/.test(key)) continue;
    params[key] = value;
  }
  for (const [key, value] of Object.entries(overrides)) {
    if (!appliance.customizable.includes(key)) {
      bad(
        key,
        `not a customizable option of ${appliance.name} (customizable: ${appliance.customizable.join(', ') || 'none'})`,
      );
    }
    params[key] = value;
  }
  for (const [key, value] of Object.entries(params)) params[key] = validateParam(key, value);
  params.memory ??= '512';
  params.vcpus ??= '1';
  return params;
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
