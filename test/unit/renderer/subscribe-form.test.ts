// The subscribe dialog's checks: each bad field gets its own message before anything is sent,
// the trust path becomes a CA file or a CA folder, and empty optional fields are left out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkSubscribeForm,
  EMPTY_SUBSCRIBE_FORM,
} from '../../../app/renderer/src/catalogs/subscribe-form.js';

const good = {
  ...EMPTY_SUBSCRIBE_FORM,
  url: ' https://lists.example.org/endorsed.smime ',
  trustPath: '/etc/grid-security/certificates',
};

test('a CA folder, nothing optional: the URL and the folder only', () => {
  assert.deepEqual(checkSubscribeForm(good), {
    ok: true,
    request: {
      url: 'https://lists.example.org/endorsed.smime',
      trustCaDir: '/etc/grid-security/certificates',
    },
  });
});

test('a CA file with every optional field, headers joined and blank rows ignored', () => {
  const checked = checkSubscribeForm({
    ...good,
    trustKind: 'file',
    trustPath: '/etc/pki/ca.pem',
    endorserDn: ' /DC=org/DC=example/CN=Jane Endorser ',
    name: 'example',
    headers: [
      { name: 'X-Token', value: ' abc ' },
      { name: '', value: '' },
    ],
  });
  assert.deepEqual(checked, {
    ok: true,
    request: {
      url: 'https://lists.example.org/endorsed.smime',
      trustCaFile: '/etc/pki/ca.pem',
      endorserDn: '/DC=org/DC=example/CN=Jane Endorser',
      name: 'example',
      headers: ['X-Token:abc'],
    },
  });
});

test('unsigned lists: no trust path needed, and it is sent only when asked', () => {
  assert.deepEqual(checkSubscribeForm({ ...good, trustPath: '', allowUnsigned: true }), {
    ok: true,
    request: { url: 'https://lists.example.org/endorsed.smime', allowUnsigned: true },
  });
  const refused = checkSubscribeForm({ ...good, trustPath: '' });
  assert.equal(refused.ok, false);
  assert.match(
    refused.ok ? '' : (refused.errors.trustPath ?? ''),
    /Give the CA folder .* or allow unsigned lists/,
  );
});

test('each bad field has its own message', () => {
  const checked = checkSubscribeForm({
    ...EMPTY_SUBSCRIBE_FORM,
    url: 'ftp://lists.example.org/x',
    trustKind: 'file',
    trustPath: 'relative/ca.pem',
    endorserDn: 'CN=Jane',
    name: 'two words',
    headers: [{ name: 'Bad Name', value: 'x' }],
  });
  assert.equal(checked.ok, false);
  const errors = checked.ok ? {} : checked.errors;
  assert.deepEqual(Object.keys(errors).sort(), [
    'endorserDn',
    'header-0',
    'name',
    'trustPath',
    'url',
  ]);
  assert.match(errors.url ?? '', /only http and https/);
  assert.match(errors.trustPath ?? '', /CA file must be an absolute path/);
  assert.match(errors.endorserDn ?? '', /OpenSSL one-line way/);
  assert.match(errors.name ?? '', /Invalid subscription name "two words"/);
});
