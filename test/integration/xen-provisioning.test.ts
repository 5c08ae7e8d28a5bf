// Provisioning the Xen appliance (image_store/tiny-linux-xen) onto the test bed's emulated Xen
// host through convirtctl: invalid requests refused before anything runs, the PV guest
// provisioned with --start (images cached in dom0, a raw file-backed disk, provision.sh run in
// dom0, /etc/xen/NAME.cfg written and `xl create`d), listed running, its console showing the
// guest's boot line, then deleted with its disk leaving nothing behind; a failing provision.sh
// leaves nothing behind either.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { driverKind } from '../../app/main/hypervisors/drivers.js';
import { testbed } from '../support/testbed.js';
import { GUEST_READY, connectToXenHost, xenHost } from '../support/xen-host.js';
import { testbedConvirtConf } from '../support/convirt-conf.js';
import { convirtctlRunner, type TaskJson, taskLogText } from '../support/convirtctl-runner.js';

const bed = testbed();
const root = join(import.meta.dirname, '../..');
const home = join(bed.runDir, 'xen-provision-home');
const dataDir = join(bed.runDir, 'xen-provision-data');
const vm = `${bed.prefix}xenprov`;
const failing = `${bed.prefix}xenfail`;
const hostname = `xenprov-${process.pid % 100000}`;

const ctl = convirtctlRunner({
  home,
  dataDir,
  configFile: testbedConvirtConf(bed, join(bed.runDir, 'xen-provision-conf')),
  timeoutMs: 300_000,
});

const provision = (appliance: string, name: string, ...extra: string[]) =>
  ctl(['vm', 'provision', appliance, '--host', 'xen', '--name', name, '--json', ...extra]);

const taskLog = (id: string) => taskLogText(ctl, id);

const taskCount = async () =>
  (JSON.parse((await ctl(['task', 'list', '--json'])).stdout) as []).length;

interface ListedVm {
  name: string;
  state: string;
  memoryMiB: number;
}
const listed = async (name: string) =>
  (JSON.parse((await ctl(['vm', 'list', '--host', 'xen', '--json'])).stdout) as ListedVm[]).find(
    (v) => v.name === name,
  );

