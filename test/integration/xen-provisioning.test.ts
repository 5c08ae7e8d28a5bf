// Provisioning the Xen appliance (image_store/tiny-linux-xen) onto the test bed's emulated Xen
// host through convirtctl: invalid requests refused before anything runs, the PV guest
// provisioned with --start (images cached in dom0, a raw file-backed disk, provision.sh run in
// dom0, /etc/xen/NAME.cfg written and `xl create`d), listed running, its console showing the
// guest's boot line, then deleted with its disk leaving nothing behind; a failing provision.sh
// leaves nothing behind either. DTC-Xen's root-tarball install (debian-dtc-xen): a tarball with
// `../` refused before any command runs in dom0; the install made in dom0 (numeric owners, the
// hooks, a swap disk) boots to its prompt with the host name and network setup_network wrote.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { test } from 'node:test';
import { driverKind } from '../../app/main/hypervisors/drivers.js';
import { testbed } from '../support/testbed.js';
import { GUEST_READY, connectToXenHost, xenHost } from '../support/xen-host.js';
import { testbedConvirtConf } from '../support/convirt-conf.js';
import { convirtctlRunner, type TaskJson, taskLogText } from '../support/convirtctl-runner.js';
import { tarGzArchive } from '../support/tar-archive.js';

const bed = testbed();
const root = join(import.meta.dirname, '../..');
const home = join(bed.runDir, 'xen-provision-home');
const dataDir = join(bed.runDir, 'xen-provision-data');
const vm = `${bed.prefix}xenprov`;
const failing = `${bed.prefix}xenfail`;
const hostname = `xenprov-${process.pid % 100000}`;
const dtc = `${bed.prefix}xendtc`;
const dtcRedHat = `${bed.prefix}xendtcrh`;
const evil = `${bed.prefix}xenevil`;
const dtcHostname = `dtcxen-${process.pid % 100000}`;
/** The line the debian-dtc root tree's rcS prints once it has applied the network. */
const DTC_READY = /CONVIRT-DTC READY (\S+) eth0 (\S+) \((\w+) network\) swap (\d+)/;

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
        for (const name of [vm, failing, dtc, dtcRedHat, evil]) {
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

    /** An appliance of the operator's store: debian-dtc-xen with its files from the test bed. */
    const ownDtcXen = (name: string) => {
      const own = join(dataDir, 'image_store', name);
      cpSync(join(root, 'image_store', 'debian-dtc-xen'), own, {
        recursive: true,
        dereference: true,
      });
      const conf = readFileSync(join(own, 'image.conf'), 'utf8').replace(
        /^(kernel_src|ramdisk_src|xvda_image_src) = (.*)$/gm,
        (_m, key: string, file: string) =>
          `${key} = ${join(bed.appliances, 'debian-dtc-xen', file)}`,
      );
      writeFileSync(join(own, 'image.conf'), conf);
      return own;
    };

    await t.test("a root tarball with '../' is refused before anything runs in dom0", async () => {
      const own = ownDtcXen('xen-evil-tarball');
      const tarball = join(own, 'evil.tar.gz');
      writeFileSync(
        tarball,
        tarGzArchive([
          { path: './etc/', type: '5' },
          { path: './etc/hostname', data: 'evil\n' },
          { path: './../../../../etc/cron.d/evil', data: '* * * * * root sh -c reboot\n' },
        ]),
      );
      const conf = join(own, 'image.conf');
      writeFileSync(
        conf,
        readFileSync(conf, 'utf8').replace(/^xvda_image_src = .*$/m, `xvda_image_src = ${tarball}`),
      );
      const r = await provision('xen-evil-tarball', evil, '--start');
      assert.equal(r.code, 2, r.stderr + r.stdout);
      const task = JSON.parse(r.stdout) as TaskJson;
      assert.match(
        task.error ?? '',
        /evil\.tar\.gz is refused: 1 member\(s\) .*\.\/\.\.\/\.\.\/\.\.\/\.\.\/etc\/cron\.d\/evil \(a '\.\.' component\)\. Nothing was run on the host\./,
      );
      assert.doesNotMatch(await taskLog(task.id), /^\S+@\S+\$ /m, 'no command ran in dom0');
      assert.equal(await leftovers(evil), '');
      assert.equal(await read(['sh', '-c', 'ls /etc/cron.d/evil 2>/dev/null || true']), '');
    });

    await t.test(
      'the DTC-Xen root-tarball install boots to its prompt with the network setup_network wrote',
      async () => {
        const started = performance.now();
        const r = await provision(
          'debian-dtc-xen',
          dtc,
          '--start',
          '--param',
          `hostname=${dtcHostname}`,
          '--param',
          'ip_address=10.99.0.31/24',
          '--param',
          'motd=DTC on Xen',
        );
        const provisionSeconds = (performance.now() - started) / 1000;
        assert.equal(r.code, 0, r.stderr + r.stdout);
        const task = JSON.parse(r.stdout) as TaskJson;
        const log = await taskLog(task.id);
        assert.match(log, /rootfs\.tar\.gz: \d+ members, all inside the VM's root/);
        assert.match(log, /\$ tar --numeric-owner -x -p -z -f \S+rootfs\.tar\.gz -C /);
        assert.match(log, /\$ mkfs\.ext4 -q -F -d /);
        assert.match(log, /\$ mkswap \S+xendtc-xvdb\.raw/);
        assert.match(log, new RegExp(`root filesystem ready \\(hostname ${dtcHostname}\\)`));
        const disk = `${xen.imagesDir}/${dtc}-xvda.raw`;
        const debugfs = (request: string) => read(['debugfs', '-R', request, disk]);
        assert.match(await debugfs('stat /home/app/data.txt'), /User:\s+1234\s+Group:\s+5678/);
        assert.match(await debugfs('stat /etc/numeric-owned'), /User:\s+4321\s+Group:\s+8765/);
        assert.equal((await debugfs('cat /etc/motd')).trim(), 'DTC on Xen');
        assert.match(await debugfs('cat /etc/fstab'), /^\/dev\/xvdb none swap sw 0 0$/m);
        assert.match(await debugfs('cat /etc/provisioned-at'), /^\d{4}-/);

        // The guest's console: rcS's line, then the shell's prompt, which answers a command.
        const bootStarted = performance.now();
        let readySeconds = 0;
        const console = await ctl(['vm', 'console', `xen/${dtc}`], (child) => {
          let seen = '';
          let asked = false;
          child.stdout.on('data', (d: Buffer) => {
            seen += d.toString();
            if (!readySeconds && DTC_READY.test(seen))
              readySeconds = (performance.now() - bootStarted) / 1000;
            if (!asked && readySeconds && seen.includes(`${dtcHostname}# `)) {
              asked = true;
              child.stdin.write('ip addr show eth0\n');
            }
            if (
              asked &&
              /inet 10\.99\.0\.31\/24[\s\S]*\n.*# /.test(seen.split('ip addr show eth0')[1] ?? '')
            )
              child.stdin.end(Buffer.from([0x1d]));
          });
        });
        const ready = DTC_READY.exec(console.stdout);
        assert.ok(ready, `no DTC boot line on the console:\n${console.stdout}\n${console.stderr}`);
        assert.deepEqual(ready.slice(1), [dtcHostname, '10.99.0.31/24', 'debian', '1']);
        assert.match(console.stdout, /inet 10\.99\.0\.31\/24/);
        // dom0 reaches the guest at the address setup_network wrote, over xenbr0.
        assert.match(
          await read(['ping', '-c', '1', '-W', '5', '10.99.0.31']),
          /1 packets received/,
        );
        t.diagnostic(
          `debian-dtc-xen: provisioned (convirtctl, task) in ${provisionSeconds.toFixed(1)} s; ` +
            `boot line ${readySeconds.toFixed(1)} s after the console was opened`,
        );
        assert.equal((await ctl(['vm', 'destroy', `xen/${dtc}`])).code, 0);
        const deleted = await ctl(['vm', 'delete', `xen/${dtc}`, '--remove-disks', '--yes']);
        assert.equal(deleted.code, 0, deleted.stderr);
        assert.equal(await leftovers(dtc), '');
      },
    );

    await t.test('Red Hat style: ifcfg-eth0 written into the tree made in dom0', async () => {
      const r = await provision(
        'debian-dtc-xen',
        dtcRedHat,
        '--param',
        'network_style=redhat',
        '--param',
        'ip_address=10.99.0.32/25',
      );
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const disk = `${xen.imagesDir}/${dtcRedHat}-xvda.raw`;
      const ifcfg = await read([
        'debugfs',
        '-R',
        'cat /etc/sysconfig/network-scripts/ifcfg-eth0',
        disk,
      ]);
      assert.match(ifcfg, /^IPADDR=10\.99\.0\.32$/m);
      assert.match(ifcfg, /^NETMASK=255\.255\.255\.128$/m);
      const deleted = await ctl(['vm', 'delete', `xen/${dtcRedHat}`, '--remove-disks', '--yes']);
      assert.equal(deleted.code, 0, deleted.stderr);
      assert.equal(await leftovers(dtcRedHat), '');
    });
  },
);
