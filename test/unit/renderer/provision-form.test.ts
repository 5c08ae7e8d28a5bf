// The provisioning form's checks: defaults filled in, options left empty for the host omitted,
// bad values and hosts of another hypervisor refused at their field before anything is sent; a
// template by URL offers the parameters main's template provisioning takes, on connected KVM hosts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ApplianceInfo, TemplateView } from '../../../app/shared/contract/convirt-contract.js';
import {
  applianceSource,
  checkProvisionForm,
  defaultValues,
  hostRefusal,
  templateSource,
} from '../../../app/renderer/src/image-store/provision-form.js';

const tinyInfo: ApplianceInfo = {
  name: 'tiny-linux',
  title: 'Tiny Linux',
  summary: 'Tiny busybox Linux',
  description: [],
  os: 'Linux',
  hypervisors: ['kvm'],
  sizeBytes: 1,
  missing: [],
  isDefault: true,
  cloudInit: false,
  options: [
    { key: 'memory', label: 'Memory', type: 'integer', default: '128', min: 16, max: 1048576 },
    { key: 'hostname', label: 'Host name', type: 'hostname', default: 'tiny' },
    { key: 'mac', label: 'MAC address', type: 'mac', default: null },
    { key: 'bridge', label: 'Bridge', type: 'bridge', default: null },
  ],
};
const tiny = applianceSource(tinyInfo);
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
    checkProvisionForm(
      applianceSource({ ...tinyInfo, missing: ['disk.qcow2'] }),
      kvm1,
      'a',
      defaultValues(tiny),
    ).errors.source!,
    /not built: disk.qcow2 missing/,
  );
});

const template = (format: TemplateView['format'], hypervisor: TemplateView['hypervisor'] = 'kvm') =>
  ({ name: `deb-${format}`, format, hypervisor, state: 'Ready' }) as TemplateView;

test("a template's form: its parameters and defaults, an ISO's disk size", () => {
  const qcow2 = templateSource(template('qcow2'));
  assert.deepEqual(
    qcow2.options.map((o) => [o.key, o.label, o.default]),
    [
      ['memory', 'Memory', '512'],
      ['vcpus', 'vCPUs', '1'],
      ['vda_disk_size', 'Disk size', null],
      ['bridge', 'Bridge', null],
      ['mac', 'MAC address', null],
    ],
  );
  const up = { ...kvm1, status: 'connected' as const };
  const check = checkProvisionForm(qcow2, up, 'vm1', defaultValues(qcow2));
  assert.deepEqual(check, { errors: {}, params: { memory: '512', vcpus: '1' } });
  const iso = templateSource(template('iso'));
  assert.equal(defaultValues(iso).vda_disk_size, '8192');
  assert.equal(
    checkProvisionForm(iso, up, 'vm1', { ...defaultValues(iso), vda_disk_size: '0' }).errors
      .vda_disk_size,
    'expected a whole number from 1 to 16777216, got "0"',
  );
});

test('a template needs a connected host of its hypervisor; Xen templates none', () => {
  const qcow2 = templateSource(template('qcow2'));
  const values = defaultValues(qcow2);
  assert.equal(
    checkProvisionForm(qcow2, { ...xen1, status: 'connected' }, 'vm1', values).errors.host,
    'deb-qcow2 provisions KVM hosts only; xen1 is a Xen host.',
  );
  assert.equal(
    checkProvisionForm(qcow2, { ...kvm1, status: 'unreachable' }, 'vm1', values).errors.host,
    'kvm1 is not connected: it downloads deb-qcow2 itself, so it must be up.',
  );
  assert.match(
    checkProvisionForm(templateSource(template('raw', 'xen')), xen1, 'vm1', values).errors.source!,
    /templates by URL provision KVM hosts only/,
  );
});