test(
  'provisioning the Xen appliance onto the emulated Xen host',
  { timeout: 900_000 },
  async (t) => {
    const xen = xenHost(bed);
    mkdirSync(home, { recursive: true });
    const dom0 = await connectToXenHost(xen);
    const read = (argv: string[]) => dom0.run(argv);
    const leftovers = (name: string) =>
      read([
        'sh',
        '-c',
        'ls -a /etc/xen "$1" 2>/dev/null | grep -F -- "$2" || true',
        'sh',
        xen.imagesDir,
        name,
      ]);
    t.after(async () => {
      try {
        for (const name of [vm, failing]) {
          await dom0.exec(['xl', 'destroy', name]);
          await dom0.exec([
            'sh',
            '-c',
            'rm -rf -- /etc/xen/"$2".cfg "$1"/"$2"-* "$1"/.convirt-provision-"$2"-* /var/log/xen/console/guest-"$2".log',
            'sh',
            xen.imagesDir,
            name,
          ]);
        }
      } finally {
        dom0.close();
        rmSync(home, { recursive: true, force: true });
      }
    });

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

    await t.test('invalid requests are refused before anything runs', async () => {
      const before = await taskCount();
      for (const [appliance, name, ...extra] of [
        ['tiny-linux-xen', vm, '--param', 'ip_address=10.99.0.300/24'],
        ['tiny-linux-xen', vm, '--param', 'memory=lots'],
        ['tiny-linux-xen', 'bad name;rm'],
        ['tiny-linux', vm],
      ] as const) {
        const r = await provision(appliance, name, ...extra);
        assert.equal(r.code, 2, `${appliance} ${name} ${extra.join(' ')}: ${r.stderr}`);
      }
      const kvmOnXen = await provision('tiny-linux', vm);
      assert.match(kvmOnXen.stderr, /provisions KVM hosts through libvirt; xen is a xen host/);
      assert.equal(await taskCount(), before, 'no task was started');
      assert.equal(await leftovers(vm), '');
    });

    await t.test('a provision.sh that fails in dom0 leaves nothing behind', async () => {
      const own = join(dataDir, 'image_store', 'xen-failing');
      cpSync(join(root, 'image_store', 'tiny-linux-xen'), own, { recursive: true });
      const conf = readFileSync(join(own, 'image.conf'), 'utf8').replace(
        /^(kernel_src|ramdisk_src|xvda_image_src) = (.*)$/gm,
        (_m, key: string, file: string) =>
          `${key} = ${join(bed.appliances, 'tiny-linux-xen', file)}`,
      );
      writeFileSync(join(own, 'image.conf'), conf);
      writeFileSync(join(own, 'provision.sh'), '#!/bin/sh\necho "dom0 says no"\nexit 1\n');
      const r = await provision('xen-failing', failing, '--start');
      assert.equal(r.code, 1, r.stderr + r.stdout);
      const task = JSON.parse(r.stdout) as TaskJson;
      assert.match(task.error ?? '', /provision\.sh of xen-failing failed \(exit 1\)/);
      const log = await taskLog(task.id);
      assert.match(log, /dom0 says no/);
      assert.match(
        log,
        /Removed what this task made:[\s\S]*file .*xenfail-xvda\.raw[\s\S]*folder .*\.convirt-provision-/,
      );
      assert.equal(await leftovers(failing), '');
      assert.doesNotMatch(await read(['xl', 'list']), new RegExp(failing));
    });

    await t.test(
      'the PV guest is provisioned, started, listed running; its console boots',
      async () => {
        const r = await provision(
          'tiny-linux-xen',
          vm,
          '--start',
          '--param',
          `hostname=${hostname}`,
          '--param',
          'ip_address=10.99.0.21/24',
        );
        assert.equal(r.code, 0, r.stderr + r.stdout);
        const task = JSON.parse(r.stdout) as TaskJson;
        assert.equal(task.status, 'succeeded');
        const log = await taskLog(task.id);
        assert.match(
          log,
          new RegExp(`provisioning ${vm} from tiny-linux-xen \\(hostname ${hostname}`),
        );
        assert.match(log, /No guest agent channel: Xen PV guests have none/);
        const imageCache = driverKind('xen').provisioning.imageCache;
        assert.match(log, new RegExp(`${imageCache}/[0-9a-f]{64}-vmlinuz`));
        const config = await read(['cat', `/etc/xen/${vm}.cfg`]);
        assert.match(config, new RegExp(`^name = "${vm}"$`, 'm'));
        assert.match(config, /^vif = \[ "bridge=xenbr0,mac=00:16:3e(:[0-9a-f]{2}){3}" \]$/m);
        assert.match(config, new RegExp(`target=${xen.imagesDir}/${vm}-xvda\\.raw`));
        assert.match(await leftovers(vm), new RegExp(`^${vm}-xvda\\.raw$`, 'm'));
        assert.doesNotMatch(await leftovers(vm), /convirt-provision-/);

        const row = await listed(vm);
        assert.equal(row?.state, 'running');
        assert.equal(row?.memoryMiB, 128);

        // xenconsoled replays what the guest printed; the run ends with ^] once the line is seen.
        const console = await ctl(['vm', 'console', `xen/${vm}`], (child) => {
          let seen = '';
          child.stdout.on('data', (d: Buffer) => {
            seen += d.toString();
            if (GUEST_READY.test(seen)) child.stdin.end(Buffer.from([0x1d]));
          });
        });
        const ready = GUEST_READY.exec(console.stdout);
        assert.ok(ready, `no boot line on the console:\n${console.stdout}\n${console.stderr}`);
        assert.equal(ready[1], hostname);
        assert.match(ready[2]!, /xvda/);
      },
    );

    await t.test('deleted with its disk, nothing is left behind', async () => {
      assert.equal((await ctl(['vm', 'destroy', `xen/${vm}`])).code, 0);
      const r = await ctl(['vm', 'delete', `xen/${vm}`, '--remove-disks', '--yes', '--json']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(await leftovers(vm), '');
      assert.doesNotMatch(await read(['xl', 'list']), new RegExp(vm));
      assert.equal(await listed(vm), undefined);
    });
  },
);
