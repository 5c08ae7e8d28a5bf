import assert from 'node:assert/strict';
import { test } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import {
  buildDomainXml,
  GUEST_AGENT_CHANNEL,
  type DomainSpec,
} from '../../../app/main/hypervisors/kvm/domain-xml.js';
import { InvalidInputError } from '../../../app/shared/validation/names.js';

const base: DomainSpec = {
  name: 'web1',
  memoryMiB: 256,
  vcpus: 2,
  virtType: 'qemu',
  boot: {
    kind: 'kernel',
    kernel: '/k/vmlinuz',
    initrd: '/k/initrd.img',
    cmdline: 'console=ttyS0 a=<b>&c',
  },
  disks: [{ path: '/var/lib/libvirt/images/R&D <1>.qcow2', format: 'qcow2', target: 'vda' }],
  interfaces: [{ type: 'bridge', bridge: 'br0', mac: '52:54:00:12:34:56' }],
};

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_' });
type Node = Record<string, unknown>;

test('every domain carries the guest agent channel, ACPI and a serial console', () => {
  const dom = (parser.parse(buildDomainXml(base)) as { domain: Node }).domain;
  const devices = dom.devices as Node;
  const channel = devices.channel as Node;
  assert.equal((channel.target as Node)['@_name'], GUEST_AGENT_CHANNEL);
  assert.equal((channel.target as Node)['@_type'], 'virtio');
  assert.ok('acpi' in (dom.features as Node));
  assert.equal((devices.serial as Node)['@_type'], 'pty');
  assert.equal(dom['@_type'], 'qemu');
  assert.equal((dom.memory as Node)['#text'], 262144);
  assert.equal(dom.vcpu, 2);
});

test('special characters in paths and kernel arguments are escaped, not pasted', () => {
  const xml = buildDomainXml(base);
  assert.ok(!xml.includes('<1>'));
  const dom = (parser.parse(xml, true) as { domain: Node }).domain;
  const disk = (dom.devices as Node).disk as Node;
  assert.equal((disk.source as Node)['@_file'], '/var/lib/libvirt/images/R&D <1>.qcow2');
  assert.equal((dom.os as Node).cmdline, 'console=ttyS0 a=<b>&c');
});

test('bad names, paths and sizes are refused before any XML is made', () => {
  assert.throws(() => buildDomainXml({ ...base, name: 'a;touch /tmp/x' }), InvalidInputError);
  assert.throws(() => buildDomainXml({ ...base, memoryMiB: 0 }), /memoryMiB/);
  assert.throws(
    () =>
      buildDomainXml({
        ...base,
        disks: [{ path: '/a/../../etc/shadow', format: 'raw', target: 'vda' }],
      }),
    InvalidInputError,
  );
  assert.throws(
    () => buildDomainXml({ ...base, disks: [{ path: '/a', format: 'raw', target: 'sda1' }] }),
    /target/,
  );
});
