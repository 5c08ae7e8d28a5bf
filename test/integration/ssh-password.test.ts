// Password logins: the password is asked through the prompts (as the UI and convirtctl ask the
// operator), sent only after the host key is trusted, and a wrong one fails plainly.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { HostConnector } from '../../app/main/fleet/host-connector.js';
import { HostKeyTrust } from '../../app/main/ssh/host-key-trust.js';
import { PASSWORD_USER_PREFIX } from '../bed/sshd.js';
import { testbed } from '../support/testbed.js';

const bed = testbed();
const user = `${PASSWORD_USER_PREFIX}${process.pid}`.slice(0, 30);
const password = `pw 'with' $(quotes) ${process.pid}`;

test('a password login works, and a wrong password is refused', { timeout: 60_000 }, async (t) => {
  const hash = spawnSync('openssl', ['passwd', '-6', '-stdin'], { input: password });
  assert.equal(hash.status, 0, hash.stderr?.toString());
  const add = spawnSync('useradd', [
    '--system',
    '--no-create-home',
    '--shell',
    '/bin/sh',
    '-p',
    hash.stdout.toString().trim(),
    user,
  ]);
  assert.equal(add.status, 0, add.stderr?.toString());
  const dir = mkdtempSync(join(bed.runDir, 'password-'));
  t.after(async () => {
    // Let sshd's session processes for the user end before the user goes.
    await new Promise((r) => setTimeout(r, 300));
    spawnSync('userdel', [user]);
    rmSync(dir, { recursive: true, force: true });
  });

  const asked: string[] = [];
  const connectWith = (answer: string) =>
    new HostConnector({
      trust: new HostKeyTrust({ userKnownHostsFiles: [], convirtStoreFile: join(dir, 'store') }),
      env: {},
      prompts: {
        password: (target) => {
          asked.push(target);
          return Promise.resolve(answer);
        },
      },
    }).connect(
      { address: '127.0.0.1', port: bed.sshd.port, username: user, authMethod: 'password' },
      { acceptFingerprint: bed.sshd.hostKeyFingerprint },
    );

  const ssh = await connectWith(password);
  try {
    assert.equal((await ssh.run(['id', '-un'])).trim(), user);
  } finally {
    ssh.close();
  }
  assert.deepEqual(asked, [`${user}@127.0.0.1`]);

  await assert.rejects(connectWith('not the password'), /authentication/i);
});
