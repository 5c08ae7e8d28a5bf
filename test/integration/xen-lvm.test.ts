// DTC-Xen's `lvm` case of dtc_setup_vps_disk on the emulated Xen host: a volume group made in
// dom0 on a loop device, then the debian-dtc-xen root-tarball install with `disk_backend = lvm`.
// A missing volume group, and one too small, are refused before anything is made; the install
// puts its root filesystem and swap on logical volumes tagged for the VM, the xl config attaches
// them as physical devices, the guest boots to its prompt with its swap on, and deleting the VM
// with its disks removes the volumes (and nothing else of the group).
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { convirtTaskTag } from '../../app/main/hypervisors/lvm.js';
import { testbed } from '../support/testbed.js';
import { connectToXenHost, xenHost } from '../support/xen-host.js';
import { testbedConvirtConf } from '../support/convirt-conf.js';
import { convirtctlRunner, type TaskJson, taskLogText } from '../support/convirtctl-runner.js';

const bed = testbed();
const root = join(import.meta.dirname, '../..');
const home = join(bed.runDir, 'xen-lvm-home');
const dataDir = join(bed.runDir, 'xen-lvm-data');
const vm = `${bed.prefix}xenlvm`;
const refused = `${bed.prefix}xenlvmno`;
const vg = `${bed.prefix}vg`;
const pvFile = `/tmp/${bed.prefix}pv.img`;
/** The line the debian-dtc root tree's rcS prints once it has applied the network. */
const DTC_READY = /CONVIRT-DTC READY (\S+) eth0 (\S+) \((\w+) network\) swap (\d+)/;
/** Set up: an appliance of the operator's store whose disks can go on logical volumes. */
const APPLIANCE = 'dtc-xen-lvm';

const ctl = convirtctlRunner({
  home,
  dataDir,
  configFile: testbedConvirtConf(bed, join(bed.runDir, 'xen-lvm-conf')),
  timeoutMs: 300_000,
});

const provision = (name: string, start: boolean, ...params: string[]) =>
  ctl([
    'vm',
    'provision',
    APPLIANCE,
    '--host',
    'xen',
    '--name',
    name,
    '--json',
    ...(start ? ['--start'] : []),
    ...params.flatMap((p) => ['--param', p]),
  ]);

