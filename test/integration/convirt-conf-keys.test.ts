// convirt.conf's host-side keys against the real test bed, through convirtctl --config: with
// default_ssh_port set to the test bed's port, `host add` without a port connects; with an
// exec_path naming a folder that holds a recording `virsh` wrapper, the host's commands (host add,
// listing, a VM action) run through it; on the defaults the wrapper is not used. With
// snapshots_dir set, `vm save` writes the running VM's memory there and `vm restore` brings it
// back with its guest agent answering. With default_bridge_kvm set, a VM provisioned without a
// bridge parameter joins that bridge.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { waitForGuestAgent } from '../../app/main/guest-agent/wait-for-agent.js';
import { KvmDriver } from '../../app/main/hypervisors/kvm/kvm-driver.js';
import { testbedConvirtConf } from '../support/convirt-conf.js';
import {
  convirtctlRunner,
  taskLogText,
  testbedHostAdd,
  type TaskJson,
} from '../support/convirtctl-runner.js';
import { connectToTestbed, testbed } from '../support/testbed.js';
import { defineTinyVm, removeVm } from '../support/tiny-vm.js';

const bed = testbed();
const home = join(bed.runDir, 'conf-keys-home');
const dataDir = join(bed.runDir, 'conf-keys-data');
const wrapperDir = join(bed.runDir, 'conf-keys-bin');
const calls = join(bed.runDir, 'conf-keys-virsh-calls');
const configFile = join(bed.runDir, 'conf-keys.conf');
// A folder that does not exist yet: save makes it.
const snapshotsDir = join(bed.runDir, 'conf-keys-saved', 'states');
const vm = `${bed.prefix}confkeys`;
const ref = `tbconf/${vm}`;

const ctl = convirtctlRunner({ home, dataDir });
const withConfig = (args: string[]) => ctl(['--config', configFile, ...args]);
const recorded = () => readFileSync(calls, 'utf8');

