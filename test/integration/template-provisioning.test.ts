// Provisioning from templates and ISOs registered by URL, through convirtctl against the real test
// bed (libvirtd, its sshd as the host, its nginx as the web server): a VM from a direct-download
// qcow2 template defined and started (the host downloads the template into the storage pool, the
// disk is an overlay on it); a second VM on the same pool downloading nothing; an ISO attached as
// CD-ROM to a VM with an empty disk; a wrong checksum leaving nothing behind; bad input refused
// before any remote command; and a shared pool whose destination host cannot reach the URL, so
// the next host of its server pool downloads instead.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { KvmDriver } from '../../app/main/hypervisors/kvm/kvm-driver.js';
import {
  convirtctlRunner,
  testbedHostAdd,
  type TaskJson,
  taskLogText,
  sshSessionCount,
} from '../support/convirtctl-runner.js';
import { connectToTestbed, testbed } from '../support/testbed.js';
import { removeVm } from '../support/tiny-vm.js';

const bed = testbed();
const web = bed.downloads;
const home = join(bed.runDir, 'tplprov-home');
const dataDir = join(bed.runDir, 'tplprov-data');
const pool = `${bed.imagesDir}/${bed.prefix}tplpool`;
// Linux interface names have at most 15 characters.
const bridge = `cvtp${process.pid % 100000}`;
const ctl = convirtctlRunner({ home, dataDir });

/** Whole-file GETs (200) nginx served for `path` so far. */
const gets = (path: string) =>
  readFileSync(join(web.dir, 'access.log'), 'utf8')
    .split('\n')
    .filter((l) => l.includes(`"GET ${path} `) && / 200 /.test(l)).length;
const sshSessions = () => sshSessionCount(bed);

const taskLog = (id: string) => taskLogText(ctl, id);

const provision = (template: string, name: string, ...extra: string[]) =>
  ctl([
    'vm',
    'provision',
    '--template',
    template,
    '--host',
    'tb',
    '--name',
    name,
    '--pool-dir',
    pool,
    '--param',
    `bridge=${bridge}`,
    '--param',
    'memory=64',
    '--json',
    ...extra,
  ]);

const register = (name: string, file: string, sha256: string, ...extra: string[]) =>
  ctl([
    'image',
    'register',
    name,
    '--url',
    `${web.http}/files/${file}`,
    '--checksum',
    `{SHA-256}${sha256}`,
    '--direct-download',
    '--json',
    ...extra,
  ]);

