// Browser mode with an existing passphrase-protected secret store: the first client to connect is
// asked the master passphrase once (not each caller that needs the store), through the same
// secretRequested flow; the answer unlocks the store.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SecretRequest } from '../../../app/shared/contract/convirt-contract.js';
import { passphraseProtection } from '../../../app/main/secrets/passphrase-protection.js';
import { vaultIn } from '../../../app/main/secrets/vault-registry.js';
import { SecretVault } from '../../../app/main/secrets/vault.js';
import { openConvirt } from '../../../app/main/backend/open-convirt.js';
import { tempDir } from '../inventory/temp-inventory.js';

test('the first client is asked the master passphrase once, and its answer unlocks', async (t) => {
  const dir = tempDir(t);
  const made = new SecretVault(
    dir,
    passphraseProtection(() => Promise.resolve('master')),
  );
  await made.unlock();
  made.set('ssh-password:root@web1', 'pw', 'Password for root@web1');

  const app = openConvirt({
    dataDir: dir,
    mode: 'browser',
    version: 't',
    localTerminal: false,
    home: dir,
  });
  t.after(() => app.close());
  let asked!: (r: SecretRequest) => void;
  const question = new Promise<SecretRequest>((resolve) => (asked = resolve));
  const requests: SecretRequest[] = [];
  const client = app.backend.attach((event, payload) => {
    if (event === 'secretRequested') {
      requests.push(payload as SecretRequest);
      asked(payload as SecretRequest);
    }
  });
  t.after(() => client.close());
  const request = await question;
  assert.deepEqual([request.kind, request.prompt], ['master-passphrase', "ConVirt's secret store"]);
  const vault = vaultIn(dir);
  const joined = vault.unlock(); // a second caller while the question is out: no new question
  await client.service.answerSecret(request.requestId, 'master', {});
  await joined;
  assert.equal(requests.length, 1);
  assert.equal(vault.get('ssh-password:root@web1'), 'pw');
  assert.deepEqual(
    (await client.service.listRememberedSecrets()).map((s) => s.id),
    ['ssh-password:root@web1'],
  );
});