test('default_ssh_port and exec_path reach the managed host', { timeout: 300_000 }, async (t) => {
  mkdirSync(join(home, '.ssh'), { recursive: true });
  mkdirSync(wrapperDir, { recursive: true });
  // The test bed's host is this machine: the wrapper hands over to the real virsh by its path.
  const realVirsh = spawnSync('sh', ['-c', 'command -v virsh'], { encoding: 'utf8' }).stdout.trim();
  assert.ok(realVirsh, 'virsh is installed');
  writeFileSync(
    join(wrapperDir, 'virsh'),
    `#!/bin/sh\necho "$*" >>'${calls}'\nexec '${realVirsh}' "$@"\n`,
    { mode: 0o755 },
  );
  writeFileSync(calls, '');
  writeFileSync(
    configFile,
    `[PATHS]\nexec_path = ${wrapperDir}:$PATH\nsnapshots_dir = ${snapshotsDir}\n\n` +
      `[CLIENT CONFIGURATION]\ndefault_ssh_port = ${bed.sshd.port}\n`,
    { mode: 0o600 },
  );
  const ssh = await connectToTestbed(bed);
  const virsh = new KvmDriver(ssh);
  await defineTinyVm(ssh, bed, vm);
  t.after(async () => {
    try {
      if ((await virsh.state(vm)) !== 'shutoff') await virsh.destroy(vm);
      await ssh.run(['virsh', '-q', 'undefine', vm]);
      await ssh.run(['rm', '-f', `${bed.imagesDir}/${vm}.qcow2`]);
      await ssh.run(['rm', '-rf', '--', join(bed.runDir, 'conf-keys-saved')]);
    } finally {
      ssh.close();
      rmSync(home, { recursive: true, force: true });
    }
  });

  await t.test(
    'host add without a port connects on default_ssh_port, through exec_path',
    async () => {
      const r = await withConfig([
        'host',
        'add',
        'tbconf',
        '--address',
        '127.0.0.1',
        '--user',
        bed.sshd.username,
        '--identity',
        bed.sshd.clientKeyPath,
        '--accept-host-key',
        bed.sshd.hostKeyFingerprint,
        '--json',
      ]);
      assert.equal(r.code, 0, r.stderr);
      const hosts = JSON.parse((await ctl(['host', 'list', '--json'])).stdout) as Array<{
        name: string;
        port: number;
      }>;
      assert.deepEqual(
        hosts.map((h) => [h.name, h.port]),
        [['tbconf', bed.sshd.port]],
      );
      assert.notEqual(recorded(), '', 'host add ran virsh through the wrapper');
    },
  );

  await t.test('listing and a VM action run the wrapper named by exec_path', async () => {
    writeFileSync(calls, '');
    const listed = await withConfig(['vm', 'list', '--host', 'tbconf', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.ok(listed.stdout.includes(vm), listed.stdout);
    const started = await withConfig(['vm', 'start', ref]);
    assert.equal(started.code, 0, started.stderr);
    assert.equal(await virsh.state(vm), 'running');
    assert.match(recorded(), new RegExp(`start ${vm}`));
  });

  await t.test('on the defaults the wrapper is not used', async () => {
    writeFileSync(calls, '');
    // The runner's CONVIRT_CONFIG (/dev/null) gives the defaults.
    const destroyed = await ctl(['vm', 'destroy', ref]);
    assert.equal(destroyed.code, 0, destroyed.stderr);
    assert.equal(await virsh.state(vm), 'shutoff');
    assert.equal(recorded(), '');
  });

  await t.test(
    'vm save writes the running VM to snapshots_dir; vm restore brings it back',
    async () => {
      const saved = join(snapshotsDir, `${vm}.save`);
      // Refused before anything runs: the VM is shut off.
      const early = await withConfig(['vm', 'save', ref, '--json']);
      assert.equal(early.code, 2, early.stderr);
      assert.match(early.stderr, /is shut off: it cannot be saved/);

      assert.equal((await withConfig(['vm', 'start', ref])).code, 0);
      await waitForGuestAgent(virsh, vm, 60_000);
      const save = await withConfig(['vm', 'save', ref, '--json']);
      assert.equal(save.code, 0, save.stderr + save.stdout);
      const saveTask = JSON.parse(save.stdout) as TaskJson;
      assert.equal(saveTask.status, 'succeeded');
      assert.equal(await virsh.state(vm), 'shutoff');
      assert.equal(await ssh.run(['stat', '-c', '%F', saved]), 'regular file\n');
      const log = await taskLogText(ctl, saveTask.id);
      assert.match(log, new RegExp(`save ${vm} ${saved}`));
      const info = JSON.parse((await withConfig(['vm', 'info', ref, '--json'])).stdout) as {
        savedState: string | null;
      };
      assert.equal(info.savedState, saved);

      const restore = await withConfig(['vm', 'restore', ref, '--json']);
      assert.equal(restore.code, 0, restore.stderr + restore.stdout);
      assert.equal(await virsh.state(vm), 'running');
      await waitForGuestAgent(virsh, vm, 30_000);
      assert.equal((await ssh.exec(['test', '-e', saved])).code, 1, 'the file is removed');

      // Running again, it has nothing to restore from.
      const again = await withConfig(['vm', 'restore', ref, '--json']);
      assert.equal(again.code, 2, again.stderr);
    },
  );
});

test(
  'default_bridge_kvm: a VM provisioned without a bridge joins it',
  { timeout: 300_000 },
  async (t) => {
    // Linux interface names have at most 15 characters. The first sorts before the second, so the
    // host's first bridge is not the configured one.
    const [other, configured] = ['a', 'b'].map((c) => `cvk${c}${process.pid % 100000}`) as [
      string,
      string,
    ];
    const provisioned = `${bed.prefix}confbridge`;
    const imageCache = `${bed.imagesDir}/${bed.prefix}confkeys-cache`;
    const bridgeCtl = convirtctlRunner({
      home,
      dataDir: join(bed.runDir, 'conf-keys-bridge-data'),
      configFile: testbedConvirtConf(bed, join(bed.runDir, 'conf-keys-bridge-conf'), {
        client: { default_bridge_kvm: configured },
      }),
    });
    for (const bridge of [other, configured]) {
      spawnSync('ip', ['link', 'add', bridge, 'type', 'bridge']);
      spawnSync('ip', ['link', 'set', bridge, 'up']);
    }
    mkdirSync(join(home, '.ssh'), { recursive: true });
    const ssh = await connectToTestbed(bed);
    const virsh = new KvmDriver(ssh);
    t.after(async () => {
      try {
        await removeVm(virsh, provisioned);
        await ssh.run([
          'sh',
          '-c',
          'rm -rf -- "$1"/"$2"* "$3"',
          'sh',
          bed.imagesDir,
          provisioned,
          imageCache,
        ]);
      } finally {
        ssh.close();
        for (const bridge of [other, configured]) spawnSync('ip', ['link', 'del', bridge]);
        rmSync(home, { recursive: true, force: true });
      }
    });

    const added = await bridgeCtl(
      testbedHostAdd(bed, 'tbbridge', ['--accept-host-key', bed.sshd.hostKeyFingerprint]),
    );
    assert.equal(added.code, 0, added.stderr);
    const r = await bridgeCtl([
      'vm',
      'provision',
      'tiny-linux',
      '--host',
      'tbbridge',
      '--name',
      provisioned,
      '--image-cache',
      imageCache,
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const xml = await virsh.document(provisioned);
    assert.match(xml.toXml(), new RegExp(`<source bridge=["']${configured}["']`));
  },
);
