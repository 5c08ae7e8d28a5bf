// The dialog's password hash is the SHA-512 crypt(3) hash cloud-init and `openssl passwd -6`
// agree on: Drepper's published vector, OpenSSL's output for the same salt, and a random salt.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { sha512Crypt } from '../../../app/renderer/src/cloud-init/password-hash.js';
import { validateCloudInit } from '../../../app/shared/validation/cloud-init.js';

test('the published SHA-512 crypt vector', async () => {
  assert.equal(
    await sha512Crypt('Hello world!', 'saltstring'),
    '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1',
  );
});

test('the same hash as openssl passwd -6, for long and non-ASCII passwords too', async (t) => {
  const probe = spawnSync('openssl', ['version']);
  if (probe.status !== 0) return t.skip('no openssl here');
  for (const password of [
    's3cret',
    'a much longer passphrase of more than 64 bytes, 0123456789',
    'pässwörd',
  ]) {
    const openssl = spawnSync('openssl', ['passwd', '-6', '-salt', 'AbCd./0123456789', '-stdin'], {
      input: password,
    });
    assert.equal(await sha512Crypt(password, 'AbCd./0123456789'), openssl.stdout.toString().trim());
  }
});

test('a random salt each time, and a hash the shared cloud-init validation accepts', async () => {
  const [a, b] = [await sha512Crypt('pw'), await sha512Crypt('pw')];
  assert.notEqual(a, b);
  assert.match(a, /^\$6\$[./A-Za-z0-9]{16}\$[./A-Za-z0-9]{86}$/);
  assert.equal(validateCloudInit({ user: 'ops', passwordHash: a }).passwordHash, a);
});
