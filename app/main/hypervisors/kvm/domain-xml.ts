// libvirt domain XML, built with an XML library from a typed description: never by pasting strings.
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { validateHostPath, validateVmName } from '../../../shared/validation/names.js';

export const GUEST_AGENT_CHANNEL = 'org.qemu.guest_agent.0';

export type DomainBoot =
  | { kind: 'kernel'; kernel: string; initrd?: string; cmdline?: string }
  | { kind: 'firmware'; bootOrder: Array<'hd' | 'cdrom' | 'network'> };

export interface DomainDisk {
  path: string;
  format: 'qcow2' | 'raw';
  /** Guest device name, e.g. `vda` (virtio) or `sda` (SATA cdrom). */
  target: string;
  device?: 'disk' | 'cdrom';
  readonly?: boolean;
}

export type DomainInterface =
  | { type: 'user'; mac?: string }
  | { type: 'bridge'; bridge: string; mac?: string }
  | { type: 'network'; network: string; mac?: string };

export interface DomainSpec {
  name: string;
  uuid?: string;
  memoryMiB: number;
  vcpus: number;
  /** `kvm` needs hardware virtualization; `qemu` is software emulation (TCG). */
  virtType: 'kvm' | 'qemu';
  boot: DomainBoot;
  disks: DomainDisk[];
  interfaces: DomainInterface[];
  /** A VNC display listening on the host's loopback only (reached through the SSH tunnel). */
  graphics?: boolean;
}

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  suppressEmptyNode: true,
  format: true,
  indentBy: '  ',
});

