// What the image store panel is told about appliances: description.html as plain text (never
// HTML), the hosts each one provisions, its options with their defaults; and provisionVm refusing
// bad requests before any task starts.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { applianceInfo } from '../../../app/main/image-store/appliance-info.js';
import { parseDescriptionHtml } from '../../../app/main/image-store/description.js';
import { ImageStore, REPOSITORY_STORE } from '../../../app/main/image-store/image-store.js';
import { writeConvirtConf } from '../../support/convirt-conf.js';
import { tempBackend } from '../backend/temp-backend.js';
import { tempDir } from '../inventory/temp-inventory.js';

test('description.html becomes a title and plain-text paragraphs', () => {
  const parsed = parseDescriptionHtml(
    `<html><head><title>x</title><style>p{}</style></head><body>
     <h1>Tiny &amp; <em>fast</em></h1>
     <p>Boots in <b>seconds</b>,
        even&nbsp;emulated.</p>
     <script>alert(1)</script><!-- <p>hidden</p> -->
     <ul><li>one <img src=x onerror="alert(2)"></li><li>&lt;two&gt; &#x41;&#66;</li></ul>
     </body></html>`,
  );
  assert.equal(parsed.title, 'Tiny & fast');
  assert.deepEqual(parsed.paragraphs, ['Boots in seconds, even emulated.', 'one', '<two> AB']);
  assert.deepEqual(parseDescriptionHtml('plain words'), {
    title: null,
    paragraphs: ['plain words'],
  });
});

test('the shipped appliances as the panel sees them', () => {
  const store = new ImageStore({ stores: [REPOSITORY_STORE], artifactDirs: [] });
  const tiny = applianceInfo(store.get('tiny-linux'), true);
  assert.equal(tiny.title, 'Tiny Linux');
  assert.equal(tiny.summary, 'Tiny busybox Linux with the QEMU guest agent');
  assert.equal(tiny.os, 'Linux (busybox)');
  assert.deepEqual(tiny.hypervisors, ['kvm']);
  assert.ok(tiny.description[0]?.startsWith('A busybox Linux that boots'));
  assert.ok(tiny.description.every((p) => !/[<>]/.test(p)));
  assert.deepEqual([...tiny.missing].sort(), ['disk.qcow2', 'initrd.img', 'vmlinuz']);
  const option = (key: string) => tiny.options.find((o) => o.key === key);
  assert.deepEqual(
    tiny.options.map((o) => o.key),
    ['memory', 'vcpus', 'hostname', 'ip_address', 'gateway', 'mac', 'bridge', 'vda_disk_size'],
  );
  assert.deepEqual(option('memory'), {
    key: 'memory',
    label: 'Memory',
    type: 'integer',
    default: '128',
    min: 16,
    max: 1024 * 1024,
    unit: 'MiB',
  });
  assert.equal(option('hostname')?.default, 'tiny');
  assert.equal(option('mac')?.default, null, 'the host decides');
  assert.equal(option('vda_disk_size')?.default, null, "the image's size");
  assert.equal(option('vda_disk_size')?.unit, 'MiB');
  assert.deepEqual(applianceInfo(store.get('tiny-linux-xen'), false).hypervisors, ['xen']);
  const iso = applianceInfo(store.get('install-from-iso'), false);
  assert.equal(iso.options.find((o) => o.key === 'iso')?.default, '', 'set, and empty: required');
});

test('listAppliances marks the default; provisionVm refuses bad requests with no task', async (t) => {
  // tiny-linux "built" (empty stand-ins of its files), so that its parameters are checked.
  const dir = tempDir(t);
  const built = join(dir, 'appliances', 'tiny-linux');
  mkdirSync(built, { recursive: true });
  for (const file of ['disk.qcow2', 'vmlinuz', 'initrd.img']) writeFileSync(join(built, file), '');
  const configFile = writeConvirtConf(dir, {
    appliance_store: join(dir, 'appliances'),
    cache_dir: join(dir, 'cache'),
  });
  const { backend, inventory } = tempBackend(t, undefined, configFile);
  const session = backend.attach(() => undefined);
  t.after(() => session.close());
  const { service } = session;
  const list = await service.listAppliances();
  assert.deepEqual(
    list.filter((a) => a.isDefault).map((a) => a.name),
    ['tiny-linux'],
  );
  inventory.hosts.add({ name: 'web1', address: '192.0.2.1', username: 'root', hypervisor: 'kvm' });
  const refusals: Array<[Parameters<typeof service.provisionVm>, RegExp]> = [
    [['nohost', 'tiny-linux', 'vm1', {}, {}], /nohost/],
    [['web1', 'no-such-appliance', 'vm1', {}, {}], /No appliance named/],
    [['web1', 'tiny-linux-xen', 'vm1', {}, {}], /provisions Xen hosts/],
    [['web1', 'tiny-linux', 'vm1', { memory: 'lots' }, {}], /memory: expected a whole number/],
    [['web1', 'tiny-linux', 'vm1', { kernel_src: '/etc/shadow' }, {}], /not a customizable/],
  ];
  for (const [args, expected] of refusals) {
    await assert.rejects(service.provisionVm(...args), expected);
  }
  // The transport refuses what the schema does not allow before the service sees it.
  assert.deepEqual(inventory.tasks.list({ limit: 10 }), []);
});
