import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import {
  HostKeyRejectedError,
  keyAlgorithm,
  sha256Fingerprint,
  type PresentedHostKey,
} from '../../../app/main/ssh/host-key.js';
import {
  HostKeyChangedError,
  HostKeyDeclinedError,
  HostKeyRevokedError,
  HostKeyTrust,
  HostKeyUnknownError,
} from '../../../app/main/ssh/host-key-trust.js';
import { lookupHost, parseKnownHostsDetailed } from '../../../app/main/ssh/known-hosts.js';
import { sshString } from '../../support/ssh-wire.js';

function presented(host: string, port: number, algorithm = 'ssh-ed25519'): PresentedHostKey {
  const blob = Buffer.concat([sshString(Buffer.from(algorithm)), sshString(randomBytes(32))]);
  return { host, port, algorithm: keyAlgorithm(blob), fingerprint: sha256Fingerprint(blob), blob };
}

function entry(name: string, key: PresentedHostKey, marker = ''): string {
  return `${marker ? `${marker} ` : ''}${name} ${key.algorithm} ${key.blob.toString('base64')}\n`;
}

/** A trust store whose files do not exist yet. */
function setup(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), 'convirt-unit-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ssh = join(dir, 'home', '.ssh');
  const trust = new HostKeyTrust({
    userKnownHostsFiles: [join(ssh, 'known_hosts'), join(ssh, 'known_hosts2')],
    convirtStoreFile: join(dir, 'data', 'ssh', 'known_hosts'),
  });
  return { dir, trust };
}

/** A trust store over one user file written with `text`, and an empty ConVirt store. */
function storeWith(t: TestContext, text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'convirt-unit-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const userFile = join(dir, 'known_hosts');
  writeFileSync(userFile, text);
  const storeFile = join(dir, 'convirt', 'known_hosts');
  return {
    userFile,
    storeFile,
    trust: new HostKeyTrust({ userKnownHostsFiles: [userFile], convirtStoreFile: storeFile }),
  };
}

test('without any file every key is unknown; missing files are no error', (t) => {
  const { trust } = setup(t);
  assert.deepEqual(trust.check(presented('web1', 22)), { kind: 'unknown' });
});

test('the default user files are ~/.ssh/known_hosts and known_hosts2', () => {
  const trust = new HostKeyTrust({ convirtStoreFile: '/nonexistent/known_hosts' });
  assert.equal(trust.userKnownHostsFiles.length, 2);
  assert.match(trust.userKnownHostsFiles[0]!, /\/\.ssh\/known_hosts$/);
  assert.match(trust.userKnownHostsFiles[1]!, /\/\.ssh\/known_hosts2$/);
});

test('verdicts: trusted, unknown for another host or port, changed, revoked', (t) => {
  const key = presented('web1', 2222);
  const other = presented('web1', 2222);
  const { trust } = storeWith(
    t,
    entry('[web1]:2222', key) + entry('web2', other) + entry('[web3]:2222', other),
  );
  assert.deepEqual(trust.check(key), { kind: 'trusted' });
  assert.deepEqual(trust.check({ ...key, port: 22 }), { kind: 'unknown' });
  assert.deepEqual(trust.check({ ...key, host: 'web4' }), { kind: 'unknown' });

  const changed = trust.check({ ...other, host: 'web1' });
  assert.equal(changed.kind, 'changed');
  assert.ok(changed.kind === 'changed');
  assert.deepEqual(changed.knownFingerprints, [key.fingerprint]);
  assert.equal(changed.knownKeys[0]!.line, 1);
});

test('a key of another type than the one on record is "changed" (stricter than OpenSSH)', (t) => {
  const rsaOnRecord = presented('web1', 22, 'ssh-rsa');
  const { trust } = storeWith(t, entry('web1', rsaOnRecord));
  const verdict = trust.check(presented('web1', 22, 'ssh-ed25519'));
  assert.equal(verdict.kind, 'changed');
  assert.deepEqual(trust.preferredAlgorithms('web1', 22), ['ssh-rsa']);
  assert.deepEqual(trust.preferredAlgorithms('web2', 22), []);
});

