// Provisioning from the image store against the real test bed, through convirtctl: the tiny
// appliance defined, started and answering the guest agent with the host name it was given; a
// second VM reusing the cached base; the DTC-style appliance with numeric owners kept; a failing
// provision.sh leaving nothing behind; invalid parameters refused before any remote command;
// the ISO quota.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { waitForGuestAgent } from '../../app/main/guest-agent/wait-for-agent.js';
import { KvmDriver } from '../../app/main/hypervisors/kvm/kvm-driver.js';
import {
  convirtctlRunner,
  testbedHostAdd,
  type TaskJson,
  taskLogText,
  sshSessionCount,
} from '../support/convirtctl-runner.js';
import { testbedConvirtConf } from '../support/convirt-conf.js';
import { connectToTestbed, testbed } from '../support/testbed.js';
import { removeVm } from '../support/tiny-vm.js';

const bed = testbed();
const root = join(import.meta.dirname, '../..');
const home = join(bed.runDir, 'provision-home');
const dataDir = join(bed.runDir, 'provision-data');
const imageCache = `${bed.imagesDir}/${bed.prefix}image-cache`;
const isoDir = `${bed.imagesDir}/${bed.prefix}iso`;
// Linux interface names have at most 15 characters.
const bridge = `cvbr${process.pid % 100000}`;

const ctl = convirtctlRunner({
  home,
  dataDir,
  configFile: testbedConvirtConf(bed, join(bed.runDir, 'provision-conf')),
});

const provision = (appliance: string, name: string, ...extra: string[]) =>
  ctl([
    'vm',
    'provision',
    appliance,
    '--host',
    'tb',
    '--name',
    name,
    '--image-cache',
    imageCache,
    '--param',
    `bridge=${bridge}`,
    '--json',
    ...extra,
  ]);

const sshSessions = () => sshSessionCount(bed);

const taskLog = (id: string) => taskLogText(ctl, id);

