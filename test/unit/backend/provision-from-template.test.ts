// provisionFromTemplate through the contract: arguments refused by the shared schemas, and
// requests refused by main before any task starts (unknown host or template, a Xen host or
// template, a parameter a template's VM does not take, a bad value, a host that is not connected).
// Over a real temporary inventory; no host is reached (the one KVM host is never connected).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UrlTemplateRecords } from '../../../app/main/templates/template-records.js';
import { convirtContract } from '../../../app/shared/contract/convirt-contract.js';
import { parseArgs } from '../../../app/shared/contract/define.js';
import { InvalidInputError } from '../../../app/shared/validation/names.js';
import { tempBackend } from './temp-backend.js';

const method = convirtContract.methods.provisionFromTemplate;

test('provisionFromTemplate arguments are checked by the shared schemas', () => {
  const ok = ['web1', 'deb12', 'vm1', { memory: '256' }, { start: true }];
  assert.deepEqual(parseArgs(method, 'provisionFromTemplate', ok), ok);
  const refusals: Array<[unknown[], RegExp]> = [
    [['web 1', 'deb12', 'vm1', {}, {}], /#1: "web 1" is not valid/],
    [['web1', '-rf', 'vm1', {}, {}], /Invalid name/],
    [['web1', 'deb12', 'vm;1', {}, {}], /#3: "vm;1" is not valid/],
    [['web1', 'deb12', 'vm1', { 'bad key': 'x' }, {}], /invalid key "bad key"/],
    [['web1', 'deb12', 'vm1', {}, { start: 'yes' }], /expected true or false/],
    [['web1', 'deb12', 'vm1', {}, { shared: 'pool' }], /unknown field shared/],
  ];
  for (const [args, expected] of refusals) {
    assert.throws(
      () => parseArgs(method, 'provisionFromTemplate', args),
      (err: unknown) => err instanceof InvalidInputError && expected.test(err.message),
      JSON.stringify(args),
    );
  }
});

test('provisionFromTemplate refuses bad requests with a clear message and no task', async (t) => {
  const { backend, inventory } = tempBackend(t);
  const session = backend.attach(() => undefined);
  t.after(() => session.close());
  const { service } = session;
  inventory.hosts.add({ name: 'web1', address: '192.0.2.1', username: 'root', hypervisor: 'kvm' });
  inventory.hosts.add({ name: 'dom0', address: '192.0.2.2', username: 'root', hypervisor: 'xen' });
  const records = new UrlTemplateRecords(inventory.db);
  for (const [name, hypervisor] of [
    ['deb12', 'kvm'],
    ['xen-deb', 'xen'],
  ] as const) {
    records.add({
      name,
      format: 'qcow2',
      url: `http://example.com/${name}.qcow2`,
      hypervisor,
      headers: [],
      directDownload: true,
      downloadState: 'BYPASSED',
    });
  }
  const refusals: Array<[Parameters<typeof service.provisionFromTemplate>, RegExp]> = [
    [['nohost', 'deb12', 'vm1', {}, {}], /nohost/],
    [['web1', 'no-such', 'vm1', {}, {}], /No template or ISO named "no-such"/],
    [['dom0', 'deb12', 'vm1', {}, {}], /provision KVM hosts .*dom0 is a xen host/],
    [['web1', 'xen-deb', 'vm1', {}, {}], /xen-deb is a xen template; web1 is a kvm host/],
    [['web1', 'deb12', 'vm1', { hostname: 'x' }, {}], /hostname: not a parameter of a template/],
    [['web1', 'deb12', 'vm1', { memory: 'lots' }, {}], /memory: expected a whole number/],
    [['web1', 'deb12', 'vm1', { vda_disk_size: '0' }, {}], /vda_disk_size: expected/],
    [['web1', 'deb12', 'vm1', {}, { start: true }], /web1 is not connected/],
  ];
  for (const [args, expected] of refusals) {
    await assert.rejects(service.provisionFromTemplate(...args), expected, JSON.stringify(args));
  }
  assert.deepEqual(inventory.tasks.list({ limit: 10 }), [], 'no task started');
});
