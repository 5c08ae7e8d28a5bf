// Provisioning parameters: what each key means (so the form can label it and pick an input) and
// the one check every value passes, in the provisioning form, in convirtctl and in main.
import { InvalidInputError, validateClientHostPath } from './names.js';

export type ParamType =
  | 'integer'
  | 'mac'
  | 'bridge'
  | 'hostname'
  | 'ipv4-prefix'
  | 'ipv4'
  | 'host-path'
  | 'choice'
  | 'text';

export interface ParamSpec {
  type: ParamType;
  /** How the form labels it. */
  label: string;
  /** Bounds and unit of whole numbers. */
  min?: number;
  max?: number;
  unit?: string;
  /** The values a `choice` takes. */
  choices?: readonly string[];
  /** What a `text` value must also match (empty stays allowed: not set), and what it says. */
  pattern?: { rule: RegExp; says: string };
}

/** LVM's rule for volume group and logical volume names (lvm(8), "VALID NAMES"). */
export const LVM_NAME = /^[A-Za-z0-9+_.][A-Za-z0-9+_.-]{0,126}$/;

const SPECS: Record<string, ParamSpec> = {
  memory: { type: 'integer', label: 'Memory', min: 16, max: 1024 * 1024, unit: 'MiB' },
  vcpus: { type: 'integer', label: 'vCPUs', min: 1, max: 256 },
  provision_timeout: {
    type: 'integer',
    label: 'provision.sh timeout',
    min: 1,
    max: 3600,
    unit: 's',
  },
  mac: { type: 'mac', label: 'MAC address' },
  bridge: { type: 'bridge', label: 'Bridge' },
  hostname: { type: 'hostname', label: 'Host name' },
  ip_address: { type: 'ipv4-prefix', label: 'IPv4 address/prefix' },
  gateway: { type: 'ipv4', label: 'Gateway' },
  dns: { type: 'ipv4', label: 'DNS server' },
  iso: { type: 'host-path', label: 'ISO on the host' },
  // How setup_network writes the guest's network (DTC's dtc-xen_domUconf_network_*): auto looks
  // at the unpacked tree (Red Hat's /etc/redhat-release or /etc/sysconfig).
  network_style: {
    type: 'choice',
    label: 'Network configuration style',
    choices: ['auto', 'debian', 'redhat'],
  },
  // DTC's dtc_setup_vps_disk: disks as files (its `loopback` case) or logical volumes (`lvm`).
  disk_backend: { type: 'choice', label: 'Disks on', choices: ['file', 'lvm'] },
  lvm_volume_group: {
    type: 'text',
    label: 'LVM volume group',
    pattern: {
      rule: LVM_NAME,
      says: "a volume group name: letters, digits, '+', '_', '.' or '-', not starting with '-'",
    },
  },
};

const DISK_SIZE = /^([a-z]+)_disk_size$/;

/** What a parameter is; appliance-specific keys are free text. */
export function paramSpec(key: string): ParamSpec {
  const known = SPECS[key];
  if (known) return known;
  const disk = DISK_SIZE.exec(key);
  if (disk) {
    return {
      type: 'integer',
      label: `Disk ${disk[1]} size`,
      min: 1,
      max: 16 * 1024 * 1024,
      unit: 'MiB',
    };
  }
  return { type: 'text', label: key.replace(/_/g, ' ') };
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HOSTNAME_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
/** Free-text values of appliance-specific options: no quotes, `$`, backquotes or control characters. */
const FREE_TEXT = /^[A-Za-z0-9 _.,:;/@+=%()-]{0,200}$/;

function bad(field: string, message: string): never {
  throw new InvalidInputError(field, `${field}: ${message}`);
}

/** Checks one value; returns it normalized. */
export function validateParam(key: string, value: string): string {
  const spec = paramSpec(key);
  switch (spec.type) {
    case 'integer': {
      const { min = 0, max = Number.MAX_SAFE_INTEGER } = spec;
      if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
        bad(key, `expected a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
      return String(Number(value));
    }
    case 'mac':
      if (!/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(value))
        bad(key, `invalid MAC address ${JSON.stringify(value)}`);
      if (parseInt(value.slice(0, 2), 16) & 1) bad(key, `${value} is a multicast address`);
      return value.toLowerCase();
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
    case 'ipv4-prefix': {
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
    case 'ipv4':
      if (!IPV4.test(value)) bad(key, `expected an IPv4 address, got ${JSON.stringify(value)}`);
      return value;
    case 'host-path':
      if (!value) bad(key, 'give the path of an ISO on the host (upload it first)');
      return validateClientHostPath(value);
    case 'choice':
      if (!spec.choices?.includes(value))
        bad(key, `expected one of ${spec.choices?.join(', ')}, got ${JSON.stringify(value)}`);
      return value;
    case 'text':
      if (!FREE_TEXT.test(value)) bad(key, `unsupported characters in ${JSON.stringify(value)}`);
      if (value && spec.pattern && !spec.pattern.rule.test(value))
        bad(key, `expected ${spec.pattern.says}, got ${JSON.stringify(value)}`);
      return value;
  }
}