test('provisioning appliances onto a real host', { timeout: 600_000 }, async (t) => {
  mkdirSync(home, { recursive: true });
  const ssh = await connectToTestbed(bed);
  const virsh = new KvmDriver(ssh);
  const vms: string[] = [];
  spawnSync('ip', ['link', 'add', bridge, 'type', 'bridge']);
  spawnSync('ip', ['link', 'set', bridge, 'up']);
  t.after(async () => {
    try {
      for (const vm of vms) {
        await removeVm(virsh, vm);
      }
    } finally {
      ssh.close();
      spawnSync('ip', ['link', 'del', bridge]);
      rmSync(home, { recursive: true, force: true });
    }
  });

  const added = await ctl(
    testbedHostAdd(bed, 'tb', ['--accept-host-key', bed.sshd.hostKeyFingerprint]),
  );
  assert.equal(added.code, 0, added.stderr);

  await t.test('appliance list shows the three built appliances', async () => {
    const r = await ctl(['appliance', 'list', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const list = JSON.parse(r.stdout) as Array<{ name: string; built: boolean; sizeMiB: number }>;
    const names = list.map((a) => a.name);
    const kvmAppliances = ['tiny-linux', 'debian-dtc', 'install-from-iso'];
    for (const name of kvmAppliances) assert.ok(names.includes(name), names.join());
    // tiny-linux-xen is built only where the emulated Xen host was (xen-provisioning.test.ts).
    assert.ok(list.filter((a) => kvmAppliances.includes(a.name)).every((a) => a.built));
  });

  await t.test('invalid parameters are refused before any remote command', async () => {
    const before = sshSessions();
    for (const bad of [
      ['--param', 'hostname=bad_host!'],
      ['--param', 'memory=lots'],
      ['--param', 'ip_address=10.0.2.300/24'],
      ['--param', 'mac=01:00:5e:00:00:01'],
      ['--param', 'kernel_src=/etc/shadow'],
    ]) {
      const r = await provision('tiny-linux', `${bed.prefix}bad`, ...bad);
      assert.equal(r.code, 2, `${bad.join(' ')}: ${r.stderr}`);
    }
    const badName = await provision('tiny-linux', 'bad name;rm');
    assert.equal(badName.code, 2, badName.stderr);
    assert.equal(sshSessions(), before, 'no SSH session was opened on the host');
  });

  await t.test('a disk larger than the free space is refused before anything is made', async () => {
    const huge = `${bed.prefix}huge`;
    vms.push(huge);
    const r = await provision('debian-dtc', huge, '--param', 'vda_disk_size=16777216');
    assert.equal(r.code, 2, r.stderr + r.stdout);
    const task = JSON.parse(r.stdout) as TaskJson;
    assert.match(task.error ?? '', /Not enough free space on tb:.* MiB needed, \d+ MiB free/);
    assert.match(await taskLog(task.id), /Nothing had been made on the host/);
    assert.equal(await virsh.exists(huge), false);
    assert.doesNotMatch(await ssh.run(['ls', '-a', bed.imagesDir]), new RegExp(huge));
  });

  const tiny = `${bed.prefix}tiny`;
  const hostname = `prov-${process.pid}`;
  await t.test(
    'the tiny appliance is provisioned, started, and answers with its host name and address',
    async () => {
      vms.push(tiny);
      const r = await provision(
        'tiny-linux',
        tiny,
        '--param',
        `hostname=${hostname}`,
        '--param',
        'ip_address=10.0.2.77/24',
        '--param',
        'mac=52:54:00:0a:bb:cc',
        '--start',
      );
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const task = JSON.parse(r.stdout) as TaskJson;
      const log = await taskLog(task.id);
      assert.match(
        log,
        /provision\.sh -x .*vm_config -p .*params -s .*store -i tiny-linux -l .* -c .*image\.conf/,
      );
      assert.match(log, /convirt-provision: provisioning .* from tiny-linux/);
      assert.equal(await virsh.state(tiny), 'running');
      assert.ok((await virsh.document(tiny)).hasGuestAgentChannel());
      await waitForGuestAgent(virsh, tiny, 120_000);
      const name = (await virsh.agentCommand(tiny, 'guest-get-host-name')) as {
        'host-name': string;
      };
      assert.equal(name['host-name'], hostname);
      // The address and MAC from the parameters, as the guest sees them.
      const nics = (await virsh.agentCommand(tiny, 'guest-network-get-interfaces')) as Array<{
        name: string;
        'hardware-address'?: string;
        'ip-addresses'?: Array<{ 'ip-address': string; prefix: number }>;
      }>;
      const eth0 = nics.find((n) => n.name === 'eth0');
      assert.equal(eth0?.['hardware-address'], '52:54:00:0a:bb:cc');
      assert.ok(
        eth0?.['ip-addresses']?.some((a) => a['ip-address'] === '10.0.2.77' && a.prefix === 24),
        JSON.stringify(eth0),
      );
      // The disk is an overlay on the base cached on the host (named by its sha256).
      const info = JSON.parse(
        await ssh.run([
          'qemu-img',
          'info',
          '-U',
          '--output=json',
          `${bed.imagesDir}/${tiny}-vda.qcow2`,
        ]),
      ) as { 'backing-filename': string };
      assert.ok(info['backing-filename'].startsWith(`${imageCache}/`), info['backing-filename']);
    },
  );

  await t.test('a second VM reuses the images already on the host', async () => {
    const second = `${bed.prefix}tiny2`;
    vms.push(second);
    const r = await provision('tiny-linux', second);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const log = await taskLog((JSON.parse(r.stdout) as TaskJson).id);
    assert.equal((log.match(/Reusing /g) ?? []).length, 3, log);
    assert.doesNotMatch(log, /Copying /);
    assert.equal(await virsh.state(second), 'shutoff');
  });

  await t.test('the DTC-style appliance keeps numeric owners and runs its hooks', async () => {
    const dtc = `${bed.prefix}dtc`;
    vms.push(dtc);
    const r = await provision(
      'debian-dtc',
      dtc,
      '--param',
      'hostname=dtc-guest',
      '--param',
      'motd=Hello from the test',
    );
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const disk = `${bed.imagesDir}/${dtc}-vda.raw`;
    const stat = async (path: string) => ssh.run(['debugfs', '-R', `stat ${path}`, disk]);
    assert.match(await stat('/home/app/data.txt'), /User:\s+1234\s+Group:\s+5678/);
    assert.match(await stat('/home/app'), /User:\s+1234\s+Group:\s+5678/);
    assert.match(await stat('/etc/numeric-owned'), /User:\s+4321\s+Group:\s+8765/);
    const cat = async (path: string) => ssh.run(['debugfs', '-R', `cat ${path}`, disk]);
    assert.equal((await cat('/etc/hostname')).trim(), 'dtc-guest');
    assert.equal((await cat('/etc/motd')).trim(), 'Hello from the test');
    assert.match(await cat('/etc/network/interfaces'), /address 10\.0\.2\.15\/24/);
    assert.match(await cat('/etc/provisioned-at'), /^\d{4}-/);
    assert.match(await cat('/etc/fstab'), /^\/dev\/vdb none swap sw 0 0$/m);
    // The swap disk: a raw file with mkswap's signature at the end of its first page.
    const swapSignature = await ssh.run([
      'sh',
      '-c',
      'dd if="$1" bs=1 skip=4086 count=10 2>/dev/null',
      'sh',
      `${bed.imagesDir}/${dtc}-vdb.raw`,
    ]);
    assert.equal(swapSignature, 'SWAPSPACE2');
  });

  /** An appliance of the operator's own store: tiny-linux with another provision.sh. */
  const ownAppliance = (name: string, provisionSh: string, extraConf = '') => {
    const own = join(dataDir, 'image_store', name);
    cpSync(join(root, 'image_store', 'tiny-linux'), own, { recursive: true });
    const conf = readFileSync(join(own, 'image.conf'), 'utf8').replace(
      /^(kernel_src|ramdisk_src|vda_image_src) = (.*)$/gm,
      (_m, key: string, file: string) => `${key} = ${join(bed.appliances, 'tiny-linux', file)}`,
    );
    writeFileSync(join(own, 'image.conf'), conf + extraConf);
    writeFileSync(join(own, 'provision.sh'), provisionSh);
    return own;
  };

  await t.test('a provision.sh that exits 1 leaves nothing behind', async () => {
    const own = ownAppliance('failing', '#!/bin/sh\necho "about to fail"\nexit 1\n');
    writeFileSync(join(own, 'on_error'), '#!/bin/sh\necho "error hook: $1 failed while $2"\n');
    chmodSync(join(own, 'on_error'), 0o755);
    const failing = `${bed.prefix}failing`;
    vms.push(failing);
    const r = await provision('failing', failing, '--start');
    assert.equal(r.code, 1, r.stderr + r.stdout);
    const log = await taskLog((JSON.parse(r.stdout) as TaskJson).id);
    assert.match(log, /about to fail/);
    assert.match(log, /error hook: .* failed while running provision\.sh/);
    assert.match(
      log,
      /Removed what this task made:[\s\S]*file .*failing-vda\.qcow2[\s\S]*folder .*\.convirt-provision-/,
    );
    assert.equal(await virsh.exists(failing), false);
    const left = await ssh.run(['ls', '-a', bed.imagesDir]);
    assert.doesNotMatch(left, new RegExp(`${failing}|convirt-provision-${failing}`));
  });

  await t.test('a provision.sh that outlives its timeout is stopped and undone', async () => {
    ownAppliance('slow', '#!/bin/sh\necho started\nsleep 30\n', 'provision_timeout = 2\n');
    const slow = `${bed.prefix}slow`;
    vms.push(slow);
    const r = await provision('slow', slow);
    assert.equal(r.code, 1, r.stderr + r.stdout);
    assert.match((JSON.parse(r.stdout) as TaskJson).error ?? '', /did not finish within 2 s/);
    assert.equal(await virsh.exists(slow), false);
    assert.doesNotMatch(await ssh.run(['ls', '-a', bed.imagesDir]), new RegExp(slow));
  });

  await t.test('an ISO is uploaded within the quota and refused beyond it', async () => {
    assert.equal((await ctl(['iso', 'quota', 'tb', '3', '--iso-dir', isoDir])).code, 0);
    const small = join(bed.runDir, 'small.iso');
    const big = join(bed.runDir, 'big.iso');
    writeFileSync(small, Buffer.alloc(2 * 1024 * 1024, 7));
    writeFileSync(big, Buffer.alloc(2 * 1024 * 1024, 9));
    const ok = await ctl(['iso', 'upload', 'tb', small]);
    assert.equal(ok.code, 0, ok.stderr);
    const sum = (await ssh.run(['sha256sum', `${isoDir}/small.iso`])).split(' ')[0];
    assert.equal(sum, spawnSync('sha256sum', [small]).stdout.toString().split(' ')[0]);
    const refused = await ctl(['iso', 'upload', 'tb', big]);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /exceed the ISO quota of 3 MiB/);
    assert.equal((await ssh.exec(['ls', `${isoDir}/big.iso`, `${isoDir}/big.iso.part`])).code, 2);
  });

  await t.test(
    'the install-from-ISO template: an empty disk and the ISO, booted first',
    async () => {
      const vm = `${bed.prefix}iso`;
      vms.push(vm);
      const r = await provision(
        'install-from-iso',
        vm,
        '--param',
        `iso=${isoDir}/small.iso`,
        '--param',
        'vda_disk_size=64',
        '--param',
        'memory=256',
      );
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const doc = await virsh.document(vm);
      assert.ok(doc.hasGuestAgentChannel());
      assert.deepEqual(
        doc.disks().map((d) => [d.device, d.target, d.source]),
        [
          ['disk', 'vda', `${bed.imagesDir}/${vm}-vda.qcow2`],
          ['cdrom', 'sda', `${isoDir}/small.iso`],
        ],
      );
      const xml = await ssh.run(['virsh', '-q', 'dumpxml', vm]);
      assert.match(xml, /<boot dev='cdrom'\/>\s*<boot dev='hd'\/>/);
      const info = JSON.parse(
        await ssh.run(['qemu-img', 'info', '--output=json', `${bed.imagesDir}/${vm}-vda.qcow2`]),
      ) as { 'virtual-size': number; 'backing-filename'?: string };
      assert.equal(info['virtual-size'], 64 * 1024 * 1024);
      assert.equal(info['backing-filename'], undefined);
    },
  );
});
