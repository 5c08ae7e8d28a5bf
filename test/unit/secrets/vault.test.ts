// The secret store: a round trip, the file's mode and atomic writes, a wrong master passphrase
// refused with a clear error, tampering detected (values and names), and no secret in any message.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { passphraseProtection } from '../../../app/main/secrets/passphrase-protection.js';
import { SecretVault, VaultError, VaultLockedError } from '../../../app/main/secrets/vault.js';
import { tempDir } from '../inventory/temp-inventory.js';

const SECRET = 's3cret value ' + 'x'.repeat(8);
const withPassphrase = (dir: string, passphrase: string | undefined) =>
  new SecretVault(
    dir,
    passphraseProtection(() => Promise.resolve(passphrase)),
  );

test('a round trip through the file, readable again by another instance', async (t) => {
  const dir = tempDir(t);
  const vault = withPassphrase(dir, 'correct horse');
  assert.equal(vault.exists(), false);
  assert.throws(() => vault.set('ssh-password:a@b', SECRET, 'Password for a@b'), VaultLockedError);
  await vault.unlock();
  vault.set('ssh-password:a@b', SECRET, 'Password for a@b');
  vault.set('ssh-passphrase:/k', 'other', 'Passphrase of /k');
  assert.equal(vault.get('ssh-password:a@b'), SECRET);

  const again = withPassphrase(dir, 'correct horse');
  assert.deepEqual(
    again.list().map((e) => [e.id, e.label]),
    [
      ['ssh-password:a@b', 'Password for a@b'],
      ['ssh-passphrase:/k', 'Passphrase of /k'],
    ],
    'names are listed without unlocking',
  );
  assert.throws(() => again.get('ssh-password:a@b'), VaultLockedError);
  await again.unlock();
  assert.equal(again.get('ssh-password:a@b'), SECRET);
  assert.equal(again.delete('ssh-password:a@b'), true);
  assert.equal(again.delete('ssh-password:a@b'), false);
  assert.equal(vault.get('ssh-password:a@b'), undefined, 'the first instance sees the change');
  assert.equal(vault.get('ssh-passphrase:/k'), 'other');
});

test('the file is mode 0600, holds no value in the clear, and leaves no temporary file', async (t) => {
  const dir = tempDir(t);
  const vault = withPassphrase(dir, 'pw');
  await vault.unlock();
  for (let i = 0; i < 5; i++) vault.set(`k${i}`, SECRET, `label ${i}`);
  assert.equal(statSync(vault.file).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(dir), ['secrets.vault']);
  const bytes = readFileSync(vault.file);
  assert.equal(bytes.includes(SECRET), false);
  assert.equal(bytes.includes(Buffer.from(SECRET).toString('base64')), false);
});

test('an entry is forgotten without unlocking (no passphrase asked)', async (t) => {
  const dir = tempDir(t);
  const vault = withPassphrase(dir, 'pw');
  await vault.unlock();
  vault.set('a', SECRET, 'A');
  vault.set('b', 'other', 'B');
  let asked = 0;
  const locked = new SecretVault(
    dir,
    passphraseProtection(() => {
      asked++;
      return Promise.resolve('pw');
    }),
  );
  assert.equal(locked.delete('a'), true);
  assert.equal(asked, 0);
  assert.deepEqual(
    locked.list().map((e) => e.id),
    ['b'],
  );
  await locked.unlock();
  assert.equal(locked.get('b'), 'other');
  assert.equal(locked.get('a'), undefined);
});

test('a wrong master passphrase is refused with a clear error that holds no secret', async (t) => {
  const dir = tempDir(t);
  const vault = withPassphrase(dir, 'right one');
  await vault.unlock();
  vault.set('a', SECRET, 'A');
  const wrong = withPassphrase(dir, 'wrong one');
  const err = await wrong.unlock().then(
    () => assert.fail('unlocked with a wrong passphrase'),
    (e: unknown) => e as Error,
  );
  assert.ok(err instanceof VaultError);
  assert.match(err.message, /Wrong master passphrase/);
  assert.doesNotMatch(err.message, /wrong one|right one|s3cret/);
  assert.equal(wrong.isUnlocked, false);
  await assert.rejects(withPassphrase(dir, undefined).unlock(), /No master passphrase was given/);
  await assert.rejects(withPassphrase(tempDir(t), '').unlock(), /cannot be empty/);
});

test('tampering is detected: a changed value, a renamed entry, a swapped file', async (t) => {
  const dir = tempDir(t);
  const vault = withPassphrase(dir, 'pw');
  await vault.unlock();
  vault.set('ssh-password:root@web1', SECRET, 'Password for root@web1');
  const original = readFileSync(vault.file, 'utf8');
  const reopen = async () => {
    const v = withPassphrase(dir, 'pw');
    await v.unlock();
    return v.get('ssh-password:root@web1');
  };

  type Stored = { entries: { id: string; data: string }[]; check: { data: string } };
  const flip = (b64: string) => {
    const bytes = Buffer.from(b64, 'base64');
    bytes[0]! ^= 1;
    return bytes.toString('base64');
  };
  const altered = (change: (file: Stored) => void) => {
    const file = JSON.parse(original) as Stored;
    change(file);
    writeFileSync(vault.file, JSON.stringify(file));
  };

  altered((f) => (f.entries[0]!.data = flip(f.entries[0]!.data)));
  await assert.rejects(reopen(), /altered or damaged/);
  assert.throws(() => vault.get('ssh-password:root@web1'), /altered or damaged/);

  altered((f) => (f.entries[0]!.id = 'ssh-password:root@web2'));
  await assert.rejects(reopen(), /altered or damaged/);

  altered((f) => (f.check.data = flip(f.check.data)));
  await assert.rejects(reopen(), /altered or damaged/);

  writeFileSync(vault.file, 'not json');
  await assert.rejects(reopen(), /not a ConVirt secret store/);

  writeFileSync(vault.file, original);
  assert.equal(await reopen(), SECRET);
});
