// Migration 3: HTTP header values registered before it move from url_template_details into the
// secret store, leaving the name and a reference. When the store opens without a question
// (safeStorage) it happens at start-up, right after the inventory opens; when it needs a master passphrase nobody can
// give then, the values stay as they were (still usable) and move once it is unlocked.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { UrlTemplateRecords } from '../../../app/main/templates/template-records.js';
import {
  headerSecretCounts,
  moveHeaderValuesIntoVault,
  unlockForHeaders,
} from '../../../app/main/templates/template-secrets.js';
import { databasePath, openDatabase } from '../../../app/main/inventory/database.js';
import { MIGRATIONS } from '../../../app/main/inventory/migrations.js';
import { passphraseProtection } from '../../../app/main/secrets/passphrase-protection.js';
import { safeStorageProtection } from '../../../app/main/secrets/safe-storage-protection.js';
import { configureVault } from '../../../app/main/secrets/vault-registry.js';
import { tempDir } from '../inventory/temp-inventory.js';

const TOKEN = 'Bearer very-secret-token-1234';

/** A data folder whose inventory stopped at migration 2 with one header in plain text. */
function inventoryAtVersion2(dir: string) {
  const db = openDatabase(databasePath(dir), { migrations: MIGRATIONS.slice(0, 2) });
  db.prepare(
    `INSERT INTO url_templates (id, name, format, url, hypervisor, direct_download,
       download_state, state, created_at) VALUES (1, 'deb', 'qcow2', 'http://h/a.qcow2', 'kvm', 1,
       'BYPASSED', 'Ready', '2025-01-01T00:00:00Z')`,
  ).run();
  db.prepare(
    `INSERT INTO url_template_details (template_id, seq, key, value)
       VALUES (1, 0, 'HTTP_HEADER', ?)`,
  ).run(`Authorization:${TOKEN}`);
  db.close();
}

const fakeKeychain = {
  isEncryptionAvailable: () => true,
  getSelectedStorageBackend: () => 'gnome_libsecret',
  encryptString: (s: string) => Buffer.from(s, 'utf8').reverse(),
  decryptString: (b: Buffer) => Buffer.from(b).reverse().toString('utf8'),
};

/** The database file after a checkpoint (so the WAL's pages are in it). */
function databaseBytes(dir: string): Buffer {
  const db = openDatabase(databasePath(dir));
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return readFileSync(databasePath(dir));
}

test('with safeStorage, header values move into the store at start-up', (t) => {
  const dir = tempDir(t);
  inventoryAtVersion2(dir);
  const vault = configureVault(dir, safeStorageProtection(fakeKeychain, 'linux'));
  const db = openDatabase(databasePath(dir));
  assert.equal(moveHeaderValuesIntoVault(db, vault), 1);
  assert.deepEqual(headerSecretCounts(db), { stored: 1, plainText: 0 });
  assert.deepEqual(new UrlTemplateRecords(db).get('deb').headers, [
    { name: 'Authorization', value: TOKEN },
  ]);
  const ref = db.prepare<[], { value: string }>('SELECT value FROM url_template_details').get();
  assert.match(ref!.value, /^Authorization:http-header:/);
  db.close();
  assert.equal(databaseBytes(dir).includes(TOKEN), false);
});

test('with a master passphrase nobody can give, values wait in plain text, then move', async (t) => {
  const dir = tempDir(t);
  inventoryAtVersion2(dir);
  let asked = 0;
  configureVault(
    dir,
    passphraseProtection(() => {
      asked++;
      return Promise.resolve('master');
    }),
  );
  const db = openDatabase(databasePath(dir));
  assert.equal(asked, 0, 'the migration asks nothing');
  assert.deepEqual(headerSecretCounts(db), { stored: 0, plainText: 1 });
  // Still usable meanwhile, exactly as before the migration.
  assert.deepEqual(new UrlTemplateRecords(db).get('deb').headers[0]?.value, TOKEN);
  // A new header cannot be stored while the store is locked: refused, nothing kept.
  const records = new UrlTemplateRecords(db);
  assert.throws(
    () =>
      records.add({
        ...records.get('deb'),
        name: 'deb2',
        headers: [{ name: 'X-Key', value: 'v' }],
      }),
    /locked/,
  );
  assert.equal(records.find('deb2'), undefined);

  await unlockForHeaders(db, false);
  assert.equal(asked, 1);
  assert.deepEqual(headerSecretCounts(db), { stored: 1, plainText: 0 });
  assert.deepEqual(records.get('deb').headers[0]?.value, TOKEN);
  assert.equal(records.remove('deb'), true);
  db.close();
  assert.equal(databaseBytes(dir).includes(TOKEN), false);
});
