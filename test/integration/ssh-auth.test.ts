// Authentication as operators use it: a key held by a real ssh-agent, and a key file protected by
// a passphrase that is asked for (and never stored).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { HostConnector, KeyFileError } from '../../app/main/fleet/host-connector.js';
import { HostKeyTrust } from '../../app/main/ssh/host-key-trust.js';
import { testbed } from '../support/testbed.js';

const bed = testbed();
const endpoint = (extra: object) => ({
  address: '127.0.0.1',
  port: bed.sshd.port,
  username: bed.sshd.username,
  ...extra,
});

function trustIn(dir: string): HostKeyTrust {
  return new HostKeyTrust({ userKnownHostsFiles: [], convirtStoreFile: join(dir, 'store') });
}

test('a key held by ssh-agent (SSH_AUTH_SOCK)', async (t) => {
  const dir = mkdtempSync(join(bed.runDir, 'agent-'));
  const socket = join(dir, 'agent.sock');
  const agent = spawnSync('ssh-agent', ['-a', socket, '-s'], { encoding: 'utf8' });
  const pid = Number(/SSH_AGENT_PID=(\d+)/.exec(agent.stdout)?.[1]);
  assert.ok(pid > 0, agent.stderr);
  t.after(() => {
    process.kill(pid, 'SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });
  const added = spawnSync('ssh-add', [bed.sshd.clientKeyPath], {
    env: { ...process.env, SSH_AUTH_SOCK: socket },
  });
  assert.equal(added.status, 0, added.stderr.toString());

  const connector = new HostConnector({ trust: trustIn(dir), env: { SSH_AUTH_SOCK: socket } });
  // No key file given: only the agent can authenticate.
  const ssh = await connector.connect(endpoint({ authMethod: 'agent' }), {
    acceptFingerprint: bed.sshd.hostKeyFingerprint,
  });
  t.after(() => ssh.close());
  assert.equal((await ssh.run(['echo', 'agent'])).trim(), 'agent');
  assert.match(readFileSync(bed.sshd.logPath, 'utf8'), /Accepted publickey/);
});

test('a passphrase-protected key: the passphrase is asked for; a wrong one is refused', async (t) => {
  const dir = mkdtempSync(join(bed.runDir, 'passphrase-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const key = join(dir, 'locked_ed25519');
  const gen = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'open sesame', '-f', key]);
  assert.equal(gen.status, 0);
  appendFileSync(join(bed.sshd.dir, 'authorized_keys'), readFileSync(`${key}.pub`));

  const asked: string[] = [];
  const connectWith = (answer: string | undefined) =>
    new HostConnector({
      trust: trustIn(dir),
      env: {},
      prompts: {
        passphrase: (file) => {
          asked.push(file);
          return Promise.resolve(answer);
        },
      },
    }).connect(endpoint({ authMethod: 'key', identityFile: key }), {
      acceptFingerprint: bed.sshd.hostKeyFingerprint,
    });

  await assert.rejects(
    connectWith('wrong'),
    (err: unknown) => err instanceof KeyFileError && /wrong passphrase/.test(err.message),
  );
  await assert.rejects(connectWith(undefined), /encrypted and no passphrase was given/);
  const ssh = await connectWith('open sesame');
  t.after(() => ssh.close());
  assert.equal((await ssh.run(['echo', 'unlocked'])).trim(), 'unlocked');
  assert.deepEqual(asked, [key, key, key]);
  // Nothing about the passphrase is kept: the trust store holds only the host key.
  assert.doesNotMatch(readFileSync(join(dir, 'store'), 'utf8'), /sesame/);
});