test('DTC-Xen install on LVM logical volumes in dom0', { timeout: 900_000 }, async (t) => {
  const xen = xenHost(bed);
  mkdirSync(home, { recursive: true });
  const dom0 = await connectToXenHost(xen);
  const read = (argv: string[]) => dom0.run(argv);
  /** The volumes of the test's group, with their tags (sorted): `NAME TAG,TAG` lines. */
  const volumes = async () =>
    (await read(['lvs', '--noheadings', '-o', 'lv_name,lv_tags', vg]))
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name, tags = '']) => `${name} ${tags.split(',').sort().join(',')}`.trim());

  // Registered first: a failing setup must still close the connection and undo what it made.
  let loop = '';
  t.after(async () => {
    try {
      for (const name of [vm, refused]) {
        await dom0.exec(['xl', 'destroy', name]);
        await dom0.exec(['rm', '-f', '--', `/etc/xen/${name}.cfg`]);
      }
      await dom0.exec(['vgremove', '-q', '-f', vg]);
      if (loop) {
        await dom0.exec(['pvremove', '-q', '-f', loop]);
        await dom0.exec(['losetup', '-d', loop]);
      }
      await dom0.exec(['rm', '-f', '--', pvFile]);
    } finally {
      dom0.close();
      rmSync(home, { recursive: true, force: true });
    }
  });

  // The group: a sparse file in dom0's /tmp on a loop device (dom0 has no spare disk); busybox's
  // losetup, first on sshd's PATH, has no --show.
  loop = (
    await read([
      'sh',
      '-c',
      'truncate -s 128M "$1" && dev=$(losetup -f) && losetup "$dev" "$1" && echo "$dev"',
      'sh',
      pvFile,
    ])
  ).trim();
  await read(['pvcreate', '-q', loop]);
  await read(['vgcreate', '-q', vg, loop]);
  // debian-dtc-xen with its files from the test bed, letting the operator pick the backend.
  const own = join(dataDir, 'image_store', APPLIANCE);
  cpSync(join(root, 'image_store', 'debian-dtc-xen'), own, { recursive: true, dereference: true });
  const conf = readFileSync(join(own, 'image.conf'), 'utf8')
    .replace(
      /^(kernel_src|ramdisk_src|xvda_image_src) = (.*)$/gm,
      (_m, key: string, file: string) => `${key} = ${join(bed.appliances, 'debian-dtc-xen', file)}`,
    )
    .replace(/^customizable_options = .*$/m, '$&,disk_backend,lvm_volume_group');
  writeFileSync(join(own, 'image.conf'), `${conf}disk_backend = file\nlvm_volume_group =\n`);

  const added = await ctl([
    'host',
    'add',
    'xen',
    '--address',
    `127.0.0.1:${xen.port}`,
    '--user',
    'root',
    '--identity',
    xen.clientKeyPath,
    '--accept-host-key',
    xen.hostKeyFingerprint,
  ]);
  assert.equal(added.code, 0, added.stderr);

  await t.test(
    'a missing or too small volume group is refused before anything is made',
    async () => {
      for (const [params, error] of [
        [['lvm_volume_group=convirt-no-such-vg'], /has no volume group convirt-no-such-vg/],
        [
          [`lvm_volume_group=${vg}`, 'xvda_disk_size=4096'],
          new RegExp(`Not enough free space in volume group ${vg} on xen: 4112 MiB needed`),
        ],
      ] as const) {
        const r = await provision(refused, false, 'disk_backend=lvm', ...params);
        assert.notEqual(r.code, 0, r.stdout);
        const task = JSON.parse(r.stdout) as TaskJson;
        assert.match(task.error ?? '', error);
        const log = await taskLogText(ctl, task.id);
        assert.doesNotMatch(log, /\$ (lvcreate|tar|mkfs|mkswap) /, 'nothing was made');
        assert.match(log, /Nothing had been made on the host/);
      }
      assert.deepEqual(await volumes(), []);
    },
  );

  await t.test('root and swap on logical volumes: the guest boots with its swap on', async () => {
    // Provisioned with --start: the xl config names the volumes, and the guest boots from them.
    const started = performance.now();
    const r = await provision(
      vm,
      true,
      'disk_backend=lvm',
      `lvm_volume_group=${vg}`,
      'ip_address=10.99.0.33/24',
      'hostname=dtclvm',
    );
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const provisionSeconds = (performance.now() - started) / 1000;
    const task = JSON.parse(r.stdout) as TaskJson;
    const log = await taskLogText(ctl, task.id);
    const lv = (dev: string) => `/dev/${vg}/${vm}-${dev}`;
    // Tagged for the VM, and for this task (its undo removes only what it made).
    const taskTag = convirtTaskTag(task.id);
    assert.match(
      log,
      new RegExp(
        `\\$ lvcreate -q -y -L 32m -n ${vm}-xvda --addtag convirt\\.${vm} --addtag ${taskTag.replace(/\./g, '\\.')} ${vg}`,
      ),
    );
    assert.match(log, new RegExp(`\\$ mkfs\\.ext4 -q -F -d \\S+ ${lv('xvda')}\\n`));
    assert.match(log, new RegExp(`\\$ mkswap ${lv('xvdb')}`));
    assert.match(log, /root filesystem ready \(hostname dtclvm\)/);
    assert.deepEqual(await volumes(), [
      `${vm}-xvda ${[`convirt.${vm}`, taskTag].sort().join(',')}`,
      `${vm}-xvdb ${[`convirt.${vm}`, taskTag].sort().join(',')}`,
    ]);
    const cfg = await read(['cat', `/etc/xen/${vm}.cfg`]);
    assert.match(cfg, new RegExp(`backendtype=phy, target=${lv('xvda')}"`));
    assert.match(cfg, new RegExp(`backendtype=phy, target=${lv('xvdb')}"`));

    const bootStarted = performance.now();
    const console = await ctl(['vm', 'console', `xen/${vm}`], (child) => {
      let seen = '';
      child.stdout.on('data', (d: Buffer) => {
        seen += d.toString();
        if (DTC_READY.test(seen) && seen.includes('dtclvm# ')) child.stdin.end(Buffer.from([0x1d]));
      });
    });
    const promptSeconds = (performance.now() - bootStarted) / 1000;
    const ready = DTC_READY.exec(console.stdout);
    assert.ok(ready, `no DTC boot line on the console:\n${console.stdout}\n${console.stderr}`);
    assert.deepEqual(ready.slice(1), ['dtclvm', '10.99.0.33/24', 'debian', '1']);
    t.diagnostic(
      `debian-dtc-xen on LVM: provisioned in ${provisionSeconds.toFixed(1)} s; ` +
        `prompt ${promptSeconds.toFixed(1)} s after the console was opened`,
    );
  });

  await t.test('deleting the VM with its disks removes its logical volumes', async () => {
    assert.equal((await ctl(['vm', 'destroy', `xen/${vm}`])).code, 0);
    const deleted = await ctl(['vm', 'delete', `xen/${vm}`, '--remove-disks', '--yes']);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.deepEqual(await volumes(), []);
    assert.equal(await read(['sh', '-c', 'ls /etc/xen | grep -F -- "$1" || true', 'sh', vm]), '');
  });
});