test('a revoked key is refused even where another line trusts it', (t) => {
  const key = presented('web1', 22);
  const { trust, userFile } = storeWith(t, entry('web1', key) + entry('*', key, '@revoked'));
  assert.deepEqual(trust.check(key), { kind: 'revoked', revokedIn: [userFile] });
  // The revocation is per key: another key for the host is unaffected by it.
  assert.equal(trust.check(presented('web1', 22)).kind, 'changed');
});

test('trust() appends to ConVirt store only, mode 0600, parseable, without duplicates', async (t) => {
  const known = presented('web2', 22);
  const { trust, userFile, storeFile } = storeWith(t, entry('web2', known));
  const userBefore = readFileSync(userFile, 'utf8');
  const key = presented('10.0.0.7', 2222);
  await trust.trust(key);
  await trust.trust(key);
  assert.equal(statSync(storeFile).mode & 0o777, 0o600);
  assert.equal(statSync(join(storeFile, '..')).mode & 0o777, 0o700);
  const text = readFileSync(storeFile, 'utf8');
  assert.equal(text, `[10.0.0.7]:2222 ssh-ed25519 ${key.blob.toString('base64')}\n`);
  const parsed = parseKnownHostsDetailed(text);
  assert.deepEqual(parsed.malformedLines, []);
  assert.ok(lookupHost(parsed.entries, '10.0.0.7', 2222).keys[0]!.blob.equals(key.blob));
  assert.equal(readFileSync(userFile, 'utf8'), userBefore);
  assert.deepEqual(trust.check(key), { kind: 'trusted' });

  // A store edited by hand without a final newline still gets one entry per line.
  writeFileSync(storeFile, entry('web9', known).trimEnd(), { mode: 0o644 });
  await trust.trust(key);
  assert.equal(statSync(storeFile).mode & 0o777, 0o600);
  assert.equal(parseKnownHostsDetailed(readFileSync(storeFile, 'utf8')).entries.length, 2);

  assert.equal(await trust.forget('10.0.0.7', 2222), 1);
  assert.deepEqual(trust.check(key), { kind: 'unknown' });
  assert.equal(await trust.forget('10.0.0.7', 2222), 0);
});

test('HostKeyChangedError names the host, the new and the old fingerprints and the file', async (t) => {
  const old = presented('web1', 22);
  const { trust, userFile } = storeWith(t, '# mine\n' + entry('web1', old));
  const now = presented('web1', 22);
  let asked = false;
  const verify = trust.verifier({
    confirm: () => (asked = true),
    acceptFingerprint: now.fingerprint,
  });
  await assert.rejects(Promise.resolve(verify(now)), (err: unknown) => {
    assert.ok(err instanceof HostKeyChangedError);
    assert.ok(err instanceof HostKeyRejectedError);
    assert.equal(err.name, 'HostKeyChangedError');
    assert.equal(err.key, now);
    assert.deepEqual(err.knownFingerprints, [old.fingerprint]);
    assert.match(err.message, /^WARNING: the host key of web1:22 has CHANGED\./);
    assert.ok(err.message.includes(`It was ${old.fingerprint} (ssh-ed25519)`), err.message);
    assert.ok(err.message.includes(`it is now ${now.fingerprint}`), err.message);
    assert.match(err.message, /intercepting/);
    assert.match(err.message, /Nothing was sent/);
    assert.ok(err.message.includes(`${userFile} (line 2)`), err.message);
    return true;
  });
  assert.equal(asked, false, 'confirm must never be called for a changed key');
  assert.equal(trust.check(now).kind, 'changed', 'nothing was stored');
});