test('provisioning from templates and ISOs by URL', { timeout: 600_000 }, async (t) => {
  mkdirSync(home, { recursive: true });
  mkdirSync(dataDir, { recursive: true });
  const ssh = await connectToTestbed(bed);
  const virsh = new KvmDriver(ssh);
  const vms: string[] = [];
  spawnSync('ip', ['link', 'add', bridge, 'type', 'bridge']);
  spawnSync('ip', ['link', 'set', bridge, 'up']);
  t.after(async () => {
    try {
      for (const vm of vms) {
        await removeVm(virsh, vm);
        await ssh.run(['sh', '-c', 'rm -f "$1"-vda.*', 'sh', `${bed.imagesDir}/${vm}`]);
      }
      await ssh.run(['rm', '-rf', pool]);
    } finally {
      ssh.close();
      spawnSync('ip', ['link', 'del', bridge]);
      rmSync(home, { recursive: true, force: true });
    }
  });
  await ssh.run(['mkdir', '-p', pool]);
  const added = await ctl(
    testbedHostAdd(bed, 'tb', ['--accept-host-key', bed.sshd.hostKeyFingerprint]),
  );
  assert.equal(added.code, 0, added.stderr);

  await t.test('registered: the qcow2 virtual size read from its header', async () => {
    const r = await register('tpl-disk', web.disk.name, web.disk.sha256);
    assert.equal(r.code, 0, r.stderr);
    const record = JSON.parse(r.stdout) as { size: number; virtualSize: number };
    assert.deepEqual([record.size, record.virtualSize], [web.disk.size, web.disk.virtualSize]);
    const iso = await register('tpl-iso', web.iso.name, web.iso.sha256, '--format', 'iso');
    assert.equal(iso.code, 0, iso.stderr);
  });

  await t.test('bad input is refused before any remote command', async () => {
    const before = sshSessions();
    for (const args of [
      ['--param', 'hostname=x'],
      ['--param', 'memory=lots'],
      ['--param', 'vda_disk_size=-1'],
      ['--param', 'mac=01:00:5e:00:00:01'],
    ]) {
      const r = await provision('tpl-disk', `${bed.prefix}bad`, ...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    }
    assert.equal((await provision('tpl-disk', 'bad name;rm')).code, 2);
    assert.equal((await provision('no-such-template', `${bed.prefix}bad`)).code, 2);
    const both = await ctl([
      'vm',
      'provision',
      'tiny-linux',
      '--template',
      'tpl-disk',
      '--host',
      'tb',
      '--name',
      'x',
    ]);
    assert.equal(both.code, 2);
    assert.equal(sshSessions(), before, 'no SSH session was opened on the host');
  });

  const first = `${bed.prefix}tpl1`;
  await t.test('a VM from a direct-download qcow2 template, defined and started', async () => {
    vms.push(first);
    const before = gets(`/files/${web.disk.name}`);
    const r = await provision('tpl-disk', first, '--start');
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const log = await taskLog((JSON.parse(r.stdout) as TaskJson).id);
    assert.match(log, /tb: attempt 1 of 3/);
    assert.match(log, /tb downloaded tpl-disk to /);
    assert.equal(gets(`/files/${web.disk.name}`), before + 1);
    assert.equal(await virsh.state(first), 'running');
    const doc = await virsh.document(first);
    assert.ok(doc.hasGuestAgentChannel());
    const copy = `${pool}/template-tpl-disk.qcow2`;
    assert.equal((await ssh.run(['sha256sum', copy])).split(' ')[0], web.disk.sha256);
    const disk = `${bed.imagesDir}/${first}-vda.qcow2`;
    assert.deepEqual(
      doc.disks().map((d) => [d.device, d.source, d.format]),
      [['disk', disk, 'qcow2']],
    );
    const info = JSON.parse(await ssh.run(['qemu-img', 'info', '-U', '--output=json', disk])) as {
      'backing-filename': string;
      'virtual-size': number;
    };
    assert.equal(info['backing-filename'], copy);
    assert.equal(info['virtual-size'], web.disk.virtualSize);
    await virsh.destroy(first);
  });

  await t.test('a second VM on the same pool downloads nothing', async () => {
    const second = `${bed.prefix}tpl2`;
    vms.push(second);
    const before = gets(`/files/${web.disk.name}`);
    const r = await provision('tpl-disk', second, '--param', 'vda_disk_size=128');
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const log = await taskLog((JSON.parse(r.stdout) as TaskJson).id);
    assert.match(log, /nothing to download/);
    assert.doesNotMatch(log, /attempt 1 of 3/);
    assert.equal(gets(`/files/${web.disk.name}`), before, 'nginx served no new GET');
    assert.equal(await virsh.state(second), 'shutoff');
    const info = JSON.parse(
      await ssh.run([
        'qemu-img',
        'info',
        '-U',
        '--output=json',
        `${bed.imagesDir}/${second}-vda.qcow2`,
      ]),
    ) as { 'virtual-size': number };
    assert.equal(info['virtual-size'], 128 * 1024 * 1024);
  });

  await t.test('an ISO is attached as CD-ROM to a VM with an empty disk', async () => {
    const cd = `${bed.prefix}tpliso`;
    vms.push(cd);
    const r = await provision('tpl-iso', cd, '--param', 'vda_disk_size=64', '--start');
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.equal(await virsh.state(cd), 'running');
    const doc = await virsh.document(cd);
    assert.ok(doc.hasGuestAgentChannel());
    const iso = `${pool}/template-tpl-iso.iso`;
    assert.deepEqual(
      doc.disks().map((d) => [d.device, d.target, d.source]),
      [
        ['disk', 'vda', `${bed.imagesDir}/${cd}-vda.qcow2`],
        ['cdrom', 'sda', iso],
      ],
    );
    assert.equal((await ssh.run(['sha256sum', iso])).split(' ')[0], web.iso.sha256);
    await virsh.destroy(cd);
  });

  await t.test('a wrong checksum: 3 attempts, no VM, nothing left behind', async () => {
    const reg = await ctl([
      'image',
      'register',
      'tpl-wrong',
      '--url',
      `${web.http}/files/${web.disk.name}`,
      '--checksum',
      `{SHA-256}${'0'.repeat(64)}`,
      '--direct-download',
    ]);
    assert.equal(reg.code, 0, reg.stderr);
    const name = `${bed.prefix}tplwrong`;
    vms.push(name);
    const before = (await ssh.run(['ls', '-A', pool])).split('\n').sort();
    const r = await provision('tpl-wrong', name);
    assert.equal(r.code, 1, r.stderr + r.stdout);
    const task = JSON.parse(r.stdout) as TaskJson;
    assert.match(task.error ?? '', /after 3 attempts/);
    assert.match(await taskLog(task.id), /Nothing had been made on the host/);
    assert.equal(await virsh.exists(name), false);
    assert.deepEqual((await ssh.run(['ls', '-A', pool])).split('\n').sort(), before);
    assert.equal((await ssh.exec(['test', '-e', `${bed.imagesDir}/${name}-vda.qcow2`])).code, 1);
  });
});

// A second login to the same machine whose curl goes through a proxy that is down: that host
// cannot reach the URL. Both hosts are in the same server pool and the pool folder is on storage
// both see (here: the same machine), so when the destination's 3 attempts fail, the next host
// downloads into the SAME folder, and the copy is recorded as downloaded by it.
const farUser = `cvf${process.pid}`.slice(0, 30);
const farHome = `/tmp/${bed.prefix}far-home`;
const farKeys = join(bed.sshd.userKeysDir, farUser);

test('a shared pool: another host downloads when the destination cannot', async (t) => {
  // Outside libvirt's images folder, whose mode need not let another login in; only the
  // download is tested here, no VM uses the copy.
  const shared = `/tmp/${bed.prefix}sharedpool`;
  const ssh = await connectToTestbed(bed);
  const add = spawnSync('useradd', [
    '--system',
    '--home-dir',
    farHome,
    '--shell',
    '/bin/sh',
    '-p',
    '*',
    farUser,
  ]);
  assert.equal(add.status, 0, add.stderr?.toString());
  t.after(async () => {
    spawnSync('userdel', [farUser]);
    rmSync(farHome, { recursive: true, force: true });
    rmSync(farKeys, { recursive: true, force: true });
    await ssh.run(['rm', '-rf', shared]);
    ssh.close();
  });
  mkdirSync(farHome, { mode: 0o755 });
  writeFileSync(join(farHome, '.curlrc'), `proxy = "http://127.0.0.1:${web.deadPort}"\n`, {
    mode: 0o644,
  });
  mkdirSync(farKeys, { mode: 0o755 });
  writeFileSync(join(farKeys, 'authorized_keys'), readFileSync(`${bed.sshd.clientKeyPath}.pub`), {
    mode: 0o644,
  });
  // Writable by both logins: the far host fails on the network, not on permissions.
  await ssh.run(['mkdir', '-m', '1777', '-p', shared]);
  const ctlShared = convirtctlRunner({ home, dataDir: join(bed.runDir, 'tplprov-shared') });
  mkdirSync(home, { recursive: true });
  mkdirSync(join(bed.runDir, 'tplprov-shared'), { recursive: true });
  const addHost = async (name: string, user: string) => {
    const args = testbedHostAdd(bed, name, ['--accept-host-key', bed.sshd.hostKeyFingerprint]);
    const r = await ctlShared(args.map((a) => (a === bed.sshd.username ? user : a)));
    assert.equal(r.code, 0, r.stderr);
  };
  // Registered while tb is the only host: the URL check runs on one random host, and far
  // cannot reach the URL.
  await addHost('tb', bed.sshd.username);
  const reg = await ctlShared([
    'image',
    'register',
    'shared-disk',
    '--url',
    `${web.http}/files/${web.disk.name}`,
    '--checksum',
    `{SHA-256}${web.disk.sha256}`,
    '--direct-download',
  ]);
  assert.equal(reg.code, 0, reg.stderr);
  // Both in the same server pool (none given: the top level).
  await addHost('far', farUser);
  const deploy = await ctlShared([
    'image',
    'deploy',
    'shared-disk',
    '--host',
    'far',
    '--pool-dir',
    shared,
    '--shared-pool',
    'nas1',
    '--json',
  ]);
  assert.equal(deploy.code, 0, deploy.stderr + deploy.stdout);
  const task = JSON.parse(deploy.stdout) as TaskJson;
  const log = (
    JSON.parse((await ctlShared(['task', 'show', task.id, '--json'])).stdout) as {
      log: Array<{ text: string }>;
    }
  ).log
    .map((l) => l.text)
    .join('\n');
  // Each of far's attempts ends at its dead proxy (the dead mirror's port), never at nginx.
  for (const n of [1, 2, 3])
    assert.match(
      log,
      new RegExp(
        `far attempt ${n}: curl: \\(7\\) Failed to connect to 127.0.0.1 port ${web.deadPort}\\b`,
      ),
    );
  assert.match(log, /tb: attempt 1 of 3/);
  const copy = `${shared}/template-shared-disk.qcow2`;
  assert.equal((await ssh.run(['sha256sum', copy])).split(' ')[0], web.disk.sha256);
  const listed = JSON.parse((await ctlShared(['image', 'list', '--json'])).stdout) as {
    name: string;
    pools: string[];
  }[];
  assert.deepEqual(listed.find((l) => l.name === 'shared-disk')?.pools, ['nas1']);
});
