// The provisioning form's checks: defaults filled in, options left empty for the host omitted,
// bad values and hosts of another hypervisor refused at their field before anything is sent.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ApplianceInfo } from '../../../app/shared/contract/convirt-contract.js';
import {
  checkProvisionForm,
  defaultValues,
  hostRefusal,
} from '../../../app/renderer/src/image-store/provision-form.js';

const tiny: ApplianceInfo = {
  name: 'tiny-linux',
  title: 'Tiny Linux',
  summary: 'Tiny busybox Linux',
  description: [],
  os: 'Linux',
  hypervisors: ['kvm'],
  sizeBytes: 1,
  missing: [],
  isDefault: true,
  options: [
    { key: 'memory', label: 'Memory', type: 'integer', default: '128', min: 16, max: 1048576 },
    { key: 'hostname', label: 'Host name', type: 'hostname', default: 'tiny' },
    { key: 'mac', label: 'MAC address', type: 'mac', default: null },
    { key: 'bridge', label: 'Bridge', type: 'bridge', default: null },
  ],
};
const kvm1 = { name: 'kvm1', hypervisor: 'kvm' as const };
const xen1 = { name: 'xen1', hypervisor: 'xen' as const };

test('defaults fill the form; options left empty for the host are not sent', () => {
  const values = defaultValues(tiny);
  assert.deepEqual(values, { memory: '128', hostname: 'tiny', mac: '', bridge: '' });
  const check = checkProvisionForm(tiny, kvm1, 'web1', { ...values, mac: '52:54:00:AA:BB:CC' });
  assert.deepEqual(check.errors, {});
  assert.deepEqual(check.params, { memory: '128', hostname: 'tiny', mac: '52:54:00:aa:bb:cc' });
});

test('bad values, names and hosts are refused at their field', () => {
  const check = checkProvisionForm(tiny, xen1, 'bad name', {
    memory: 'lots',
    hostname: 'under_score',
    mac: '',
    bridge: '',
  });
  assert.deepEqual(Object.keys(check.errors).sort(), ['host', 'hostname', 'memory', 'name']);
  assert.equal(check.errors.memory, 'expected a whole number from 16 to 1048576, got "lots"');
  assert.match(check.errors.hostname!, /^invalid host name "under_score"/);
  assert.equal(check.errors.host, 'Tiny Linux provisions KVM hosts only; xen1 is a Xen host.');
  assert.equal(hostRefusal(tiny, kvm1), null);
  assert.equal(
    checkProvisionForm(tiny, undefined, 'a', defaultValues(tiny)).errors.host,
    'Choose a host.',
  );
  // A default the operator empties is sent, and refused, rather than silently restored.
  assert.match(
    checkProvisionForm(tiny, kvm1, 'a', { ...defaultValues(tiny), memory: '' }).errors.memory!,
    /whole number/,
  );
  assert.match(
    checkProvisionForm({ ...tiny, missing: ['disk.qcow2'] }, kvm1, 'a', defaultValues(tiny)).errors
      .appliance!,
    /not built: disk.qcow2 missing/,
  );
});
