// Host key trust against the test bed's real sshd: unknown, confirmed, changed, hashed entries.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import {
  HostKeyChangedError,
  HostKeyTrust,
  HostKeyUnknownError,
} from '../../app/main/ssh/host-key-trust.js';
import {
  keyAlgorithm,
  sha256Fingerprint,
  type HostKeyVerifier,
  type PresentedHostKey,
} from '../../app/main/ssh/host-key.js';
import { lookupHost, parseKnownHosts } from '../../app/main/ssh/known-hosts.js';
import { SshConnection } from '../../app/main/ssh/ssh-connection.js';
import { testbed } from '../support/testbed.js';

const bed = testbed();
const bedName = `[${bed.sshd.host}]:${bed.sshd.port}`;

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), bed.prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A trust store over one user known_hosts file (written with `userText`) in a temp folder. */
function trustIn(dir: string, userText = ''): HostKeyTrust {
  const userFile = join(dir, 'known_hosts');
  writeFileSync(userFile, userText);
  return new HostKeyTrust({
    userKnownHostsFiles: [userFile],
    convirtStoreFile: join(dir, 'convirt', 'known_hosts'),
  });
}

/** The bed's host key, as SshConnection presents it. */
function bedHostKey(): PresentedHostKey {
  const blob = Buffer.from(bed.sshd.hostPublicKey.split(' ')[1]!, 'base64');
  return {
    host: bed.sshd.host,
    port: bed.sshd.port,
    algorithm: keyAlgorithm(blob),
    fingerprint: sha256Fingerprint(blob),
    blob,
  };
}

function connect(verifyHostKey: HostKeyVerifier): Promise<SshConnection> {
  return SshConnection.connect({
    host: bed.sshd.host,
    port: bed.sshd.port,
    username: bed.sshd.username,
    auth: { privateKey: readFileSync(bed.sshd.clientKeyPath) },
    verifyHostKey,
  });
}

/** What sshd logged (at VERBOSE) about authentication since `offset`. */
async function authenticationLoggedSince(offset: number): Promise<string[]> {
  await new Promise((r) => setTimeout(r, 200));
  return readFileSync(bed.sshd.logPath, 'utf8')
    .slice(offset)
    .split('\n')
    .filter((line) => /publickey|Accepted|Failed|userauth/i.test(line));
}

async function runsCommands(ssh: SshConnection): Promise<void> {
  try {
    assert.equal(await ssh.run(['echo', 'trusted']), 'trusted\n');
  } finally {
    ssh.close();
  }
}

test('an unknown host key is refused with HostKeyUnknownError before any credential', async (t) => {
  const trust = trustIn(tempDir(t));
  const logBefore = statSync(bed.sshd.logPath).size;
  await assert.rejects(connect(trust.verifier()), (err: unknown) => {
    assert.ok(err instanceof HostKeyUnknownError, String(err));
    assert.equal(err.key.fingerprint, bed.sshd.hostKeyFingerprint);
    assert.ok(err.message.includes(bed.sshd.hostKeyFingerprint), err.message);
    return true;
  });
  assert.deepEqual(await authenticationLoggedSince(logBefore), []);
  assert.equal(trust.check(bedHostKey()).kind, 'unknown', 'nothing was stored');
});

test('a confirmed key is stored; the next connection trusts it without asking', async (t) => {
  const dir = tempDir(t);
  const trust = trustIn(dir);
  const asked: string[] = [];
  const verifier = trust.verifier({
    confirm: (key) => {
      asked.push(key.fingerprint);
      return true;
    },
  });
  await runsCommands(await connect(verifier));
  assert.deepEqual(asked, [bed.sshd.hostKeyFingerprint]);

  const store = readFileSync(join(dir, 'convirt', 'known_hosts'), 'utf8');
  assert.equal(statSync(join(dir, 'convirt', 'known_hosts')).mode & 0o777, 0o600);
  const stored = lookupHost(parseKnownHosts(store), bed.sshd.host, bed.sshd.port).keys;
  assert.deepEqual(
    stored.map((k) => k.fingerprint),
    [bed.sshd.hostKeyFingerprint],
  );
  assert.ok(store.startsWith(`${bedName} ssh-ed25519 `), store);
  assert.equal(readFileSync(join(dir, 'known_hosts'), 'utf8'), '', 'user file untouched');

  await runsCommands(await connect(verifier));
  assert.equal(asked.length, 1, 'confirm was not called for a trusted key');
  // A fresh store object reading the same files agrees, without any confirm at all.
  await runsCommands(await connect(trustIn(dir).verifier()));
});

test('a changed host key is refused with a warning naming both fingerprints, nothing sent', async (t) => {
  const dir = tempDir(t);
  const otherKey = join(dir, 'other_ed25519');
  const gen = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', otherKey]);
  assert.equal(gen.status, 0, 'ssh-keygen');
  const [type, base64] = readFileSync(`${otherKey}.pub`, 'utf8').split(' ');
  const otherFingerprint = spawnSync(
    'ssh-keygen',
    ['-l', '-E', 'sha256', '-f', `${otherKey}.pub`],
    {
      encoding: 'utf8',
    },
  ).stdout.split(' ')[1]!;
  const trust = trustIn(dir, `${bedName} ${type} ${base64}\n`);
  let asked = false;

  const logBefore = statSync(bed.sshd.logPath).size;
  await assert.rejects(
    connect(trust.verifier({ confirm: () => (asked = true) })),
    (err: unknown) => {
      assert.ok(err instanceof HostKeyChangedError, String(err));
      assert.deepEqual(err.knownFingerprints, [otherFingerprint]);
      assert.equal(err.key.fingerprint, bed.sshd.hostKeyFingerprint);
      assert.ok(err.message.includes(`${bed.sshd.host}:${bed.sshd.port} has CHANGED`), err.message);
      assert.ok(err.message.includes(`It was ${otherFingerprint}`), err.message);
      assert.ok(err.message.includes(`it is now ${bed.sshd.hostKeyFingerprint}`), err.message);
      return true;
    },
  );
  assert.deepEqual(await authenticationLoggedSince(logBefore), []);
  assert.equal(asked, false);
});

test('a hashed known_hosts entry made by ssh-keygen -H is trusted', async (t) => {
  const dir = tempDir(t);
  const userFile = join(dir, 'known_hosts');
  const [type, base64] = bed.sshd.hostPublicKey.split(' ');
  writeFileSync(userFile, `${bedName} ${type} ${base64}\n`);
  const hashed = spawnSync('ssh-keygen', ['-H', '-f', userFile], { encoding: 'utf8' });
  assert.equal(hashed.status, 0, hashed.stderr);
  const text = readFileSync(userFile, 'utf8');
  assert.match(text, /^\|1\|/);
  assert.ok(!text.includes(bed.sshd.host));

  const trust = new HostKeyTrust({
    userKnownHostsFiles: [userFile],
    convirtStoreFile: join(dir, 'convirt', 'known_hosts'),
  });
  const neverAsked = () => assert.fail('confirm must not be called for a trusted key');
  await runsCommands(await connect(trust.verifier({ confirm: neverAsked })));
  assert.throws(() => statSync(join(dir, 'convirt', 'known_hosts')), /ENOENT/);
});
