// A host reached the way `ssh NAME` reaches it: ~/.ssh/config aliases, HostName, Port, User,
// IdentityFile and ProxyJump, with the target's connection tunnelled through the jump host's.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { HostConnector } from '../../app/main/fleet/host-connector.js';
import { HostKeyTrust } from '../../app/main/ssh/host-key-trust.js';
import { parseSshConfig } from '../../app/main/ssh/ssh-config.js';
import { testbed } from '../support/testbed.js';

const bed = testbed();

test('ProxyJump: the target is reached through a tunnel of the jump host connection', async (t) => {
  const home = mkdtempSync(join(bed.runDir, 'route-home-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const { port, username, clientKeyPath } = bed.sshd;
  const config = parseSshConfig(
    [
      'Host jumpbox',
      '  HostName 127.0.0.1',
      `  Port ${port}`,
      `  User ${username}`,
      `  IdentityFile ${clientKeyPath}`,
      'Host inner',
      // As seen from the jump host: the target is its own loopback.
      '  HostName localhost',
      `  Port ${port}`,
      `  User ${username}`,
      `  IdentityFile ${clientKeyPath}`,
      '  ProxyJump jumpbox',
    ].join('\n'),
    { homeDir: home },
  );
  // The jump host is already trusted (jump hosts are never confirmed silently).
  const knownHosts = join(home, 'known_hosts');
  writeFileSync(knownHosts, `[127.0.0.1]:${port} ${bed.sshd.hostPublicKey}\n`);
  const trust = new HostKeyTrust({
    userKnownHostsFiles: [knownHosts],
    convirtStoreFile: join(home, 'store'),
  });
  const connector = new HostConnector({ trust, sshConfig: config, env: {} });

  const logBefore = readFileSync(bed.sshd.logPath, 'utf8').length;
  const ssh = await connector.connect(
    { address: 'inner', authMethod: 'key' },
    { acceptFingerprint: bed.sshd.hostKeyFingerprint },
  );
  t.after(() => ssh.close());
  assert.equal((await ssh.run(['echo', 'through the jump host'])).trim(), 'through the jump host');
  // Two logins: the jump host, then the target through it. (OpenSSH does not log forwarding
  // requests at VERBOSE, so the tunnel itself is not visible in its log.)
  const log = readFileSync(bed.sshd.logPath, 'utf8').slice(logBefore);
  assert.equal((log.match(/Accepted publickey/g) ?? []).length, 2);
  // Closing the target closes the jump connection too.
  ssh.close();
  await new Promise((r) => setTimeout(r, 300));
  const closed = readFileSync(bed.sshd.logPath, 'utf8').slice(logBefore);
  assert.equal((closed.match(/Connection closed by|Disconnected from/g) ?? []).length, 2);
});
