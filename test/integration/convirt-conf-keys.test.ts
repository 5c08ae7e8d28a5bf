// convirt.conf's host-side keys against the real test bed, through convirtctl --config: with
// default_ssh_port set to the test bed's port, `host add` without a port connects; with an
// exec_path naming a folder that holds a recording `virsh` wrapper, the host's commands (host add,
// listing, a VM action) run through it; on the defaults the wrapper is not used.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { KvmDriver } from '../../app/main/hypervisors/kvm/kvm-driver.js';
import { convirtctlRunner } from '../support/convirtctl-runner.js';
import { connectToTestbed, testbed } from '../support/testbed.js';
import { defineTinyVm } from '../support/tiny-vm.js';

const bed = testbed();
const home = join(bed.runDir, 'conf-keys-home');
const dataDir = join(bed.runDir, 'conf-keys-data');
const wrapperDir = join(bed.runDir, 'conf-keys-bin');
const calls = join(bed.runDir, 'conf-keys-virsh-calls');
const configFile = join(bed.runDir, 'conf-keys.conf');
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
    `[PATHS]\nexec_path = ${wrapperDir}:$PATH\n\n` +
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
});
