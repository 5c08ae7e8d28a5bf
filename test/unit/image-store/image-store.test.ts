// The repository's image store as shipped, and an operator's store next to it (temporary
// folders; the appliances' large files are stand-ins written by the test).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ImageStore, REPOSITORY_STORE } from '../../../app/main/image-store/image-store.js';
import {
  autogenMac,
  resolveParams,
  templateVariables,
  validateParam,
} from '../../../app/main/image-store/parameters.js';
import { InvalidInputError } from '../../../app/shared/validation/names.js';

const artifactDirs = new WeakMap<ImageStore, string>();
const artifactsOf = (store: ImageStore) => artifactDirs.get(store)!;

function fixture() {
  const dir = mkdtempSync(join(tmpdir(), 'image-store-test-'));
  const artifacts = join(dir, 'artifacts');
  for (const [image, files] of [
    ['tiny-linux', ['vmlinuz', 'initrd.img', 'disk.qcow2']],
    ['debian-dtc', ['vmlinuz', 'initrd.img', 'rootfs.tar.gz']],
    ['tiny-linux-xen', ['vmlinuz', 'initrd.gz', 'disk.raw']],
    ['debian-dtc-xen', ['vmlinuz', 'initrd.gz', 'rootfs.tar.gz']],
  ] as const) {
    mkdirSync(join(artifacts, image), { recursive: true });
    for (const f of files) writeFileSync(join(artifacts, image, f), 'x'.repeat(10));
  }
  const own = join(dir, 'own');
  mkdirSync(join(own, 'mine'), { recursive: true });
  writeFileSync(join(own, 'mine', 'image.conf'), 'vda_disk_create = yes\nvda_disk_size = 10\n');
  writeFileSync(join(own, 'mine', 'vm_conf.template'), 'name = "$VM_NAME"\n');
  writeFileSync(
    join(own, 'mine', 'description.html'),
    '<h1>Mine</h1>\n<p>My <b>own</b>\n appliance.</p>',
  );
  mkdirSync(join(own, 'custom_scripts'));
  writeFileSync(join(own, 'image_store.conf'), 'excludes = custom_scripts\ndefault = mine\n');
  const store = new ImageStore({ stores: [REPOSITORY_STORE, own], artifactDirs: [artifacts] });
  artifactDirs.set(store, artifacts);
  return { store, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

test('the shipped appliances, with files found in the artifact folder', (t) => {
  const { store, cleanup } = fixture();
  t.after(cleanup);
  const names = store.list().map((a) => a.name);
  assert.deepEqual(names, [
    'debian-dtc',
    'debian-dtc-xen',
    'debian-genericcloud',
    'install-from-iso',
    'tiny-linux',
    'tiny-linux-xen',
    'mine',
  ]);
  const tiny = store.get('tiny-linux');
  assert.equal(tiny.templateKind, 'libvirt-xml');
  assert.deepEqual(tiny.missing, []);
  assert.equal(tiny.sizeBytes, 30);
  assert.equal(tiny.disks.length, 1);
  assert.equal(tiny.disks[0]!.dev, 'vda');
  assert.deepEqual(tiny.disks[0]!.source, {
    kind: 'image',
    file: join(artifactsOf(store), 'tiny-linux', 'disk.qcow2'),
    format: 'qcow2',
  });
  const dtc = store.get('debian-dtc');
  assert.equal(dtc.disks[0]!.source.kind, 'content');
  assert.deepEqual(dtc.hooks, ['custom_os', 'setup_network', 'last_stage_custom', 'on_error']);
  assert.deepEqual(dtc.disks[1], {
    dev: 'vdb',
    source: { kind: 'empty', swap: true },
    sizeMiB: 16,
  });
  const dtcXen = store.get('debian-dtc-xen');
  assert.equal(dtcXen.templateKind, 'xl');
  assert.deepEqual(
    dtcXen.disks.map((d) => [d.dev, d.source.kind]),
    [
      ['xvda', 'content'],
      ['xvdb', 'empty'],
    ],
  );
  assert.deepEqual(dtcXen.hooks, dtc.hooks, 'the same DTC hooks, shared with debian-dtc');
  const iso = store.get('install-from-iso');
  assert.deepEqual(iso.disks, [{ dev: 'vda', source: { kind: 'empty' }, sizeMiB: 8192 }]);
  const xen = store.get('tiny-linux-xen');
  assert.equal(xen.templateKind, 'xl');
  assert.equal(xen.platform, 'xen');
  assert.deepEqual(xen.missing, []);
  assert.deepEqual(xen.disks[0]!.source, {
    kind: 'image',
    file: join(artifactsOf(store), 'tiny-linux-xen', 'disk.raw'),
    format: 'raw',
  });
  assert.equal(store.defaultName(), 'mine');
});

test("the operator's appliance: xl template, description from description.html, shared folders", (t) => {
  const { store, cleanup } = fixture();
  t.after(cleanup);
  const mine = store.get('mine');
  assert.equal(mine.templateKind, 'xl');
  assert.equal(mine.description, 'My own appliance.');
  assert.equal(store.sharedDir(mine, 'common'), join(REPOSITORY_STORE, 'common'));
  assert.equal(store.sharedDir(mine, 'custom_scripts'), join(mine.storeDir, 'custom_scripts'));
});

test('an appliance whose files are not built says which are missing', () => {
  const store = new ImageStore({ stores: [REPOSITORY_STORE], artifactDirs: [] });
  assert.deepEqual(store.get('tiny-linux').missing.sort(), ['disk.qcow2', 'initrd.img', 'vmlinuz']);
});

test('unknown and invalid appliance names are refused', (t) => {
  const { store, cleanup } = fixture();
  t.after(cleanup);
  assert.throws(() => store.get('nope'), InvalidInputError);
  assert.throws(() => store.get('../etc'), /Invalid appliance name/);
});

test('parameters: defaults, customizable options only, every value checked', (t) => {
  const { store, cleanup } = fixture();
  t.after(cleanup);
  const tiny = store.get('tiny-linux');
  const params = resolveParams(tiny, 'web1', { hostname: 'web1.example.org', memory: '0256' });
  assert.equal(params.hostname, 'web1.example.org');
  assert.equal(params.memory, '256');
  assert.equal(params.vcpus, '1');
  assert.equal(params.mac, undefined, 'mac defaults on the host');
  assert.throws(
    () => resolveParams(tiny, 'web1', { kernel_src: '/x' }),
    /not a customizable option/,
  );
  assert.throws(
    () => resolveParams(tiny, 'web1', { provision_timeout: '9' }),
    /not a customizable/,
  );
  assert.throws(() => resolveParams(tiny, 'bad name', {}), InvalidInputError);
  for (const [key, value] of [
    ['memory', '8'],
    ['memory', '1e3'],
    ['vcpus', '0'],
    ['hostname', '-bad'],
    ['hostname', 'a..b'],
    ['ip_address', '10.0.0.1'],
    ['ip_address', '10.0.0.256/24'],
    ['ip_address', '10.0.0.1/33'],
    ['gateway', '10.0.0'],
    ['mac', '52:54:00:12:34'],
    ['mac', '01:00:5e:00:00:01'],
    ['bridge', 'br0; reboot'],
    ['bridge', 'a-very-long-bridge-name'],
    ['vda_disk_size', '-1'],
  ] as const) {
    assert.throws(
      () => resolveParams(tiny, 'web1', { [key]: value }),
      InvalidInputError,
      `${key}=${value}`,
    );
  }
  assert.equal(validateParam('mac', '52:54:00:AB:cd:01'), '52:54:00:ab:cd:01');
  assert.throws(() => validateParam('motd', "it's $(reboot)"), /unsupported characters/);
  assert.throws(() => validateParam('iso', ''), /ISO/);
});

test('template variables: ConVirt names, parameters upper-cased, disks, host defaults', (t) => {
  const { store, cleanup } = fixture();
  t.after(cleanup);
  const tiny = store.get('tiny-linux');
  const vars = templateVariables(tiny, resolveParams(tiny, 'web1'), {
    vmName: 'web1',
    serverName: 'host1',
    defaultBridge: 'br0',
    autogenMac: '52:54:00:00:00:01',
    virtType: 'qemu',
    imageStore: '/w/store',
    imageLocation: '/w/store/tiny-linux',
    disks: { vda: '/d/web1-vda.qcow2' },
    kernel: '/c/k',
  });
  assert.equal(vars.VM_NAME, 'web1');
  assert.equal(vars.IMAGE_NAME, 'tiny-linux');
  assert.equal(vars.IMAGE_LOCATION, '/w/store/tiny-linux');
  assert.equal(vars.SERVER_NAME, 'host1');
  assert.equal(vars.HOSTNAME, 'tiny');
  assert.equal(vars.VDA_DISK, '/d/web1-vda.qcow2');
  assert.equal(vars.MAC, '52:54:00:00:00:01');
  assert.equal(vars.BRIDGE, 'br0');
  assert.equal(vars.KERNEL, '/c/k');
  assert.equal(vars.RAMDISK, undefined);
  assert.equal(vars.VIRT_TYPE, 'qemu');
});

test('generated MACs use the platform prefix and are unicast', () => {
  assert.match(autogenMac('kvm'), /^52:54:00(:[0-9a-f]{2}){3}$/);
  assert.match(autogenMac('xen'), /^00:16:3e(:[0-9a-f]{2}){3}$/);
});