test('the verifier: trusted, revoked, unknown without confirmation', async (t) => {
  const key = presented('web1', 22);
  const revoked = presented('web2', 22);
  const { trust, storeFile } = storeWith(
    t,
    entry('web1', key) + entry('web2', revoked) + entry('web2', revoked, '@revoked'),
  );
  assert.equal(await trust.verifier()(key), true);
  await assert.rejects(Promise.resolve(trust.verifier()(revoked)), HostKeyRevokedError);

  const stranger = presented('web3', 2222);
  await assert.rejects(Promise.resolve(trust.verifier()(stranger)), (err: unknown) => {
    assert.ok(err instanceof HostKeyUnknownError);
    assert.ok(err instanceof HostKeyRejectedError);
    assert.equal(err.key, stranger);
    assert.equal(
      err.message,
      `The host key of web3:2222 is not known: ssh-ed25519 ${stranger.fingerprint} . ` +
        'Confirm this fingerprint to connect.',
    );
    return true;
  });
  // A confirmed fingerprint that is not this key's is no confirmation.
  await assert.rejects(
    Promise.resolve(trust.verifier({ acceptFingerprint: key.fingerprint })(stranger)),
    (err: unknown) => err instanceof HostKeyUnknownError && err.message.includes(key.fingerprint),
  );
  assert.throws(() => statSync(storeFile), /ENOENT/);
});

test('the verifier: a confirmed fingerprint or an accepting confirm() stores the key', async (t) => {
  const { trust } = storeWith(t, '');
  const byFingerprint = presented('web1', 22);
  const bare = byFingerprint.fingerprint.replace(/^SHA256:/, '');
  assert.equal(await trust.verifier({ acceptFingerprint: bare })(byFingerprint), true);
  assert.deepEqual(trust.check(byFingerprint), { kind: 'trusted' });

  const asked: PresentedHostKey[] = [];
  const byConfirm = presented('web2', 22);
  const accept = trust.verifier({
    confirm: (k) => {
      asked.push(k);
      return Promise.resolve(true);
    },
  });
  assert.equal(await accept(byConfirm), true);
  assert.equal(await accept(byConfirm), true);
  assert.deepEqual(asked, [byConfirm], 'asked once; the second time the key is trusted');

  const declined = presented('web3', 22);
  await assert.rejects(
    Promise.resolve(trust.verifier({ confirm: () => false })(declined)),
    HostKeyDeclinedError,
  );
  assert.deepEqual(trust.check(declined), { kind: 'unknown' });
});

test('a user file that cannot be read is skipped; an unreadable ConVirt store is an error', (t) => {
  const { dir, trust } = setup(t);
  const key = presented('web1', 22);
  const skipping = new HostKeyTrust({
    userKnownHostsFiles: [dir],
    convirtStoreFile: join(dir, 'store'),
  });
  assert.deepEqual(skipping.check(key), { kind: 'unknown' });
  const broken = new HostKeyTrust({ userKnownHostsFiles: [], convirtStoreFile: dir });
  assert.throws(() => broken.check(key), /EISDIR/);
  assert.deepEqual(trust.check(key), { kind: 'unknown' });
});

test('replaceFingerprint: the new key replaces the old one in ConVirt store, and only that key', async (t) => {
  const { trust } = setup(t);
  const old = presented('web1', 22);
  await trust.trust(old);
  const now = presented('web1', 22);
  const other = presented('web1', 22);
  // Another key than the one accepted is still refused, and nothing changes.
  await assert.rejects(
    Promise.resolve(trust.verifier({ replaceFingerprint: now.fingerprint })(other)),
    HostKeyChangedError,
  );
  assert.equal(trust.check(old).kind, 'trusted');
  assert.equal(await trust.verifier({ replaceFingerprint: now.fingerprint })(now), true);
  assert.equal(trust.check(now).kind, 'trusted');
  assert.equal(trust.check(old).kind, 'changed', 'the old key is no longer trusted');
});

test('replaceFingerprint leaves a key of the user own known_hosts to the user', async (t) => {
  const old = presented('web1', 22);
  const { trust, userFile } = storeWith(t, entry('web1', old));
  const now = presented('web1', 22);
  await assert.rejects(
    Promise.resolve(trust.verifier({ replaceFingerprint: now.fingerprint })(now)),
    (err: unknown) => err instanceof HostKeyChangedError && err.message.includes(userFile),
  );
  assert.equal(trust.check(now).kind, 'changed');
});
