// The desktop wiring of safeStorage, with a fake safeStorage object (no Electron binary here; the
// real object's type is checked against SafeStorageLike where main.ts passes it in): the key is
// wrapped by it, the vault opens without a question, and a Linux without a keyring
// ('basic_text') or no encryption at all is refused rather than pretended.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { desktopVaultProtection } from '../../../app/main/electron/vault-protection.js';
import type { SafeStorageLike } from '../../../app/main/secrets/safe-storage-protection.js';
import { SecretVault } from '../../../app/main/secrets/vault.js';
import { tempDir } from '../inventory/temp-inventory.js';

/** Reversible "encryption" standing in for the OS keychain; counts its calls. */
function fakeSafeStorage(backend: string, available = true) {
  const calls = { encrypt: 0, decrypt: 0 };
  const safeStorage: SafeStorageLike = {
    isEncryptionAvailable: () => available,
    getSelectedStorageBackend: () => backend,
    encryptString: (plain) => {
      calls.encrypt++;
      return Buffer.from(`keychain:${plain}`).reverse();
    },
    decryptString: (encrypted) => {
      calls.decrypt++;
      const text = Buffer.from(encrypted).reverse().toString();
      if (!text.startsWith('keychain:')) throw new Error('Error while decrypting the ciphertext');
      return text.slice('keychain:'.length);
    },
  };
  return { safeStorage, calls };
}

test('with a keyring, the data key is wrapped by safeStorage and opens without asking', (t) => {
  const dir = tempDir(t);
  const { safeStorage, calls } = fakeSafeStorage('gnome_libsecret');
  const { protection, refusal } = desktopVaultProtection(safeStorage, 'linux');
  assert.equal(refusal, undefined);
  assert.ok(protection);
  const vault = new SecretVault(dir, protection);
  assert.equal(vault.tryUnlockSync(), true);
  vault.set('ssh-password:root@web1', 'pw-value', 'Password for root@web1');
  assert.equal(calls.encrypt, 1);
  const stored = JSON.parse(readFileSync(vault.file, 'utf8')) as { key: { kind: string } };
  assert.equal(stored.key.kind, 'safeStorage');

  const again = new SecretVault(dir, desktopVaultProtection(safeStorage, 'linux').protection!);
  assert.equal(again.tryUnlockSync(), true);
  assert.equal(again.get('ssh-password:root@web1'), 'pw-value');
  assert.equal(calls.decrypt, 1);
});

test("Linux's basic_text backend and unavailable encryption are refused, not pretended", () => {
  for (const [backend, available, platform] of [
    ['basic_text', true, 'linux'],
    ['unknown', true, 'linux'],
    ['gnome_libsecret', false, 'linux'],
    ['n/a', false, 'darwin'],
  ] as const) {
    const { safeStorage, calls } = fakeSafeStorage(backend, available);
    const { protection, refusal } = desktopVaultProtection(safeStorage, platform);
    assert.equal(protection, undefined, backend);
    assert.ok(refusal, backend);
    assert.deepEqual(calls, { encrypt: 0, decrypt: 0 });
  }
  assert.match(
    desktopVaultProtection(fakeSafeStorage('basic_text').safeStorage, 'linux').refusal!,
    /basic_text/,
  );
  // macOS and Windows have no backend choice: available is enough.
  const mac = fakeSafeStorage('n/a');
  assert.ok(desktopVaultProtection(mac.safeStorage, 'darwin').protection);
});

test('a vault made with safeStorage is not opened by a passphrase process, and says why', (t) => {
  const dir = tempDir(t);
  const { safeStorage } = fakeSafeStorage('kwallet5');
  const vault = new SecretVault(dir, desktopVaultProtection(safeStorage, 'linux').protection!);
  vault.tryUnlockSync();
  vault.set('a', 'b', 'c');
  const other = new SecretVault(dir, {
    kind: 'passphrase',
    wrap: () => Promise.reject(new Error('unused')),
    unwrap: () => Promise.reject(new Error('unused')),
  });
  assert.throws(() => other.list(), /protected by safeStorage, which is not available here/);
});
