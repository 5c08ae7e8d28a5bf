// A non-root login that runs privileged commands with `sudo -n` (a per-host setting).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { HostConnector } from '../../app/main/fleet/host-connector.js';
import { KvmDriver } from '../../app/main/hypervisors/kvm/kvm-driver.js';
import { HostKeyTrust } from '../../app/main/ssh/host-key-trust.js';
import type { SshConnection } from '../../app/main/ssh/ssh-connection.js';
import { connectToTestbed, testbed } from '../support/testbed.js';
import { defineTinyVm } from '../support/tiny-vm.js';

const bed = testbed();
// System user names are short; the pid keeps parallel runs apart.
const user = `cvt${process.pid}`.slice(0, 30);
const sudoers = `/etc/sudoers.d/convirt-testbed-${user}`;
const keys = join(bed.sshd.userKeysDir, user);

test(
  'with sudo -n, a non-root login drives libvirt; without it, it cannot',
  { timeout: 60_000 },
  async (t) => {
    // '*': no password, but not locked (sshd without PAM refuses locked accounts, even for keys).
    const add = spawnSync('useradd', [
      '--system',
      '--no-create-home',
      '--shell',
      '/bin/sh',
      '-p',
      '*',
      user,
    ]);
    assert.equal(add.status, 0, add.stderr?.toString());
    writeFileSync(sudoers, `${user} ALL=(root) NOPASSWD: ALL\n`, { mode: 0o440 });
    mkdirSync(keys, { mode: 0o755 });
    writeFileSync(join(keys, 'authorized_keys'), readFileSync(`${bed.sshd.clientKeyPath}.pub`), {
      mode: 0o644,
    });
    const dir = mkdtempSync(join(bed.runDir, 'sudo-'));
    const root = await connectToTestbed(bed);
    const vm = `${bed.prefix}sudo`;
    const session: { ssh?: SshConnection } = {};
    // One hook, in order: the user's session ends before the user is removed.
    t.after(async () => {
      session.ssh?.close();
      await new Promise((r) => setTimeout(r, 300));
      spawnSync('userdel', [user]);
      rmSync(sudoers, { force: true });
      rmSync(keys, { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
      await root.exec(['virsh', '-q', 'undefine', vm]);
      await root.exec(['rm', '-f', `${bed.imagesDir}/${vm}.qcow2`]);
      root.close();
    });
    await defineTinyVm(root, bed, vm);

    const connector = new HostConnector({
      trust: new HostKeyTrust({ userKnownHostsFiles: [], convirtStoreFile: join(dir, 'store') }),
      env: {},
    });
    const ssh = await connector.connect(
      {
        address: '127.0.0.1',
        port: bed.sshd.port,
        username: user,
        authMethod: 'key',
        identityFile: bed.sshd.clientKeyPath,
      },
      { acceptFingerprint: bed.sshd.hostKeyFingerprint },
    );
    session.ssh = ssh;
    assert.equal((await ssh.run(['id', '-un'])).trim(), user);

    // As a plain user, libvirt's system connection is refused.
    const plain = new KvmDriver(ssh);
    await assert.rejects(ssh.run(plain.pollArgv()));
    const withSudo = new KvmDriver(ssh, { sudo: true });
    assert.ok(withSudo.parsePoll(await ssh.run(withSudo.pollArgv())).some((v) => v.name === vm));
    assert.ok(
      (await withSudo.poll()).some((v) => v.name === vm),
      'the persistent session runs under sudo too',
    );
    withSudo.dispose();
  },
);