function positiveInt(value: number, field: string): number {
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${field} must be a positive integer, not ${value}`);
  return value;
}

function diskNode(disk: DomainDisk) {
  validateHostPath(disk.path);
  if (!/^(vd|sd|hd|xvd)[a-z]{1,2}$/.test(disk.target))
    throw new Error(`Invalid disk target ${disk.target}`);
  const device = disk.device ?? 'disk';
  return {
    '@_type': 'file',
    '@_device': device,
    driver: { '@_name': 'qemu', '@_type': disk.format },
    source: { '@_file': disk.path },
    target: { '@_dev': disk.target, '@_bus': device === 'cdrom' ? 'sata' : 'virtio' },
    ...(disk.readonly || device === 'cdrom' ? { readonly: '' } : {}),
  };
}

function interfaceNode(nic: DomainInterface) {
  const mac = nic.mac ? { mac: { '@_address': nic.mac } } : {};
  const source =
    nic.type === 'bridge'
      ? { source: { '@_bridge': nic.bridge } }
      : nic.type === 'network'
        ? { source: { '@_network': nic.network } }
        : {};
  return { '@_type': nic.type, ...mac, ...source, model: { '@_type': 'virtio' } };
}

function osNode(boot: DomainBoot) {
  const type = { '#text': 'hvm', '@_arch': 'x86_64' };
  if (boot.kind === 'kernel') {
    return {
      type,
      kernel: validateHostPath(boot.kernel),
      ...(boot.initrd ? { initrd: validateHostPath(boot.initrd) } : {}),
      ...(boot.cmdline ? { cmdline: boot.cmdline } : {}),
    };
  }
  return { type, boot: boot.bootOrder.map((dev) => ({ '@_dev': dev })) };
}

/** The domain XML for a new VM. It always carries the QEMU guest agent channel. */
export function buildDomainXml(spec: DomainSpec): string {
  validateVmName(spec.name);
  const memoryKiB = positiveInt(spec.memoryMiB, 'memoryMiB') * 1024;
  const domain = {
    '@_type': spec.virtType,
    name: spec.name,
    ...(spec.uuid ? { uuid: spec.uuid } : {}),
    memory: { '#text': memoryKiB, '@_unit': 'KiB' },
    currentMemory: { '#text': memoryKiB, '@_unit': 'KiB' },
    vcpu: positiveInt(spec.vcpus, 'vcpus'),
    os: osNode(spec.boot),
    // Without ACPI a guest's power-off only halts its CPU and the domain stays "running".
    features: { acpi: '' },
    on_poweroff: 'destroy',
    on_reboot: 'restart',
    on_crash: 'destroy',
    devices: {
      disk: spec.disks.map(diskNode),
      interface: spec.interfaces.map(interfaceNode),
      serial: { '@_type': 'pty', target: { '@_port': 0 } },
      console: { '@_type': 'pty', target: { '@_type': 'serial', '@_port': 0 } },
      channel: {
        '@_type': 'unix',
        target: { '@_type': 'virtio', '@_name': GUEST_AGENT_CHANNEL },
      },
      ...(spec.graphics
        ? {
            graphics: {
              '@_type': 'vnc',
              '@_port': -1,
              '@_autoport': 'yes',
              '@_listen': '127.0.0.1',
            },
          }
        : {}),
    },
  };
  return builder.build({ domain });
}

// Editing an existing domain: parsed and written back with an XML library, element order kept.
type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> };

const orderedOptions = {
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  preserveOrder: true,
  suppressEmptyNode: true,
  format: true,
  indentBy: '  ',
} as const;

function children(node: OrderedNode, tag: string): OrderedNode[] {
  return (node[tag] as OrderedNode[] | undefined) ?? [];
}

function findAll(nodes: OrderedNode[], tag: string): OrderedNode[] {
  return nodes.filter((n) => tag in n);
}

/** A parsed domain, edited in place and written back with `toXml()`. */
export class DomainDocument {
  private readonly tree: OrderedNode[];

  constructor(xml: string) {
    this.tree = new XMLParser(orderedOptions).parse(xml) as OrderedNode[];
    if (!this.domain) throw new Error('Not a libvirt domain XML document.');
  }

  private get domain(): OrderedNode | undefined {
    return findAll(this.tree, 'domain')[0];
  }

  private get body(): OrderedNode[] {
    return children(this.domain!, 'domain');
  }

  private get devices(): OrderedNode[] {
    let devices = findAll(this.body, 'devices')[0];
    if (!devices) {
      devices = { devices: [] };
      this.body.push(devices);
    }
    return children(devices, 'devices');
  }

  private text(tag: string): string | undefined {
    const node = findAll(this.body, tag)[0];
    const inner = node ? children(node, tag)[0] : undefined;
    return inner ? String(inner['#text']) : undefined;
  }

  private setText(tag: string, value: string): void {
    const node = findAll(this.body, tag)[0];
    if (node) node[tag] = [{ '#text': value }];
    else this.body.push({ [tag]: [{ '#text': value }] });
  }

  get name(): string | undefined {
    return this.text('name');
  }

  set name(value: string) {
    this.setText('name', validateVmName(value));
  }

  /** Drops the UUID so libvirt makes a new one. */
  removeUuid(): void {
    const i = this.body.findIndex((n) => 'uuid' in n);
    if (i >= 0) this.body.splice(i, 1);
  }

  /** Drops every interface's MAC address so libvirt makes new ones (for clones). */
  removeMacAddresses(): void {
    for (const nic of findAll(this.devices, 'interface')) {
      nic.interface = children(nic, 'interface').filter((n) => !('mac' in n));
    }
  }

  /** Disks: device, target and source (a file's path, or a block device's for `type='block'`). */
  disks(): Array<{
    device: string;
    target: string;
    source: string | null;
    format: string | null;
    block: boolean;
  }> {
    return findAll(this.devices, 'disk').map((disk) => {
      const inner = children(disk, 'disk');
      const attr = (tag: string, name: string) =>
        findAll(inner, tag)[0]?.[':@']?.[`@_${name}`] ?? null;
      const block = disk[':@']?.['@_type'] === 'block';
      return {
        device: disk[':@']?.['@_device'] ?? 'disk',
        target: attr('target', 'dev') ?? '',
        source: block ? attr('source', 'dev') : attr('source', 'file'),
        format: attr('driver', 'type'),
        block,
      };
    });
  }

  /**
   * Makes the file disks whose source is one of `devices` (logical volumes) block disks:
   * `<disk type='block'>` with `<source dev='...'/>`, as libvirt wants a block device given, and
   * `<driver type='raw'/>`.
   */
  useBlockDevices(devices: readonly string[]): void {
    for (const disk of findAll(this.devices, 'disk')) {
      if (disk[':@']?.['@_type'] !== 'file') continue;
      const source = findAll(children(disk, 'disk'), 'source')[0];
      const path = source?.[':@']?.['@_file'];
      if (!source || path === undefined || !devices.includes(path)) continue;
      disk[':@'] = { ...disk[':@'], '@_type': 'block' };
      const attributes: Record<string, string> = {
        ...source[':@'],
        '@_dev': validateHostPath(path),
      };
      delete attributes['@_file'];
      source[':@'] = attributes;
      // The volume holds the raw disk (a template's driver may say qcow2, for its image files).
      const driver = findAll(children(disk, 'disk'), 'driver')[0];
      if (driver) driver[':@'] = { ...driver[':@'], '@_type': 'raw' };
    }
  }

  /** Points the file disk `target` at the file `path`; a block disk is refused (not retyped). */
  setDiskSource(target: string, path: string): void {
    validateHostPath(path);
    for (const disk of findAll(this.devices, 'disk')) {
      const inner = children(disk, 'disk');
      if (findAll(inner, 'target')[0]?.[':@']?.['@_dev'] !== target) continue;
      if (disk[':@']?.['@_type'] === 'block')
        throw new Error(`Disk ${target} is a block device: only a file disk's source is set.`);
      const source = findAll(inner, 'source')[0];
      if (source) source[':@'] = { ...source[':@'], '@_file': path };
    }
  }

  hasGuestAgentChannel(): boolean {
    return findAll(this.devices, 'channel').some((ch) =>
      children(ch, 'channel').some(
        (n) => 'target' in n && n[':@']?.['@_name'] === GUEST_AGENT_CHANNEL,
      ),
    );
  }

  /** Whether the domain has a graphical display (VNC or SPICE). */
  hasGraphics(): boolean {
    return findAll(this.devices, 'graphics').length > 0;
  }

  /** Adds the QEMU guest agent channel unless it is there; true when it was added. */
  addGuestAgentChannel(): boolean {
    if (this.hasGuestAgentChannel()) return false;
    this.devices.push({
      channel: [{ target: [], ':@': { '@_type': 'virtio', '@_name': GUEST_AGENT_CHANNEL } }],
      ':@': { '@_type': 'unix' },
    });
    return true;
  }

  toXml(): string {
    return new XMLBuilder(orderedOptions).build(this.tree);
  }
}
