// The parameters of a VM from a template by URL: checked against the host and the template,
// unknown keys and bad values refused, defaults filled in.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Host } from '../../../app/shared/domain/inventory.js';
import { InvalidInputError } from '../../../app/shared/validation/names.js';
import type { UrlTemplate } from '../../../app/main/templates/template-records.js';
import { templateParams } from '../../../app/main/provisioning/template-provisioning.js';

const host = (hypervisor: Host['hypervisor']) => ({ name: 'web1', hypervisor }) as Host;
const template = (hypervisor: UrlTemplate['hypervisor'] = 'kvm') =>
  ({ name: 'deb12', format: 'qcow2', hypervisor }) as UrlTemplate;

test('defaults, and the values given, normalized', () => {
  assert.deepEqual(templateParams(template(), host('kvm')), { memory: '512', vcpus: '1' });
  assert.deepEqual(
    templateParams(template(), host('kvm'), {
      memory: '0256',
      vda_disk_size: '2048',
      mac: '52:54:00:AA:BB:CC',
      bridge: 'br0',
    }),
    { memory: '256', vcpus: '1', vda_disk_size: '2048', mac: '52:54:00:aa:bb:cc', bridge: 'br0' },
  );
});

test('unknown keys and bad values are refused', () => {
  const bads: Record<string, string>[] = [
    { hostname: 'x' },
    { kernel_src: '/etc/shadow' },
    { memory: 'lots' },
    { vcpus: '0' },
    { vda_disk_size: '-1' },
    { mac: '01:00:5e:00:00:01' },
    { bridge: 'br0;reboot' },
  ];
  for (const bad of bads) {
    assert.throws(() => templateParams(template(), host('kvm'), bad), InvalidInputError);
  }
});

test('Xen hosts and templates of another hypervisor are refused', () => {
  assert.throws(() => templateParams(template('xen'), host('xen')), /provision KVM hosts/);
  assert.throws(() => templateParams(template('xen'), host('kvm')), /is a xen template/);
});
